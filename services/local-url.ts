// Where a user on this machine reaches a listener: what the start-up lines print.
import { isIP } from 'node:net';

/**
 * The URL of a listener bound to `bind`: `localhost` for a wildcard address (which names no
 * host a browser opens, and which the server certificate does not name), else the address bound.
 */
export function localUrl(scheme: 'http' | 'https', bind: string, port: number | string): string {
  const host = bind === '0.0.0.0' || bind === '::' ? 'localhost' : isIP(bind) === 6 ? `[${bind}]` : bind;
  return `${scheme}://${host}:${port}`;
}
