// The image data plane (imageio protocol): OPTIONS, ranged GET, PUT with Content-Range, PATCH
// zero and flush, extents and checksum, on `/images/{ticket}`, over TLS with the engine's certificate.
// Bytes stream through with back-pressure; no chunk is held whole in memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { Socket } from 'node:net';
import { Knex } from 'knex';
import { Certificates } from '../services/pki';
import { Backend, openBackend } from './backend';
import { ProxyError, Ticket, Tickets } from './tickets';
import { parseContentRange, parseRange } from './ranges';
import { readInPieces, writeInPieces } from './pieces';
import { AlignedPool } from './aligned';
import { algorithms, checksum, checksumRequest } from './checksum';

const READ_FEATURES = ['checksum', 'extents'];
const WRITE_FEATURES = ['checksum', 'extents', 'flush', 'zero'];
const MAX_PATCH_BODY = 64 * 1024;
/** Data moves through two buffers of 4 MiB per request, the size of each backend read or write. */
const PIECES = new AlignedPool(4 * 1024 * 1024);
/** imageio's limit on the request line. */
const MAX_TARGET = 4096;
/** Idle connections stay open this long between requests: clients pause to plan their next ones. */
const IDLE_CONNECTION_MS = 60_000;

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function fail(res: ServerResponse, e: ProxyError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${e.message}\n`;
  res.writeHead(e.status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...(e.close ? { Connection: 'close' } : {}),
    ...e.headers,
  });
  res.end(text);
}

async function readSmallBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PATCH_BODY) throw new ProxyError(400, 'Request body too large', true);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooFar(size: number): ProxyError {
  return new ProxyError(416, `Requested range is beyond the image size ${size}`, true, { 'Content-Range': `bytes */${size}` });
}

/** CORS, as imageio answers it: browsers of any origin may move data with a ticket. */
function allowBrowsers(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    res.setHeader('Access-Control-Allow-Headers', '*');
    res.setHeader('Access-Control-Allow-Methods', 'OPTIONS,GET,PUT');
    res.setHeader('Access-Control-Max-Age', '86400');
  }
}

class ImageServer {
  /** The Unix socket of this proxy, offered to local clients by OPTIONS. */
  unixSocket?: string;

  constructor(private readonly tickets: Tickets) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').length > MAX_TARGET) throw new ProxyError(414, `The request target is longer than ${MAX_TARGET} bytes`, true);
    const url = new URL(req.url ?? '/', 'https://proxy');
    const m = /^\/images\/([^/]*)(\/extents|\/checksum|\/checksum\/algorithms)?\/?$/.exec(url.pathname);
    if (url.pathname === '/info/' || url.pathname === '/info') return json(res, { version: 'hangar' });
    if (!m) throw new ProxyError(404, `No resource at ${url.pathname}`);
    const [, id, resource] = m;
    if (id === '') throw new ProxyError(400, 'Missing ticket id');
    const method = req.method ?? 'GET';
    allowBrowsers(req, res);
    if (resource) {
      if (method !== 'GET') throw new ProxyError(405, `Method ${method} is not allowed on ${resource}`);
      // Which algorithms there are is no secret: no ticket needed.
      if (resource === '/checksum/algorithms') return json(res, { algorithms: algorithms() });
      if (resource === '/checksum') return this.serve(id, 'read', res, (t, b) => this.checksum(t, b, url, res));
      return this.serve(id, 'read', res, (t, b) => this.extents(t, b, url, res));
    }
    switch (method) {
      case 'OPTIONS':
        if (id === '*') return json(res, { ...this.local(), features: WRITE_FEATURES }, { Allow: 'OPTIONS,GET,PUT,PATCH' });
        return this.serve(id, 'read', res, (t, b) => this.options(t, b, res));
      case 'GET':
        return this.serve(id, 'read', res, (t, b) => this.get(t, b, req, res));
      case 'PUT':
        return this.serve(id, 'write', res, (t, b) => this.put(t, b, req, url, res));
      case 'PATCH':
        return this.serve(id, 'write', res, (t, b) => this.patch(t, b, req, res));
      default:
        throw new ProxyError(405, `Method ${method} is not allowed`);
    }
  }

  private local(): { unix_socket?: string } {
    return this.unixSocket ? { unix_socket: this.unixSocket } : {};
  }

  /** Authorizes the request, opens the ticket's backend for it, and gives it back afterwards. */
  private async serve(id: string, op: 'read' | 'write', res: ServerResponse, work: (t: Ticket, b: Backend) => Promise<void>): Promise<void> {
    const ticket = await this.tickets.authorize(id, op);
    // An authorized connection may stay idle as long as its ticket lets a client be idle
    // (Node sets the keep-alive timeout as the response finishes; this comes after).
    const socket = res.socket;
    if (socket && ticket.inactivity_timeout > 0) res.once('finish', () => socket.setTimeout(ticket.inactivity_timeout * 1000));
    const backend = openBackend(ticket.url, ticket.ops === 'write');
    try {
      await work(ticket, backend);
    } finally {
      await backend.release();
    }
  }

  private async options(t: Ticket, backend: Backend, res: ServerResponse): Promise<void> {
    await this.tickets.begin(t);
    await this.tickets.end(t);
    const write = t.ops === 'write';
    json(res, { ...this.local(), features: write ? WRITE_FEATURES : READ_FEATURES, max_readers: 8, max_writers: backend.maxWriters }, { Allow: write ? 'OPTIONS,GET,PUT,PATCH' : 'OPTIONS,GET' });
  }

  private async get(t: Ticket, backend: Backend, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const available = Math.min(t.size, await backend.size());
    let [start, end] = [0, available - 1];
    const range = req.headers.range;
    if (range !== undefined) {
      const [a, b] = parseRange(range);
      if (b !== undefined && b >= t.size) throw tooFar(t.size);
      if (a >= available || (b !== undefined && b >= available)) throw tooFar(available);
      [start, end] = [a, b ?? available - 1];
    }
    await this.tickets.begin(t);
    try {
      res.writeHead(range === undefined ? 200 : 206, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': end - start + 1,
        'Content-Disposition': 'attachment',
        ...(range === undefined ? {} : { 'Content-Range': `bytes ${start}-${end}/${t.size}` }),
      });
      await readInPieces(res, start, end + 1, PIECES, (at, into) => backend.pread(at, into));
    } finally {
      await this.tickets.end(t, [start, end + 1]);
    }
  }

  private async put(t: Ticket, backend: Backend, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) throw new ProxyError(400, 'Content-Length is required', true);
    const length = Number(lengthHeader);
    const offset = parseContentRange(req.headers['content-range']);
    const flush = url.searchParams.get('flush') ?? 'y';
    if (!['y', 'n'].includes(flush)) throw new ProxyError(400, `Invalid flush value '${flush}': use y or n`, true);
    if (offset + length > t.size) throw tooFar(t.size);
    await this.tickets.begin(t);
    let written = 0;
    try {
      written = await writeInPieces(req, offset, PIECES, (at, data) => backend.pwrite(at, data));
      if (written !== length) throw new ProxyError(400, `The body had ${written} bytes, not Content-Length ${length}`, true);
      if (flush === 'y') await backend.flush();
    } finally {
      await this.tickets.end(t, [offset, offset + written]);
    }
    res.writeHead(200, { 'Content-Length': 0, ...(url.searchParams.get('close') === 'y' ? { Connection: 'close' } : {}) });
    res.end();
  }

  private async patch(t: Ticket, backend: Backend, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readSmallBody(req)) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof ProxyError) throw e;
      throw new ProxyError(400, 'The body is not valid JSON');
    }
    if (body === null || typeof body !== 'object') throw new ProxyError(400, 'The body must be a JSON object');
    if (body.op === 'flush') {
      await this.tickets.begin(t);
      try {
        await backend.flush();
      } finally {
        await this.tickets.end(t);
      }
    } else if (body.op === 'zero') {
      const int = (v: unknown, name: string, fallback?: number) => {
        if (v === undefined && fallback !== undefined) return fallback;
        if (!Number.isSafeInteger(v) || (v as number) < 0) throw new ProxyError(400, `Invalid or missing ${name}: a non-negative integer is needed`);
        return v as number;
      };
      const size = int(body.size, 'size');
      const offset = int(body.offset, 'offset', 0);
      if (body.flush !== undefined && typeof body.flush !== 'boolean') throw new ProxyError(400, 'Invalid flush: a boolean is needed');
      if (offset + size > t.size) throw tooFar(t.size);
      await this.tickets.begin(t);
      try {
        await backend.zero(offset, size);
        if (body.flush === true) await backend.flush();
      } finally {
        await this.tickets.end(t, [offset, offset + size]);
      }
    } else {
      throw new ProxyError(400, `Invalid op ${JSON.stringify(body.op)}: use zero or flush`);
    }
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  }

  private async checksum(t: Ticket, backend: Backend, url: URL, res: ServerResponse): Promise<void> {
    const asked = checksumRequest(url.searchParams);
    await this.tickets.begin(t);
    try {
      json(res, await checksum(backend, await backend.size(), await backend.extents(), asked));
    } finally {
      await this.tickets.end(t);
    }
  }

  private async extents(t: Ticket, backend: Backend, url: URL, res: ServerResponse): Promise<void> {
    const context = url.searchParams.get('context') ?? 'zero';
    if (context === 'dirty') throw new ProxyError(404, 'Dirty extents are not available for this transfer');
    if (context !== 'zero') throw new ProxyError(400, `Invalid context '${context}': use zero or dirty`);
    await this.tickets.begin(t);
    try {
      json(res, await backend.extents());
    } finally {
      await this.tickets.end(t);
    }
  }
}

export interface Proxy {
  server: https.Server;
  port: number;
  stop(): Promise<void>;
}

/**
 * Node's cipher list with AES-128-GCM first: image data is most of what TLS carries here, and
 * AES-128 encrypts it about half again as fast as AES-256, on both ends.
 */
const CIPHERS = ['TLS_AES_128_GCM_SHA256', ...tls.DEFAULT_CIPHERS.split(':').filter((c) => c !== 'TLS_AES_128_GCM_SHA256')].join(':');

/** Connection rules both listeners share. */
function configure(server: http.Server): void {
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  server.headersTimeout = IDLE_CONNECTION_MS + 1000;
  // One PUT may carry a whole disk: no limit on how long a body takes to arrive.
  server.requestTimeout = 0;
}

const listen = (server: http.Server, where: number | string, bind?: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof where === 'string') server.listen(where, done);
    else server.listen(where, bind, done);
  });

export async function startProxy(db: Knex, certs: Certificates, port: number, bind: string): Promise<Proxy> {
  const images = new ImageServer(new Tickets(db));
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    images.handle(req, res).catch((e: unknown) => {
      if (e instanceof ProxyError) return fail(res, e);
      // A client that goes away mid-request is an ordinary case of the protocol: it sends again.
      if (req.destroyed || res.destroyed) return res.destroy();
      console.error('image proxy request failed', e);
      fail(res, new ProxyError(500, 'The request failed; see the proxy log', true));
    });
  };
  const server = https.createServer({ key: certs.keyPem, cert: certs.certPem, ciphers: CIPHERS, honorCipherOrder: true }, handler);
  configure(server);
  await listen(server, port, bind);
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // Clients on this machine may move data over a Unix socket, without TLS: the same protocol,
  // the ticket still the credential. (Not an abstract name: Node pads those to the full address
  // length, which no other client can name.)
  const local = http.createServer(handler);
  configure(local);
  const socketPath = path.join(os.tmpdir(), 'hangar-imageio', `${actualPort}.sock`);
  await fs.promises.mkdir(path.dirname(socketPath), { recursive: true });
  // The port is ours, so a socket file by its name is a leftover of a process that died.
  await fs.promises.rm(socketPath, { force: true });
  await listen(local, socketPath);
  images.unixSocket = socketPath;
  const close = (s: http.Server) => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });
  return {
    server,
    port: actualPort,
    stop: async () => {
      await close(local);
      await close(server);
      await fs.promises.rm(socketPath, { force: true });
    },
  };
}
