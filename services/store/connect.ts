// Opens the database named by the configuration: a SQLite file, or PostgreSQL by URL.
import knex, { Knex } from 'knex';
import path from 'node:path';
import fs from 'node:fs';
import { BoundedMap } from '../bounded-map';

export interface DbConfig {
  /** A SQLite file path or a `postgres://` URL. */
  url: string;
  /** PostgreSQL schema to use (created if missing); lets several engines share one database. */
  schema?: string;
}

export function isPostgres(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

interface SqliteQuery {
  sql: string;
}

/** Statements a SQLite connection keeps prepared: more than the engine's distinct hot statements. */
const KEPT_STATEMENTS = 500;

interface SqliteConnection {
  pragma(s: string): void;
  prepare(sql: string): unknown;
}

/**
 * Makes a connection prepare each statement once: knex asks better-sqlite3 to prepare every
 * statement it runs anew, which costs more than running a read by id. A kept statement is reset
 * after each run, and SQLite prepares it again by itself should a table it reads change.
 */
function keepPrepared(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const kept = new BoundedMap<string, unknown>(KEPT_STATEMENTS);
  conn.prepare = (sql) => {
    let statement = kept.get(sql);
    if (statement === undefined) kept.set(sql, (statement = prepare(sql)));
    return statement;
  };
}

/** knex's client for better-sqlite3 (the dialect module has no typings of its own). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BetterSqliteClient = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => Knex.Client & {
  _query(connection: unknown, obj: SqliteQuery): Promise<SqliteQuery>;
};

/**
 * SQLite rolls a transaction back by itself when a write fails for lack of space (SQLITE_FULL);
 * knex's ROLLBACK would then fail and hide the error that caused it, so it is skipped.
 */
class SqliteClient extends BetterSqliteClient {
  override _query(connection: { inTransaction: boolean }, obj: SqliteQuery): Promise<SqliteQuery> {
    if (/^ROLLBACK\b/i.test(obj.sql) && !connection.inTransaction) return Promise.resolve(obj);
    return super._query(connection, obj);
  }
}

/** Whether the database refused a write for lack of space: SQLite's SQLITE_FULL, PostgreSQL's disk_full. */
export function isDatabaseFull(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === 'SQLITE_FULL' || code === '53100';
}

export async function connect(c: DbConfig): Promise<Knex> {
  if (isPostgres(c.url)) {
    const db = knex({
      client: 'pg',
      connection: c.url,
      searchPath: c.schema ? [c.schema] : undefined,
      pool: { min: 0, max: 10 },
    });
    // Two processes making the same schema at once would collide on its name.
    const schema = c.schema;
    if (schema) await db.transaction(async (trx) => {
      await lockSchema(trx, schema);
      await trx.raw('create schema if not exists ??', [schema]);
    });
    return db;
  }
  fs.mkdirSync(path.dirname(path.resolve(c.url)), { recursive: true });
  const db = knex({
    client: SqliteClient as unknown as typeof Knex.Client,
    connection: { filename: c.url },
    useNullAsDefault: true,
    pool: {
      // WAL lets readers go on while a transaction writes; the busy timeout waits out writers.
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('busy_timeout = 5000');
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        keepPrepared(conn);
        done(null, conn);
      },
    },
  });
  await db.raw(`create table if not exists ${SQLITE_LOCK} (id integer)`);
  return db;
}

/** Written first by a transaction that changes tables (see lockSchema). */
const SQLITE_LOCK = 'schema_lock';

/** Whether an open database is PostgreSQL (which takes row locks with `for update`). */
export const onPostgres = (db: Knex | Knex.Transaction): boolean => String(db.client.config.client) === 'pg';

/**
 * Makes changes to the tables (of PostgreSQL schema `schema`, by default the one in use) wait
 * for those of other processes until this transaction ends. SQLite runs one writer at a time,
 * but a transaction that reads before it writes fails if another wrote in between: writing
 * first makes it wait for the other instead.
 */
export async function lockSchema(trx: Knex.Transaction, schema?: string): Promise<void> {
  if (onPostgres(trx)) await trx.raw(`select pg_advisory_xact_lock(hashtext('hangar schema ' || coalesce(?, current_schema())))`, [schema ?? null]);
  else await trx(SQLITE_LOCK).delete();
}
