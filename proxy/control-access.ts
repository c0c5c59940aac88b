// Who may use the ticket control API over TCP. Its Unix socket is reached through a directory
// only the engine's user may enter; a localhost port is reached by every local user and by web
// pages (DNS rebinding), so there a request must name this port on a loopback host and carry the
// secret kept beside the socket, readable by the engine's user alone.
import fs from 'node:fs';
import path from 'node:path';
import { IncomingMessage } from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProxyError } from './http-util';

/** The secret of the control API's TCP port, in the control socket's directory. */
export const controlTokenOf = (controlSocket: string) => path.join(path.dirname(controlSocket), 'tcp-token');

/** Reads the secret, making one on first use; refuses a file that others could read or write. */
export async function ensureControlToken(file: string): Promise<string> {
  try {
    await fs.promises.writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = await handle.stat();
    if (!st.isFile() || (st.mode & 0o077) !== 0 || st.uid !== process.getuid?.()) {
      throw new Error(`${file} must be a file of this user that no one else may read or write (mode 0600)`);
    }
    const token = (await handle.readFile('utf8')).trim();
    if (!token) throw new Error(`${file} is empty`);
    return token;
  } finally {
    await handle.close();
  }
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Refuses a TCP request whose Host is not a loopback name with `port`, or that lacks the secret. */
export function checkTcpAccess(req: IncomingMessage, token: string, port: number): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!LOOPBACK_NAMES.some((name) => host === `${name}:${port}`)) {
    throw new ProxyError(403, `Host '${host}' is not this control API: use localhost:${port}`, true);
  }
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  // Digests have one length, so the comparison takes the same time whatever was sent.
  if (!m || !timingSafeEqual(digest(m[1]), digest(token))) {
    throw new ProxyError(401, 'The control API needs its secret as Authorization: Bearer', true, { 'WWW-Authenticate': 'Bearer realm="ticket-control"' });
  }
}
