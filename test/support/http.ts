// Raw HTTP exchanges, for tests of the image proxy and its ticket control API: the status, the
// headers and the body's bytes as they came; raw connections, for tests of connection limits.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends `req` (with `body`, if any) and gathers its answer. */
export function exchange(req: http.ClientRequest, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw TCP connection to a local port, from `from` (another loopback address is another client). */
export function connect(port: number, from = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => {
      socket.off('error', reject);
      // Errors after connecting show as the close that follows them.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** What a raw connection says first: its first line (the status line of an answer), or that it closed. */
export function firstLine(socket: net.Socket): Promise<string | 'closed'> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n')) {
        socket.off('close', onClose);
        resolve(text.split('\r\n')[0]);
      }
    };
    const onClose = () => {
      socket.off('data', onData);
      resolve(text === '' ? 'closed' : text);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Resolves once the connection is closed; its data is read and dropped meanwhile. */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.resume();
    socket.once('close', () => resolve());
  });
}

/** Whether a TLS connection is set up or closed first. */
export async function tlsOutcome(port: number, ca: string, from = '127.0.0.1'): Promise<'secure' | 'closed'> {
  const raw = await connect(port, from);
  return new Promise((resolve) => {
    const socket = tls.connect({ socket: raw, servername: 'localhost', ca });
    socket.on('error', () => undefined);
    socket.once('secureConnect', () => resolve('secure'));
    socket.once('close', () => resolve('closed'));
  });
}

/** Everything a raw connection says until it closes. */
export function allSaid(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.once('close', () => resolve(text));
  });
}
