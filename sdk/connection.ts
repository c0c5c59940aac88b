// A connection to an engine's API: where it is, how TLS is verified, and the SSO token every
// call carries, obtained, renewed and revoked as the oVirt SDKs do.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import readline from 'node:readline';
import { Fault } from '../model/types';
import { readJson } from '../model/codec/json';
import { ApiError, AuthError, errorFor } from './errors';
import { RootLocator, rootLocator } from './locators';

export interface ConnectionOptions {
  /** `https://host/ovirt-engine/api`; the engine's base URL (`https://host`, `https://host/ovirt-engine`) will do too. */
  url: string;
  /** With `password`: logs in with the SSO password grant, and again when the token expires. */
  username?: string;
  password?: string;
  /** A token obtained before, used instead of logging in. */
  token?: string;
  /** CA certificates (PEM) that verify the engine's certificate: a file, or the text itself. */
  caFile?: string;
  ca?: string | Buffer;
  /** Skips verifying the engine's certificate. */
  insecure?: boolean;
  /** How long a call may wait with the engine sending nothing, in milliseconds (default: no bound). */
  timeoutMs?: number;
}

/** Query parameters of a call. */
export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A body already encoded, in the media type `contentType` names (JSON by default). */
  body?: string;
  contentType?: string;
  /** The media type to answer in (JSON by default). */
  accept?: string;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const JSON_TYPE = 'application/json';
/** The scope of tokens for the API, as oVirt's SDKs ask for it. */
const API_SCOPE = 'ovirt-app-api';

/** The API's URL for what a user gives: the API's own, or the engine's base URL. */
export function apiUrlOf(given: string): string {
  const u = new URL(given);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith('/api') ? path : path.endsWith('/ovirt-engine') ? `${path}/api` : `${path}/ovirt-engine/api`;
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

/** One keep-alive agent per connection, carrying its TLS settings. */
class Transport {
  private readonly agent: http.Agent;
  constructor(private readonly secure: boolean, readonly ca: Buffer | undefined, readonly insecure: boolean, private readonly timeoutMs?: number) {
    this.agent = secure ? new https.Agent({ keepAlive: true, ca, rejectUnauthorized: !insecure }) : new http.Agent({ keepAlive: true });
  }

  /** Sends a request; answers once the response's head is in, its body still to be read. */
  open(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<http.IncomingMessage> {
    const lib = this.secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, agent: this.agent }, resolve);
      req.on('error', reject);
      if (this.timeoutMs !== undefined) {
        const ms = this.timeoutMs;
        req.setTimeout(ms, () => req.destroy(new Error(`${method} ${url.pathname}: the engine sent nothing for ${ms} ms`)));
      }
      req.end(body);
    });
  }

  async send(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<Reply> {
    return replyOf(await this.open(method, url, headers, body));
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A response read whole. */
async function replyOf(res: http.IncomingMessage): Promise<Reply> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
}

function caOf(o: ConnectionOptions): Buffer | undefined {
  if (o.ca !== undefined) return Buffer.isBuffer(o.ca) ? o.ca : Buffer.from(o.ca);
  return o.caFile === undefined ? undefined : fs.readFileSync(o.caFile);
}

const isJson = (r: Reply) => String(r.headers['content-type'] ?? '').startsWith(JSON_TYPE);

/** The error an API answer stands for, from its fault when it gives one in JSON. */
function apiError(r: Reply): ApiError {
  if (isJson(r) && r.text) {
    try {
      const fault = readJson(Fault, r.text);
      return errorFor(r.status, String(fault.reason ?? ''), String(fault.detail ?? ''));
    } catch {
      // Not a fault: told as the status and the text below.
    }
  }
  return errorFor(r.status, http.STATUS_CODES[r.status] ?? `HTTP ${r.status}`, r.text.trim());
}

/** The error an SSO answer stands for (`{ error, error_description }`): refused credentials, unless the engine failed. */
function ssoError(r: Reply): ApiError {
  let body: { error?: string; error_description?: string } = {};
  try {
    body = JSON.parse(r.text) as typeof body;
  } catch {
    // Told as the status and the text below.
  }
  const reason = body.error ?? http.STATUS_CODES[r.status] ?? `HTTP ${r.status}`;
  const detail = body.error_description ?? r.text.trim();
  return r.status >= 500 || r.status === 429 ? errorFor(r.status, reason, detail) : new AuthError(r.status, reason, detail);
}

export class Connection {
  /** The API's URL, `https://host/ovirt-engine/api`. */
  readonly url: string;
  private current: string;
  /** A login under way, shared by the calls that found the token expired. */
  private renewing?: Promise<void>;

  private constructor(url: string, token: string, private readonly transport: Transport, private readonly credentials?: { username: string; password: string }) {
    this.url = url;
    this.current = token;
  }

  /** Connects, logging in at once when given a user and password (an AuthError if refused). */
  static async open(o: ConnectionOptions): Promise<Connection> {
    const url = apiUrlOf(o.url);
    const transport = new Transport(new URL(url).protocol === 'https:', caOf(o), o.insecure ?? false, o.timeoutMs);
    const credentials = o.username !== undefined && o.password !== undefined ? { username: o.username, password: o.password } : undefined;
    if (!credentials && o.token === undefined) throw new TypeError('A connection needs a token, or a username and password');
    const conn = new Connection(url, o.token ?? '', transport, credentials);
    if (o.token === undefined) {
      try {
        await conn.login();
      } catch (e) {
        transport.close();
        throw e;
      }
    }
    return conn;
  }

  /** The SSO token the calls carry. */
  get token(): string {
    return this.current;
  }

  /** The CA certificates that verify the engine, if given. */
  get ca(): Buffer | undefined {
    return this.transport.ca;
  }

  /** Whether the engine's certificate goes unverified. */
  get insecure(): boolean {
    return this.transport.insecure;
  }

  /** The engine's base URL, `https://host/ovirt-engine`: SSO and services live under it. */
  get engineUrl(): string {
    return this.url.replace(/\/api$/, '');
  }

  /** The service tree from its root: `system().vms().vm(id).start()`. */
  system(): RootLocator {
    return rootLocator(this);
  }

  /** A call relative to the API root (`/vms/123`), answered as text; throws ApiError for a fault. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<Reply> {
    return replyOf(await this.answer(method, path, o));
  }

  /** A call whose answer is read line by line as it comes (an NDJSON list); throws ApiError for a fault. */
  async *lines(method: string, path: string, o: RequestOptions = {}): AsyncGenerator<string> {
    const res = await this.answer(method, path, o);
    try {
      for await (const line of readline.createInterface({ input: res, crlfDelay: Infinity })) if (line !== '') yield line;
    } finally {
      // A reader that stops early leaves the rest unread: the connection cannot serve another call.
      if (!res.complete) res.destroy();
    }
  }

  /** A successful answer with its body still to be read; a fault's body is read and thrown. */
  private async answer(method: string, path: string, o: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.url + path);
    for (const [name, value] of Object.entries(o.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { Accept: o.accept ?? JSON_TYPE, Version: '4', ...o.headers };
    if (o.body !== undefined) headers['Content-Type'] = o.contentType ?? JSON_TYPE;
    const used = this.current;
    let res = await this.transport.open(method, url, { ...headers, Authorization: `Bearer ${used}` }, o.body);
    // An expired or revoked token: logged in again once, then the call is sent again.
    if (res.statusCode === 401 && this.credentials) {
      res.resume();
      await this.renew(used);
      res = await this.transport.open(method, url, { ...headers, Authorization: `Bearer ${this.current}` }, o.body);
    }
    if ((res.statusCode ?? 0) >= 400) throw apiError(await replyOf(res));
    return res;
  }

  /** A call relative to the API root (`/vms/123`), JSON in and out; throws ApiError for a fault. */
  async send(method: string, path: string, body?: unknown, query?: Query): Promise<unknown> {
    const reply = await this.request(method, path, { query, body: body === undefined ? undefined : JSON.stringify(body) });
    return reply.text && isJson(reply) ? JSON.parse(reply.text) : undefined;
  }

  /**
   * Logs out (the token is revoked), unless told not to (the token stays usable, as when it was
   * given to be shared), and closes the connections kept open.
   */
  async close(o: { logout?: boolean } = {}): Promise<void> {
    try {
      if (o.logout !== false && this.current) {
        const reply = await this.sso('/services/sso-logout', { token: this.current, scope: '' });
        if (reply.status >= 400) throw ssoError(reply);
      }
    } finally {
      this.transport.close();
    }
  }

  private async renew(used: string): Promise<void> {
    if (this.current !== used) return;
    this.renewing ??= this.login().finally(() => (this.renewing = undefined));
    await this.renewing;
  }

  private async login(): Promise<void> {
    const { username, password } = this.credentials!;
    const reply = await this.sso('/sso/oauth/token', { grant_type: 'password', scope: API_SCOPE, username, password });
    const body = reply.status === 200 && isJson(reply) ? (JSON.parse(reply.text) as { access_token?: string }) : {};
    if (!body.access_token) throw ssoError(reply);
    this.current = body.access_token;
  }

  /** A form POST to an SSO endpoint under the engine's base URL (credentials in the body, never the URL). */
  private sso(path: string, form: Record<string, string>): Promise<Reply> {
    return this.transport.send('POST', new URL(this.engineUrl + path), { Accept: JSON_TYPE, 'Content-Type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString());
  }
}
