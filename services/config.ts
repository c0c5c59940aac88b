// Engine settings, read from the environment (see the README for each variable).
import path from 'node:path';

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
  adminPassword?: string;
  role: Role;
  /** Lifetime of SSO access tokens, in seconds. */
  tokenLifetime: number;
}

function port(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got '${value}'`);
  return n;
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
    adminPassword: env.HANGAR_ADMIN_PASSWORD || undefined,
    role,
    tokenLifetime: Number(env.HANGAR_TOKEN_LIFETIME || 36000),
  };
}
