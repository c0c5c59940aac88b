// An engine started in-process for tests, on SQLite or PostgreSQL, with a client for its API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { Config, configFromEnv } from '../../services/config';
import { RunningEngine, openEngine } from '../../services/engine';
import { ensureAdminPassword } from '../../sso/directory';
import { ApiServers, startApi } from '../../api/server';
import { Proxy, controlSocketOf, proxyLimits, startProxy } from '../../proxy/server';
import { ensureCertificates } from '../../services/pki';
import { Format, JSON_FORMAT, XML } from '../../model/codec';
import { openLog } from '../../services/log';
import { MemoryLog } from './log';

export const ADMIN_PASSWORD = 'test-admin-password';

/**
 * PostgreSQL the tests use besides SQLite; each engine gets a schema of its own.
 * HANGAR_TEST_PG=off leaves PostgreSQL out (CI never sets it).
 */
const PG_URL = process.env.HANGAR_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: string;
  config(dataDir: string): Pick<Config, 'db' | 'dbSchema'>;
  /** Removes what the backend keeps outside the data dir. */
  drop(c: Pick<Config, 'db' | 'dbSchema'>): Promise<void>;
}

export const SQLITE: Backend = {
  name: 'SQLite',
  config: (dataDir) => ({ db: path.join(dataDir, 'hangar.sqlite') }),
  drop: async () => undefined,
};

export const POSTGRES: Backend = {
  name: 'PostgreSQL',
  config: () => ({ db: PG_URL, dbSchema: `hangar_test_${randomBytes(6).toString('hex')}` }),
  async drop(c) {
    const db = knex({ client: 'pg', connection: c.db });
    try {
      if (c.dbSchema) await db.raw('drop schema if exists ?? cascade', [c.dbSchema]);
    } finally {
      await db.destroy();
    }
  },
};

export const BACKENDS: Backend[] = PG_URL === 'off' ? [SQLITE] : [SQLITE, POSTGRES];

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export class TestEngine {
  engine!: RunningEngine;
  servers!: ApiServers;
  proxy!: Proxy;
  /** What the engine logged: kept in memory, for tests to read. */
  readonly log = new MemoryLog();
  private constructor(readonly config: Config, readonly backend: Backend) {}

  static async start(backend: Backend, overrides: Partial<Config> = {}): Promise<TestEngine> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-test-'));
    const config: Config = {
      ...configFromEnv({}),
      dataDir,
      ...backend.config(dataDir),
      bind: '127.0.0.1',
      apiPort: 0,
      httpPort: 0,
      adminPassword: ADMIN_PASSWORD,
      publicHost: 'localhost',
      // Failed logins in tests answer at once; the throttle test sets its own limits.
      loginDelayMs: 0,
      // Simulated hosts and VMs change state in milliseconds.
      simSpeed: 200,
      // Tests keep their storage domains in temporary directories.
      storageRoots: [os.tmpdir()],
      ...overrides,
    };
    const t = new TestEngine(config, backend);
    await t.serve();
    return t;
  }

  /** Serves the API and the proxy, and runs background work, on the data dir and database. */
  async serve(): Promise<void> {
    this.engine = await openEngine(this.config, openLog(this.config, this.log));
    await ensureAdminPassword(this.engine, () => undefined);
    this.servers = await startApi(this.engine, { https: 0, http: 0 });
    // The proxy's port is known once it listens; transfer URLs are made with it.
    this.proxy = await this.startProxy(0);
    this.config.proxyPort = this.proxy.port;
  }

  private async startProxy(port: number): Promise<Proxy> {
    return startProxy(this.engine.db, await ensureCertificates(this.engine.db, this.config.dataDir, this.config.publicHost), {
      port, bind: '127.0.0.1', controlSocket: controlSocketOf(this.config.dataDir), controlPort: this.config.controlPort, removeTimeout: this.config.ticketRemoveTimeout, limits: proxyLimits(this.config),
      log: this.engine.log, metrics: this.engine.metrics,
    });
  }

  /**
   * Stops the image proxy, dropping its connections with requests under way, and starts it again
   * on the same port; `whileDown` runs in between. Tickets are kept: transfers go on.
   */
  async restartProxy(whileDown: () => Promise<void> = async () => undefined): Promise<void> {
    await this.proxy.stop();
    await whileDown();
    this.proxy = await this.startProxy(this.config.proxyPort);
  }

  /** Stops the engine and starts it again on the same data dir and database. */
  async restart(): Promise<void> {
    await this.stopServing();
    await this.serve();
  }


  /** Stops serving, keeping data dir and database (other processes may go on using them). */
  async stopServing(): Promise<void> {
    await this.servers.stop();
    await this.proxy.stop();
    await this.engine.close();
  }

  async stop(): Promise<void> {
    await this.stopServing();
    await this.discard();
  }

  /** Removes the database and the data dir of an engine no longer serving. */
  async discard(): Promise<void> {
    await this.backend.drop(this.config);
    fs.rmSync(this.config.dataDir, { recursive: true, force: true });
  }

  /** Plain-HTTP base URL of the engine. */
  get base(): string {
    return `http://127.0.0.1:${this.servers.http!.info.port}`;
  }

  get httpsBase(): string {
    return `https://localhost:${this.servers.https.info.port}`;
  }

  async token(username = 'admin@internal', password = ADMIN_PASSWORD): Promise<string> {
    const res = await fetch(`${this.base}/ovirt-engine/sso/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username, password }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  async request(method: string, url: string, o: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const res = await fetch(url.startsWith('http') ? url : `${this.base}${url}`, { method, body: o.body, headers: o.headers });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

/** A client speaking one format with a bearer token, as scripts do. */
export class ApiClient {
  constructor(readonly t: TestEngine, readonly format: Format, readonly token: string) {}

  static async of(t: TestEngine, format: Format): Promise<ApiClient> {
    return new ApiClient(t, format, await t.token());
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Authorization: `Bearer ${this.token}`,
      Accept: this.format.mediaType,
      'Content-Type': this.format.mediaType,
      Version: '4',
      ...extra,
    };
  }

  call(method: string, path: string, body?: string, extra?: Record<string, string>): Promise<Reply> {
    return this.t.request(method, `/ovirt-engine/api${path}`, { body, headers: this.headers(extra) });
  }
}

export const FORMATS: Format[] = [XML, JSON_FORMAT];

/** An engine process (`node dist/main.js`) a test started. */
export interface EngineProcess {
  pid: number;
  /** What the process wrote to stdout and stderr so far. */
  output(): string;
  /** Ends the process with SIGTERM, as a service manager does; answers its exit code. */
  stop(): Promise<number | null>;
  /** Ends the process at once, as a crash would. */
  kill(): Promise<number | null>;
}

/** Another engine process on the same database as `t`. */
export interface Sibling extends EngineProcess {
  base: string;
  /** Port of the sibling's image proxy. */
  proxyPort: number;
}

/** Calls of the API of a sibling process with the client's token (every process shares the keys): the answer's text, its status checked. */
export const siblingCalls = (api: ApiClient) => (s: Sibling) => async (method: string, p: string, body?: string): Promise<string> => {
  const r = await fetch(`${s.base}/ovirt-engine/api${p}`, { method, headers: api.headers(), body });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${p}: ${text}`);
  return text;
};

/** This build's entry point. */
export const ENGINE_MAIN = path.join(__dirname, '..', '..', 'main.js');

/**
 * Starts the engine's entry point `main` in `cwd` with `env` (the whole environment), and waits
 * until what it printed matches `ready` (its start-up lines), within `timeoutMs`; answers the match too.
 */
export async function spawnEngine(o: { env: NodeJS.ProcessEnv; ready: RegExp; cwd?: string; main?: string; timeoutMs?: number }): Promise<EngineProcess & { started: RegExpExecArray }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [o.main ?? ENGINE_MAIN], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the engine did not start: ${output}`));
    }, o.timeoutMs ?? 20000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const match = o.ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => reject(new Error(`the engine exited with ${code}: ${output}`)));
  });
  const end = (signal: NodeJS.Signals) => {
    child.kill(signal);
    return exited;
  };
  return { started, pid: child.pid as number, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** `main` is the engine's entry point: this build's unless another build's is given. */
export async function spawnSibling(t: TestEngine, env: Record<string, string> = {}, main = ENGINE_MAIN): Promise<Sibling> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-sibling-'));
  const engine = await spawnEngine({
    main,
    env: {
      ...process.env,
      HANGAR_DATA_DIR: dataDir,
      HANGAR_DB: t.config.db,
      HANGAR_DB_SCHEMA: t.config.dbSchema ?? '',
      HANGAR_BIND: '127.0.0.1',
      HANGAR_API_PORT: '0',
      HANGAR_HTTP_PORT: '0',
      HANGAR_PROXY_PORT: '0',
      HANGAR_PUBLIC_HOST: 'localhost',
      HANGAR_STORAGE_ROOTS: os.tmpdir(),
      ...env,
    },
    ready: /plain HTTP\) on http:\/\/[^:]+:(\d+)[\s\S]*image proxy on https:\/\/[^:]+:(\d+)/,
  });
  const discarding = (end: () => Promise<number | null>) => async () => {
    const code = await end();
    fs.rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  const [, apiPort, proxyPort] = engine.started;
  return { ...engine, base: `http://127.0.0.1:${apiPort}`, proxyPort: Number(proxyPort), stop: discarding(engine.stop), kill: discarding(engine.kill) };
}

/**
 * Starts an engine and an admin client before the tests of the enclosing `describe`, and stops
 * it after them; the returned object holds both once started.
 */
export function withEngine(o: { backend?: Backend; overrides?: Partial<Config>; format?: Format } = {}): { t: TestEngine; api: ApiClient } {
  const ctx = {} as { t: TestEngine; api: ApiClient };
  before(async () => {
    ctx.t = await TestEngine.start(o.backend ?? SQLITE, o.overrides);
    ctx.api = await ApiClient.of(ctx.t, o.format ?? XML);
  });
  after(async () => ctx.t?.stop());
  return ctx;
}
