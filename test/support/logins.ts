// Logins as tests of the SSO make them: through the token endpoint or Basic auth, from a chosen
// loopback address (every 127.x.y.z reaches an engine bound to 127.0.0.1), and the scrypt runs
// they cost, counted rather than timed.
import http from 'node:http';
import crypto, { BinaryLike, ScryptOptions } from 'node:crypto';
import { Answer, exchange } from './http';

export interface Login {
  username: string;
  password: string;
  /** The client address the login comes from. */
  from?: string;
}

/** `base`: the plain-HTTP base URL of an engine (`TestEngine.base`, `Sibling.base`). */
function send(base: string, o: http.RequestOptions & { from?: string }, body?: string): Promise<Answer> {
  const port = Number(new URL(base).port);
  return exchange(http.request({ host: '127.0.0.1', port, localAddress: o.from ?? '127.0.0.1', agent: false, ...o }), body);
}

/** A password grant at the token endpoint. */
export function tokenLogin(base: string, l: Login): Promise<Answer> {
  const body = new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username: l.username, password: l.password }).toString();
  return send(base, { method: 'POST', path: '/ovirt-engine/sso/oauth/token', from: l.from, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, body);
}

/** A request of the API root with Basic credentials. */
export function basicLogin(base: string, l: Login): Promise<Answer> {
  const authorization = `Basic ${Buffer.from(`${l.username}:${l.password}`).toString('base64')}`;
  return send(base, { method: 'GET', path: '/ovirt-engine/api', from: l.from, headers: { Authorization: authorization } });
}

type ScryptCallback = (err: Error | null, key: Buffer) => void;

/** Records each scrypt run (key length and cost parameters) of this process while `run` goes on. */
export async function scryptRuns(run: () => Promise<unknown>): Promise<string[]> {
  const original = crypto.scrypt;
  const runs: string[] = [];
  const spy = (password: BinaryLike, salt: BinaryLike, keylen: number, o: ScryptOptions, done: ScryptCallback) => {
    runs.push(`keylen=${keylen} N=${o.N} r=${o.r} p=${o.p}`);
    return original(password, salt, keylen, o, done);
  };
  Object.assign(crypto, { scrypt: spy });
  try {
    await run();
  } finally {
    Object.assign(crypto, { scrypt: original });
  }
  return runs;
}
