// Engine settings, read from the environment (see the README for each variable).
import path from 'node:path';
import os from 'node:os';

export type Role = 'all' | 'api' | 'proxy';

export interface Config {
  dataDir: string;
  /** SQLite file path or `postgres://` URL. */
  db: string;
  /** PostgreSQL schema, when several engines or test runs share one database. */
  dbSchema?: string;
  bind: string;
  apiPort: number;
  httpPort?: number;
  proxyPort: number;
  /**
   * imageio's ticket control API on localhost TCP too (its Unix socket is always in the data dir);
   * requests there name a loopback Host with this port and carry the secret of
   * `imageio-control/tcp-token` in the data dir as `Authorization: Bearer`.
   */
  controlPort?: number;
  /** Seconds removing a ticket through the control API waits for operations under way (imageio's remove_timeout). */
  ticketRemoveTimeout: number;
  adminPassword?: string;
  role: Role;
  /** Lifetime of SSO access tokens, in seconds. */
  tokenLifetime: number;
  /** How often each process reloads revoked token ids: the bound on revocation delay. */
  revocationRefreshMs: number;
  /** Idle lifetime of persistent-auth sessions, in seconds. */
  sessionTimeout: number;
  /**
   * Failed logins in a row, per account (any of its names) or client address, before logins are
   * refused; attempts under way count, so parallel guesses beyond it are refused unchecked.
   */
  loginMaxFailures: number;
  /** How long logins stay refused after that, in seconds (the built-in admin's longest wait too). */
  loginLockout: number;
  /**
   * The built-in admin is not locked out: after a failed login an address waits this long (in
   * milliseconds) before its next try of it, twice as long after each further failure.
   */
  loginDelayMs: number;
  /** What runs hosts and VMs: `simulated`, or `qemu` (hosts run the Hangar host agent). */
  runtime: 'simulated' | 'qemu';
  /** How often hosts' agents are polled, in milliseconds (the qemu runtime). */
  agentPollMs: number;
  /** The simulated runtime runs this many times faster than real hosts. */
  simSpeed: number;
  /** Memory of each simulated host, in bytes. */
  simHostMemory: number;
  /** Cores of each simulated host. */
  simHostCores: number;
  /** Host name clients reach the image proxy at, in transfer URLs. */
  publicHost: string;
  /** Links `follow` may chain (`disk_attachments.disk` is 2); real clients use one or two. */
  followMaxDepth: number;
  /** Objects `follow` may put in one response, counting each place an object fills. */
  followMaxObjects: number;
  /**
   * Directories (absolute paths) under which storage domains may live besides the data dir's
   * `exports`: HANGAR_STORAGE_ROOTS, `:`-separated; none by default.
   */
  storageRoots: string[];
  /** Seconds a file-system step of a request may take before the request fails (a hung NFS mount). */
  fsTimeout: number;
  /** Seconds a ready backup may go without a transfer before the engine ends it as failed (its client is gone). */
  backupTimeout: number;
  /**
   * Seconds an image job's process holds it without renewing (it renews a third of that): a job
   * held longer than that is one whose process stopped, and any process fails it.
   */
  imageJobLease: number;
  /** Days events are kept before the engine removes them (oVirt's AuditLogAgingThreshold); 0 keeps them. */
  eventRetentionDays: number;
  /** Seconds a client has to send a request's headers (and, over TLS, to finish the handshake). */
  headersTimeout: number;
  /** Seconds an API client has to send a whole request, body included (the image proxy takes bodies of any duration). */
  requestTimeout: number;
  /** Seconds an API connection may stay idle between requests before it is closed. */
  idleTimeout: number;
  /** Open connections each listener takes; more are closed at once, so descriptors are never exhausted. */
  maxConnections: number;
  /** Open connections each listener takes from one client address. */
  maxClientConnections: number;
  /** The least severe log lines written: pino's levels, `trace` to `fatal`, or `silent`. */
  logLevel: LogLevel;
  /** The file log lines are appended to; stdout when unset. */
  logFile?: string;
  /** Seconds a stopping process gives requests and transfers under way before it cuts them. */
  shutdownTimeout: number;
  /** If set, the metrics also on plain HTTP at this port, without credentials, at `metricsBind`. */
  metricsPort?: number;
  metricsBind: string;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevelOf(value: string | undefined): LogLevel {
  const level = (value || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new Error(`HANGAR_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  return level;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got '${value}'`);
  return n;
}

function port(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got '${value}'`);
  return n;
}

function absolutePaths(value: string | undefined, name: string): string[] {
  const paths = (value ?? '').split(':').filter((p) => p !== '');
  const relative = paths.find((p) => !path.isAbsolute(p));
  if (relative !== undefined) throw new Error(`${name} must list absolute paths, got '${relative}'`);
  return paths.map((p) => path.resolve(p));
}

function runtimeOf(value: string | undefined): Config['runtime'] {
  const runtime = value || 'simulated';
  if (runtime !== 'simulated' && runtime !== 'qemu') throw new Error(`HANGAR_RUNTIME must be simulated or qemu, got '${runtime}'`);
  return runtime;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.HANGAR_DATA_DIR || './data');
  const role = (env.HANGAR_ROLE || 'all') as Role;
  if (!['all', 'api', 'proxy'].includes(role)) throw new Error(`HANGAR_ROLE must be all, api or proxy, got '${role}'`);
  return {
    dataDir,
    db: env.HANGAR_DB || path.join(dataDir, 'hangar.sqlite'),
    dbSchema: env.HANGAR_DB_SCHEMA || undefined,
    bind: env.HANGAR_BIND || '0.0.0.0',
    apiPort: port(env.HANGAR_API_PORT, 'HANGAR_API_PORT', 8443) as number,
    httpPort: port(env.HANGAR_HTTP_PORT, 'HANGAR_HTTP_PORT'),
    proxyPort: port(env.HANGAR_PROXY_PORT, 'HANGAR_PROXY_PORT', 54323) as number,
    controlPort: port(env.HANGAR_CONTROL_PORT, 'HANGAR_CONTROL_PORT'),
    ticketRemoveTimeout: positive(env.HANGAR_TICKET_REMOVE_TIMEOUT, 'HANGAR_TICKET_REMOVE_TIMEOUT', 60),
    adminPassword: env.HANGAR_ADMIN_PASSWORD || undefined,
    role,
    tokenLifetime: positive(env.HANGAR_TOKEN_LIFETIME, 'HANGAR_TOKEN_LIFETIME', 36000),
    revocationRefreshMs: positive(env.HANGAR_REVOCATION_REFRESH_MS, 'HANGAR_REVOCATION_REFRESH_MS', 1000),
    sessionTimeout: positive(env.HANGAR_SESSION_TIMEOUT, 'HANGAR_SESSION_TIMEOUT', 1800),
    loginMaxFailures: positive(env.HANGAR_LOGIN_MAX_FAILURES, 'HANGAR_LOGIN_MAX_FAILURES', 5),
    loginLockout: positive(env.HANGAR_LOGIN_LOCKOUT, 'HANGAR_LOGIN_LOCKOUT', 300),
    loginDelayMs: positive(env.HANGAR_LOGIN_DELAY_MS, 'HANGAR_LOGIN_DELAY_MS', 200),
    runtime: runtimeOf(env.HANGAR_RUNTIME),
    agentPollMs: positive(env.HANGAR_AGENT_POLL_MS, 'HANGAR_AGENT_POLL_MS', 1000) || 1000,
    simSpeed: positive(env.HANGAR_SIM_SPEED, 'HANGAR_SIM_SPEED', 1) || 1,
    simHostMemory: positive(env.HANGAR_SIM_HOST_MEMORY, 'HANGAR_SIM_HOST_MEMORY', 16 * 1024 ** 3),
    simHostCores: positive(env.HANGAR_SIM_HOST_CORES, 'HANGAR_SIM_HOST_CORES', 8),
    publicHost: env.HANGAR_PUBLIC_HOST || os.hostname(),
    followMaxDepth: positive(env.HANGAR_FOLLOW_MAX_DEPTH, 'HANGAR_FOLLOW_MAX_DEPTH', 3),
    followMaxObjects: positive(env.HANGAR_FOLLOW_MAX_OBJECTS, 'HANGAR_FOLLOW_MAX_OBJECTS', 10000),
    storageRoots: absolutePaths(env.HANGAR_STORAGE_ROOTS, 'HANGAR_STORAGE_ROOTS'),
    fsTimeout: positive(env.HANGAR_FS_TIMEOUT, 'HANGAR_FS_TIMEOUT', 30) || 30,
    backupTimeout: positive(env.HANGAR_BACKUP_TIMEOUT, 'HANGAR_BACKUP_TIMEOUT', 6 * 3600) || 6 * 3600,
    imageJobLease: positive(env.HANGAR_IMAGE_JOB_LEASE, 'HANGAR_IMAGE_JOB_LEASE', 30) || 30,
    eventRetentionDays: positive(env.HANGAR_EVENT_RETENTION_DAYS, 'HANGAR_EVENT_RETENTION_DAYS', 30),
    headersTimeout: positive(env.HANGAR_HEADERS_TIMEOUT, 'HANGAR_HEADERS_TIMEOUT', 20) || 20,
    requestTimeout: positive(env.HANGAR_REQUEST_TIMEOUT, 'HANGAR_REQUEST_TIMEOUT', 60) || 60,
    idleTimeout: positive(env.HANGAR_IDLE_TIMEOUT, 'HANGAR_IDLE_TIMEOUT', 15) || 15,
    maxConnections: positive(env.HANGAR_MAX_CONNECTIONS, 'HANGAR_MAX_CONNECTIONS', 1000) || 1000,
    maxClientConnections: positive(env.HANGAR_MAX_CLIENT_CONNECTIONS, 'HANGAR_MAX_CLIENT_CONNECTIONS', 100) || 100,
    logLevel: logLevelOf(env.HANGAR_LOG_LEVEL),
    logFile: env.HANGAR_LOG_FILE ? path.resolve(env.HANGAR_LOG_FILE) : undefined,
    shutdownTimeout: positive(env.HANGAR_SHUTDOWN_TIMEOUT, 'HANGAR_SHUTDOWN_TIMEOUT', 20),
    metricsPort: port(env.HANGAR_METRICS_PORT, 'HANGAR_METRICS_PORT'),
    metricsBind: env.HANGAR_METRICS_BIND || '127.0.0.1',
  };
}
