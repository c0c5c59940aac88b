// The image data plane (imageio protocol): OPTIONS, ranged GET, PUT with Content-Range, PATCH
// zero and flush, and extents, on `/images/{ticket}`, over TLS with the engine's certificate.
// Bytes stream through with back-pressure; no chunk is held whole in memory.
import fs from 'node:fs';
import https from 'node:https';
import { Socket } from 'node:net';
import { IncomingMessage, ServerResponse } from 'node:http';
import { execFile } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Knex } from 'knex';
import { Certificates } from '../services/pki';
import { ProxyError, Ticket, Tickets } from './tickets';
import { parseContentRange, parseRange } from './ranges';

const run = promisify(execFile);

const READ_FEATURES = ['extents'];
const WRITE_FEATURES = ['extents', 'flush', 'zero'];
/** Zeroing proceeds in steps of this many bytes, written from one shared zero buffer. */
const ZERO_STEP = 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_STEP);
const MAX_PATCH_BODY = 64 * 1024;

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

async function flushFile(path: string): Promise<void> {
  const fh = await fs.promises.open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

class ImageServer {
  constructor(private readonly tickets: Tickets) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const m = /^\/images\/([^/]*)(\/extents)?\/?$/.exec(url.pathname);
    if (url.pathname === '/info/' || url.pathname === '/info') return json(res, { version: 'hangar' });
    if (!m) throw new ProxyError(404, `No resource at ${url.pathname}`);
    const [, id, extents] = m;
    if (id === '') throw new ProxyError(400, 'Missing ticket id');
    const method = req.method ?? 'GET';
    if (extents) {
      if (method !== 'GET') throw new ProxyError(405, `Method ${method} is not allowed on extents`);
      return this.extents(await this.tickets.authorize(id, 'read'), url, res);
    }
    switch (method) {
      case 'OPTIONS':
        return this.options(id, res);
      case 'GET':
        return this.get(await this.tickets.authorize(id, 'read'), req, res);
      case 'PUT':
        return this.put(await this.tickets.authorize(id, 'write'), req, url, res);
      case 'PATCH':
        return this.patch(await this.tickets.authorize(id, 'write'), req, res);
      default:
        throw new ProxyError(405, `Method ${method} is not allowed`);
    }
  }

  private async options(id: string, res: ServerResponse): Promise<void> {
    if (id === '*') return json(res, { features: WRITE_FEATURES }, { Allow: 'OPTIONS,GET,PUT,PATCH' });
    const t = await this.tickets.authorize(id, 'read');
    await this.tickets.begin(t);
    await this.tickets.end(t);
    const write = t.ops === 'write';
    // A regular file takes one writer safely (a qcow2 file may grow while zeroing).
    json(res, { features: write ? WRITE_FEATURES : READ_FEATURES, max_readers: 8, max_writers: 1 }, { Allow: write ? 'OPTIONS,GET,PUT,PATCH' : 'OPTIONS,GET' });
  }

  private async get(t: Ticket, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const available = Math.min(t.size, (await fs.promises.stat(t.path)).size);
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
      if (end >= start) await pipeline(fs.createReadStream(t.path, { start, end, highWaterMark: 1024 * 1024 }), res);
      else res.end();
    } finally {
      await this.tickets.end(t, [start, end + 1]);
    }
  }

  private async put(t: Ticket, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
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
      req.on('data', (c: Buffer) => (written += c.length));
      await pipeline(req, fs.createWriteStream(t.path, { flags: 'r+', start: offset, highWaterMark: 1024 * 1024 }));
      if (written !== length) throw new ProxyError(400, `The body had ${written} bytes, not Content-Length ${length}`, true);
      // fsync flushes the file's data, whichever descriptor wrote it.
      if (flush === 'y') await flushFile(t.path);
    } finally {
      await this.tickets.end(t, [offset, offset + written]);
    }
    res.writeHead(200, { 'Content-Length': 0, ...(url.searchParams.get('close') === 'y' ? { Connection: 'close' } : {}) });
    res.end();
  }

  private async patch(t: Ticket, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
        await flushFile(t.path);
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
      const fh = await fs.promises.open(t.path, 'r+');
      try {
        for (let done = 0; done < size;) {
          const n = Math.min(ZERO_STEP, size - done);
          await fh.write(ZEROS, 0, n, offset + done);
          done += n;
        }
        if (body.flush === true) await fh.sync();
      } finally {
        await fh.close();
        await this.tickets.end(t, [offset, offset + size]);
      }
    } else {
      throw new ProxyError(400, `Invalid op ${JSON.stringify(body.op)}: use zero or flush`);
    }
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  }

  /** Where the image holds data and where it reads as zeros, from qemu-img's map of the file. */
  private async extents(t: Ticket, url: URL, res: ServerResponse): Promise<void> {
    const context = url.searchParams.get('context') ?? 'zero';
    if (context === 'dirty') throw new ProxyError(404, 'Dirty extents are not available for this transfer');
    if (context !== 'zero') throw new ProxyError(400, `Invalid context '${context}': use zero or dirty`);
    await this.tickets.begin(t);
    try {
      const { stdout } = await run('qemu-img', ['map', '--output=json', '-f', 'raw', t.path], { maxBuffer: 256 * 1024 * 1024 });
      const out: { start: number; length: number; zero: boolean; hole: boolean }[] = [];
      for (const e of JSON.parse(stdout) as { start: number; length: number; zero: boolean }[]) {
        const last = out[out.length - 1];
        if (last && last.zero === e.zero) last.length += e.length;
        else out.push({ start: e.start, length: e.length, zero: e.zero, hole: false });
      }
      json(res, out);
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

export async function startProxy(db: Knex, certs: Certificates, port: number, bind: string): Promise<Proxy> {
  const images = new ImageServer(new Tickets(db));
  const server = https.createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    images.handle(req, res).catch((e: unknown) => {
      if (e instanceof ProxyError) return fail(res, e);
      console.error('image proxy request failed', e);
      fail(res, new ProxyError(500, 'The request failed; see the proxy log', true));
    });
  });
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve) => server.listen(port, bind, resolve));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
