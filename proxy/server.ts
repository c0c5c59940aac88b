// The image data plane (imageio protocol): OPTIONS, ranged GET, PUT with Content-Range, PATCH
// zero and flush, extents and checksum, on `/images/{ticket}`, over TLS with the engine's certificate.
// Bytes stream through with back-pressure; no chunk is held whole in memory.
import fs from 'node:fs';
import path from 'node:path';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { Socket } from 'node:net';
import { Knex } from 'knex';
import { Certificates } from '../services/pki';
import { privateDir } from '../services/private-dir';
import { Backend, openBackend, outOfSpace } from './backend';
import { Ticket, TicketRefused, Tickets, may } from '../services/tickets';
import { parseContentRange, parseRange } from './ranges';
import { readInPieces, writeInPieces } from './pieces';
import { AlignedPool } from './aligned';
import { algorithms, checksum, checksumRequest } from './checksum';
import { ProxyError, count, fail, json, readJsonObject } from './http-util';
import { TicketControl } from './ticket-control';
import { checkTcpAccess, controlTokenOf, ensureControlToken } from './control-access';
import { Config } from '../services/config';
import { ConnectionLimits, limitConnections, timeoutOptions } from '../services/connections';
import { Log } from '../services/log';
import { Metrics } from '../services/metrics';
import { Traffic, routeOf } from './traffic';

const READ_FEATURES = ['checksum', 'extents'];
const WRITE_FEATURES = ['checksum', 'extents', 'flush', 'zero'];
/** Data moves through two buffers of 4 MiB per request, the size of each backend read or write. */
const PIECES = new AlignedPool(4 * 1024 * 1024);
/** imageio's limit on the request line. */
const MAX_TARGET = 4096;
/** Idle connections stay open this long between requests: clients pause to plan their next ones. */
const IDLE_CONNECTION_MS = 60_000;
/** How long requests cut by a stop may take to end (a piece being written, the ticket's last update). */
const CUT_SETTLE_MS = 5000;

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

  constructor(private readonly tickets: Tickets, private readonly traffic: Traffic, private readonly metrics: Metrics) {}

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

  /** Tickets each open connection has used: a ticket reports the connections bound to it. */
  private readonly bound = new WeakMap<Socket, Set<string>>();

  private async bind(socket: Socket, id: string): Promise<void> {
    let ids = this.bound.get(socket);
    if (ids?.has(id)) return;
    if (!ids) {
      const mine = (ids = new Set());
      this.bound.set(socket, mine);
      socket.once('close', () => {
        for (const gone of mine) this.tickets.connection(gone, -1).catch((err: unknown) => this.traffic.log.error({ err }, 'image proxy: counting a closed connection failed'));
      });
    }
    ids.add(id);
    await this.tickets.connection(id, 1);
  }

  private local(): { unix_socket?: string } {
    return this.unixSocket ? { unix_socket: this.unixSocket } : {};
  }

  /** Authorizes the request, opens the ticket's backend for it, and gives it back afterwards. */
  private async serve(id: string, op: 'read' | 'write', res: ServerResponse, work: (t: Ticket, b: Backend) => Promise<void>): Promise<void> {
    const ticket = await this.tickets.authorize(id, op);
    const socket = res.socket;
    if (socket) await this.bind(socket, ticket.id);
    // An authorized connection may stay idle as long as its ticket lets a client be idle
    // (Node sets the keep-alive timeout as the response finishes; this comes after).
    if (socket && ticket.inactivity_timeout > 0) res.once('finish', () => socket.setTimeout(ticket.inactivity_timeout * 1000));
    const backend = openBackend(ticket.url, may(ticket.ops, 'write'), ticket.sparse);
    try {
      await work(ticket, backend);
    } finally {
      await backend.release();
    }
  }

  private async options(t: Ticket, backend: Backend, res: ServerResponse): Promise<void> {
    // A ticket's OPTIONS renews it, as any operation does.
    await this.tickets.operation(t, async () => undefined);
    const write = may(t.ops, 'write');
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
    await this.tickets.operation(t, async () => {
      res.writeHead(range === undefined ? 200 : 206, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': end - start + 1,
        'Content-Disposition': t.filename ? `attachment; filename=${JSON.stringify(t.filename)}` : 'attachment',
        ...(range === undefined ? {} : { 'Content-Range': `bytes ${start}-${end}/${t.size}` }),
      });
      await readInPieces(res, start, end + 1, PIECES, async (at, into) => {
        await this.tickets.stillLive(t);
        const read = await backend.pread(at, into);
        this.metrics.transferred('download', read);
        return read;
      });
    }, () => [start, end + 1]);
  }

  private async put(t: Ticket, backend: Backend, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) throw new ProxyError(400, 'Content-Length is required', true);
    const length = Number(lengthHeader);
    const offset = parseContentRange(req.headers['content-range']);
    const flush = url.searchParams.get('flush') ?? 'y';
    if (!['y', 'n'].includes(flush)) throw new ProxyError(400, `Invalid flush value '${flush}': use y or n`, true);
    if (offset + length > t.size) throw tooFar(t.size);
    let written = 0;
    await this.tickets.operation(t, async () => {
      written = await writeInPieces(req, offset, PIECES, async (at, data) => {
        await this.tickets.stillLive(t);
        await backend.pwrite(at, data);
        this.metrics.transferred('upload', data.length);
      });
      if (written !== length) throw new ProxyError(400, `The body had ${written} bytes, not Content-Length ${length}`, true);
      if (flush === 'y') await backend.flush();
    }, () => [offset, offset + written]);
    res.writeHead(200, { 'Content-Length': 0, ...(url.searchParams.get('close') === 'y' ? { Connection: 'close' } : {}) });
    res.end();
  }

  private async patch(t: Ticket, backend: Backend, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    if (body.op === 'flush') {
      await this.tickets.operation(t, () => backend.flush());
    } else if (body.op === 'zero') {
      const size = count(body, 'size');
      const offset = count(body, 'offset', 0);
      if (body.flush !== undefined && typeof body.flush !== 'boolean') throw new ProxyError(400, 'Invalid flush: a boolean is needed');
      if (offset + size > t.size) throw tooFar(t.size);
      // Only a zeroing that succeeded counts as bytes moved.
      let zeroed = 0;
      await this.tickets.operation(t, async () => {
        await backend.zero(offset, size);
        zeroed = size;
        if (body.flush === true) await backend.flush();
      }, () => [offset, offset + zeroed]);
    } else {
      throw new ProxyError(400, `Invalid op ${JSON.stringify(body.op)}: use zero or flush`);
    }
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  }

  private async checksum(t: Ticket, backend: Backend, url: URL, res: ServerResponse): Promise<void> {
    const asked = checksumRequest(url.searchParams);
    json(res, await this.tickets.operation(t, async () => checksum(backend, await backend.size(), await backend.extents(), asked)));
  }

  private async extents(t: Ticket, backend: Backend, url: URL, res: ServerResponse): Promise<void> {
    const context = url.searchParams.get('context') ?? 'zero';
    if (context !== 'zero' && context !== 'dirty') throw new ProxyError(400, `Invalid context '${context}': use zero or dirty`);
    if (context === 'zero') return json(res, await this.tickets.operation(t, () => backend.extents()));
    // Only the ticket of an incremental backup's disk has them.
    const dirty = t.dirty ? backend.dirtyExtents?.bind(backend) : undefined;
    if (!dirty) throw new ProxyError(404, 'Dirty extents are not available for this transfer');
    json(res, await this.tickets.operation(t, dirty));
  }
}

export interface Proxy {
  server: https.Server;
  port: number;
  /** The ticket control API's TCP port, when it listens on one. */
  controlPort?: number;
  /**
   * Stops taking connections and requests, gives those under way `drainMs` milliseconds to
   * finish (none by default), then closes every connection.
   */
  stop(drainMs?: number): Promise<void>;
}

/** The port a server listens on (the system picks one for port 0). */
function portOf(server: http.Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * Node's cipher list with AES-128-GCM first: image data is most of what TLS carries here, and
 * AES-128 encrypts it about half again as fast as AES-256, on both ends.
 */
const CIPHERS = ['TLS_AES_128_GCM_SHA256', ...tls.DEFAULT_CIPHERS.split(':').filter((c) => c !== 'TLS_AES_128_GCM_SHA256')].join(':');

/**
 * The limits of the data plane's listeners: the engine's header timeout and caps; idle
 * connections stay open as imageio keeps them, and one PUT may carry a whole disk, so no limit
 * on how long a body takes to arrive.
 */
export const proxyLimits = (c: Config): ConnectionLimits => ({
  headersTimeoutMs: c.headersTimeout * 1000,
  requestTimeoutMs: 0,
  idleTimeoutMs: IDLE_CONNECTION_MS,
  maxConnections: c.maxConnections,
  maxClientConnections: c.maxClientConnections,
});

/** A data-plane listener with the limits. */
function imageServer<S extends http.Server>(create: (o: http.ServerOptions & { handshakeTimeout: number }) => S, limits: ConnectionLimits, name: string, log: Log): S {
  const server = create(timeoutOptions(limits));
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  limitConnections(server, limits, name, log);
  return server;
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

/**
 * Listens on a Unix socket, replacing a socket file left by a process that died; the socket's
 * directory gets `dirMode` if given (who may reach the socket).
 */
async function listenOnSocket(server: http.Server, socketPath: string, dirMode?: number): Promise<void> {
  const dir = path.dirname(socketPath);
  await fs.promises.mkdir(dir, { recursive: true });
  if (dirMode !== undefined) await fs.promises.chmod(dir, dirMode);
  await fs.promises.rm(socketPath, { force: true });
  await listen(server, socketPath);
}

/** A request handler that answers protocol errors as such, and anything else with 500. */
const handlerOf = (traffic: Traffic, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
  const log = traffic.begin(req, res);
  /** Answers a server error, logged with its stack under the request's id. */
  const failed = (err: unknown, answer: ProxyError) => {
    log.error({ err, status: answer.status }, `${req.method ?? 'GET'} ${routeOf(req.url)} answered ${answer.status}`);
    fail(res, answer);
  };
  traffic.track(handle(req, res).catch((e: unknown) => {
    if (e instanceof ProxyError) return e.status >= 500 ? failed(e, e) : fail(res, e);
    if (e instanceof TicketRefused) return fail(res, new ProxyError(403, e.message, true));
    // The rest of the body, if any, is not read: the connection closes after the answer.
    if (outOfSpace(e)) return failed(e, new ProxyError(507, "The image's storage is out of space: the data was not written", true));
    // A client that goes away mid-request is an ordinary case of the protocol: it sends again.
    if (req.destroyed || res.destroyed) return res.destroy();
    failed(e, new ProxyError(500, 'The request failed; see the proxy log', true));
  }));
};

/** Where the ticket control API's Unix socket lives for a data dir. */
export const controlSocketOf = (dataDir: string) => path.join(dataDir, 'imageio-control', 'tickets.sock');

export interface ProxyOptions {
  port: number;
  bind: string;
  /** The Unix socket of the ticket control API, made readable by this user alone. */
  controlSocket: string;
  /**
   * A localhost TCP port for the ticket control API too (imageio's proxy uses 54324), if any;
   * requests there carry the secret of `controlTokenOf(controlSocket)`.
   */
  controlPort?: number;
  /** Seconds removing a ticket waits for operations under way before answering 409. */
  removeTimeout: number;
  limits: ConnectionLimits;
  log: Log;
  metrics: Metrics;
}

export async function startProxy(db: Knex, certs: Certificates, options: ProxyOptions): Promise<Proxy> {
  const tickets = new Tickets(db);
  const memory = await tickets.remember();
  const traffic = new Traffic(options.log, options.metrics);
  const images = new ImageServer(tickets, traffic, options.metrics);
  const handler = handlerOf(traffic, (req, res) => images.handle(req, res));
  const server = imageServer((o) => https.createServer({ key: certs.keyPem, cert: certs.certPem, ciphers: CIPHERS, honorCipherOrder: true, ...o }, handler), options.limits, 'image proxy (HTTPS)', options.log);
  await listen(server, options.port, options.bind);
  const actualPort = portOf(server);
  // Clients on this machine may move data over a Unix socket, without TLS: the same protocol,
  // the ticket still the credential. (Not an abstract name: Node pads those to the full address
  // length, which no other client can name.)
  const local = imageServer((o) => http.createServer(o, handler), options.limits, 'image proxy (Unix socket)', options.log);
  // The port is ours, so a socket file by its name is a leftover of a process that died.
  const socketPath = path.join(await privateDir('hangar-imageio'), `${actualPort}.sock`);
  await listenOnSocket(local, socketPath);
  images.unixSocket = socketPath;

  // The ticket control API: in a directory only this user may enter, and on localhost if asked,
  // there with a secret.
  const ticketControl = new TicketControl(tickets, options.removeTimeout * 1000);
  const controlHandler = handlerOf(traffic, (req, res) => ticketControl.handle(req, res));
  const control = http.createServer(controlHandler);
  await listenOnSocket(control, options.controlSocket, 0o700);
  let controlTcp: http.Server | undefined;
  if (options.controlPort !== undefined) {
    const token = await ensureControlToken(controlTokenOf(options.controlSocket));
    const tcp = http.createServer(handlerOf(traffic, async (req, res) => {
      checkTcpAccess(req, token, portOf(tcp));
      await ticketControl.handle(req, res);
    }));
    await listen(tcp, options.controlPort, '127.0.0.1');
    controlTcp = tcp;
  }

  const listeners = [controlTcp, control, local, server].filter((s) => s !== undefined);
  return {
    server,
    port: actualPort,
    controlPort: controlTcp && portOf(controlTcp),
    stop: async (drainMs = 0) => {
      // No new connection from now on; idle ones close, busy ones once their answer is sent.
      const closed = Promise.all(listeners.map((s) => new Promise((resolve) => s.close(resolve))));
      await traffic.settled(drainMs);
      for (const s of listeners) s.closeAllConnections();
      await closed;
      // What the cut requests still do (their last ticket updates) ends before the database does.
      await traffic.settled(CUT_SETTLE_MS);
      await memory.stop();
      await fs.promises.rm(socketPath, { force: true });
      await fs.promises.rm(options.controlSocket, { force: true });
    },
  };
}
