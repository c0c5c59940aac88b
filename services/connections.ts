// Limits every listener of the engine applies to its connections: how long a client may take to
// send its headers (and its body, where bodies are small), how long a connection may idle between
// requests, and how many connections a listener takes in all and from one address. A connection
// over a cap is closed at once, before TLS or HTTP work; refusals are logged, at most once a
// minute per cap and listener, with how many there were.
import http from 'node:http';
import { Socket } from 'node:net';
import { Config } from './config';
import { Log } from './log';

export interface ConnectionLimits {
  headersTimeoutMs: number;
  /** 0: a request may take as long as its body needs. */
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  maxClientConnections: number;
}

/** The limits of the API's listeners. */
export const apiLimits = (c: Config): ConnectionLimits => ({
  headersTimeoutMs: Math.min(c.headersTimeout, c.requestTimeout) * 1000,
  requestTimeoutMs: c.requestTimeout * 1000,
  idleTimeoutMs: c.idleTimeout * 1000,
  maxConnections: c.maxConnections,
  maxClientConnections: c.maxClientConnections,
});

/** Options of `http(s).createServer` that carry the timeouts; Node checks them this often. */
export function timeoutOptions(l: ConnectionLimits): http.ServerOptions & { handshakeTimeout: number } {
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, l.headersTimeoutMs),
    handshakeTimeout: l.headersTimeoutMs,
  };
}

const LOG_INTERVAL_MS = 60_000;

type Cap = 'listener' | 'client';

/** A log line per cap when it refuses, then one a minute at most, counting the refusals between. */
function refusalLog(log: Log, listener: string) {
  const last = new Map<Cap, { at: number; refused: number }>();
  return (cap: Cap, why: string) => {
    const now = Date.now();
    const seen = last.get(cap) ?? { at: 0, refused: 0 };
    seen.refused++;
    if (now - seen.at >= LOG_INTERVAL_MS) {
      log.warn({ listener, refused: seen.refused }, `${listener}: refused ${seen.refused} connection(s): ${why}`);
      seen.at = now;
      seen.refused = 0;
    }
    last.set(cap, seen);
  };
}

/** Applies the limits to a server (before it listens); `name` says which listener in the log. */
export function limitConnections(server: http.Server, l: ConnectionLimits, name: string, log: Log): void {
  server.keepAliveTimeout = l.idleTimeoutMs;
  server.maxConnections = l.maxConnections;
  // A failed or timed-out TLS handshake ends the connection (hapi would answer it in HTTP, and
  // the socket would stay open waiting for a handshake that never comes).
  server.prependListener('tlsClientError', (_e: Error, socket: Socket) => socket.destroy());
  const refused = refusalLog(log, name);
  server.on('drop', () => refused('listener', `more than ${l.maxConnections} open connections`));
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    // Unix-socket clients have no address: only the listener's cap applies to them.
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const open = perAddress.get(address) ?? 0;
    if (open >= l.maxClientConnections) {
      refused('client', `more than ${l.maxClientConnections} open connections from ${address}`);
      socket.destroy();
      return;
    }
    perAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });
}
