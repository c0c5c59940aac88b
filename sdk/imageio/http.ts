// The imageio data plane over HTTPS (or, on the server's machine, over the Unix socket it offers,
// without TLS, as imageio's client does), one persistent connection per worker: OPTIONS, extents,
// ranged PUT and GET streamed in buffer-sized pieces, PATCH zero and flush. Failures say whether
// sending the same request again may succeed (the connection dropped, the server failed) or the
// server refused it (403: the ticket is gone, the control plane knows why).
import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';

/** Bytes of each read and write of a body (imageio's client uses 4 MiB per worker). */
export const PIECE = 4 * 1024 * 1024;
/** Bytes of an error body worth reading. */
const ERROR_BODY = 512;
/** How long a connection may stay silent (extents of a large image take a while to compute). */
const SILENCE_MS = 120_000;

export class ImageioError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }

  /** The request may succeed if sent again: the connection failed, or the server did (but for lack of space). */
  get retriable(): boolean {
    return this.status === undefined || (this.status >= 500 && this.status !== 507);
  }

  /** The server refused the ticket: it expired, was removed, or the transfer stopped. */
  get refused(): boolean {
    return this.status === 403;
  }
}

/** What OPTIONS tells of the server. */
export interface Features {
  zero: boolean;
  flush: boolean;
  extents: boolean;
  maxReaders: number;
  maxWriters: number;
  /** The server's Unix socket, when it offers one and runs on this machine. */
  unixSocket?: string;
}

/** A range of the image; `zero` ranges read as zeros. */
export interface Extent {
  start: number;
  length: number;
  zero: boolean;
}

/** Where the data plane is, shared by a transfer's connections: the URL may change as the transfer resumes. */
export interface Endpoint {
  url: string;
  ca?: string | Buffer;
  /** Accept any server certificate. */
  insecure?: boolean;
  /** The server's Unix socket, once requests go there. */
  socket?: string;
}

/** Counts of what went over the wire, summed over a transfer's connections. */
export interface Wire {
  /** TCP connections opened to the data plane. */
  connections: number;
  requests: number;
  /** Body bytes sent (PUT) and received (GET), failed attempts included. */
  bytesSent: number;
  bytesReceived: number;
}

export const emptyWire = (): Wire => ({ connections: 0, requests: 0, bytesSent: 0, bytesReceived: 0 });

/** Reads a body piece by piece into the caller's buffer: the buffer is reused once the previous write is taken. */
export type Fill = (at: number, into: Buffer) => Promise<void>;

/** One keep-alive connection to the data plane (a new one replaces it if it drops). */
export class ImageConnection {
  private readonly tls: https.Agent;
  private readonly local = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly seen = new WeakSet<Socket>();

  constructor(private readonly endpoint: Endpoint, private readonly wire: Wire) {
    this.tls = new https.Agent({ keepAlive: true, maxSockets: 1, ca: endpoint.ca, rejectUnauthorized: endpoint.insecure !== true });
  }

  /** Sends a request; `send` writes its body. Answers the response once its status is a success. */
  private request(method: string, suffix: string, headers: Record<string, string | number>, send?: (req: ReturnType<typeof https.request>) => Promise<void>): Promise<IncomingMessage> {
    this.wire.requests++;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const url = new URL(this.endpoint.url);
      const [pathname, search] = suffix.split('?');
      url.pathname += pathname;
      if (search) url.search = search;
      const socketPath = this.endpoint.socket;
      const req = socketPath === undefined
        ? https.request(url, { method, agent: this.tls, headers })
        : http.request({ socketPath, path: `${url.pathname}${url.search}`, method, agent: this.local, headers });
      req.on('socket', (socket: Socket) => {
        if (this.seen.has(socket)) return;
        this.seen.add(socket);
        this.wire.connections++;
      });
      req.on('error', (e) => reject(new ImageioError(`${method} ${url.pathname}: ${e.message}`)));
      // A server silent this long is gone: the request fails as a dropped connection would.
      req.setTimeout(SILENCE_MS, () => req.destroy(new Error(`no answer in ${SILENCE_MS / 1000} s`)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        // The server may answer before reading the whole body: the connection is of no more use.
        void errorText(res).then((text) => reject(new ImageioError(`${method} ${url.pathname}: ${status} ${text}`, status)), reject).finally(() => req.destroy());
      });
      if (!send) {
        req.end();
        return;
      }
      send(req).then(() => req.end(), (e: unknown) => {
        req.destroy();
        reject(e instanceof ImageioError ? e : new ImageioError(`${method} ${url.pathname}: ${(e as Error).message}`));
      });
    });
  }

  private async json(method: string, suffix: string, body?: unknown): Promise<unknown> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return jsonOf(await this.request(method, suffix, text === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }, text === undefined ? undefined : async (req) => void req.write(text)));
  }

  async options(): Promise<Features> {
    const res = await this.request('OPTIONS', '', {});
    // The server is on this machine when the connection's two ends have the same address.
    const here = res.socket.remoteAddress !== undefined && res.socket.remoteAddress === res.socket.localAddress;
    const o = (await jsonOf(res)) as { features?: string[]; max_readers?: number; max_writers?: number; unix_socket?: string } | undefined;
    const features = new Set(o?.features ?? []);
    return {
      zero: features.has('zero'), flush: features.has('flush'), extents: features.has('extents'),
      // A server that names no limits takes one reader and one writer.
      maxReaders: o?.max_readers ?? 1, maxWriters: o?.max_writers ?? 1,
      ...(here && o?.unix_socket ? { unixSocket: o.unix_socket } : {}),
    };
  }

  /** The image's extents, covering it from 0 to its size. */
  async extents(): Promise<Extent[]> {
    return (await this.json('GET', '/extents')) as Extent[];
  }

  /** Writes `length` bytes at `start`, filled by `fill` piece by piece; the server defers flushing when it can. */
  async put(start: number, length: number, fill: Fill, deferFlush: boolean): Promise<void> {
    const res = await this.request('PUT', deferFlush ? '?flush=n' : '', { 'Content-Length': length, 'Content-Range': `bytes ${start}-${start + length - 1}/*` }, async (req) => {
      // Two buffers: the next piece is read while the last one is sent.
      const buffers = [Buffer.allocUnsafe(Math.min(PIECE, length)), Buffer.allocUnsafe(Math.min(PIECE, length))];
      let sending: Promise<void> = Promise.resolve();
      for (let at = start, i = 0; at < start + length; at += PIECE, i++) {
        const piece = buffers[i % 2].subarray(0, Math.min(PIECE, start + length - at));
        await fill(at, piece);
        await sending;
        sending = new Promise<void>((resolve, reject) => req.write(piece, (e) => (e ? reject(e) : resolve())));
        // Awaited with the next piece; a failure before then is not left unhandled.
        sending.catch(() => undefined);
        this.wire.bytesSent += piece.length;
      }
      await sending;
    });
    res.resume();
  }

  /**
   * Reads `length` bytes from `start`; `take` gets them in pieces of up to one buffer, in order,
   * and the body waits while it writes them.
   */
  async get(start: number, length: number, take: (at: number, data: Buffer) => Promise<void>): Promise<void> {
    const res = await this.request('GET', '', { Range: `bytes=${start}-${start + length - 1}` });
    if (res.statusCode !== 206) {
      res.destroy();
      throw new ImageioError(`GET: ${res.statusCode} instead of 206 for a range`, res.statusCode);
    }
    // Two buffers: one fills from the body while `take` writes the other.
    const buffers = [Buffer.allocUnsafe(Math.min(PIECE, length)), Buffer.allocUnsafe(Math.min(PIECE, length))];
    let buffer = buffers[0];
    let filled = 0;
    let at = start;
    let taking: Promise<void> = Promise.resolve();
    const drain = async () => {
      await taking;
      taking = take(at, buffer.subarray(0, filled));
      // Awaited before the next piece; a failure before then is not left unhandled.
      taking.catch(() => undefined);
      at += filled;
      filled = 0;
      buffer = buffer === buffers[0] ? buffers[1] : buffers[0];
    };
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        this.wire.bytesReceived += chunk.length;
        for (let used = 0; used < chunk.length;) {
          const n = chunk.copy(buffer, filled, used);
          used += n;
          filled += n;
          if (filled === buffer.length) await drain();
        }
      }
    } catch (e) {
      // What arrived whole is kept: a retry asks only for the rest.
      if (filled) await drain();
      await taking;
      throw new ImageioError(`GET: ${(e as Error).message}`);
    }
    if (filled) await drain();
    await taking;
    if (at !== start + length) throw new ImageioError(`GET: the body ended after ${at - start} of ${length} bytes`);
  }

  async zero(start: number, length: number): Promise<void> {
    await this.json('PATCH', '', { op: 'zero', offset: start, size: length, flush: false });
  }

  async flush(): Promise<void> {
    await this.json('PATCH', '', { op: 'flush' });
  }

  close(): void {
    this.tls.destroy();
    this.local.destroy();
  }
}

async function jsonOf(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const answer = Buffer.concat(chunks).toString();
  return answer === '' ? undefined : JSON.parse(answer);
}

async function errorText(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (text.length < ERROR_BODY) text += chunk.toString();
  }
  return text.slice(0, ERROR_BODY).trim();
}
