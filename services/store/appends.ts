// Rows appended to a numbered table (the audit log), told to whoever waits for them: within this
// process once the row's transaction has committed, and to other processes through PostgreSQL's
// NOTIFY, which the database delivers at commit (SQLite is used by one process).
import { EventEmitter } from 'node:events';
import { Knex } from 'knex';
import type { Client as PgClient } from 'pg';
import { onCommit } from './committed';
import { onPostgres } from './connect';

const local = new EventEmitter();
// Every stream of a table waits on one reader of it per process, so listeners are not bounded here.
local.setMaxListeners(0);

/** The prefix of a table's NOTIFY channel; the channel names the schema too, as schemas share a database's channels. */
export const channelPrefix = (table: string): string => `hangar ${table} `;

/** Tells this process's watchers of `table`, once the work done so far on `db` is committed. */
export function appended(db: Knex | Knex.Transaction, table: string): void {
  onCommit(db, () => local.emit(table));
}

/** How long a lost LISTEN connection waits before it connects again. */
const RECONNECT_MS = 1000;

/**
 * Calls `onAppend` whenever rows may have been appended to `table`, by this process or (on
 * PostgreSQL) another; calls may be folded together, and come again when a lost connection is
 * back (what was missed meanwhile is read then). Returns the way to stop watching.
 */
export function watchAppends(db: Knex, table: string, onAppend: () => void): () => Promise<void> {
  local.on(table, onAppend);
  if (!onPostgres(db)) {
    return async () => {
      local.off(table, onAppend);
    };
  }
  let stopped = false;
  let connection: PgClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  const client = db.client as unknown as { acquireRawConnection(): Promise<PgClient>; destroyRawConnection(c: PgClient): Promise<void> };
  const drop = (c: PgClient) => client.destroyRawConnection(c).catch(() => undefined);
  const listen = async () => {
    retry = undefined;
    let c: PgClient | undefined;
    try {
      c = await client.acquireRawConnection();
      if (stopped) return void drop(c);
      const listening = (connection = c);
      const lost = () => {
        if (connection !== listening) return;
        connection = undefined;
        void drop(listening);
        if (!stopped) retry = setTimeout(() => void listen(), RECONNECT_MS);
      };
      c.on('error', lost);
      c.on('end', lost);
      c.on('notification', () => onAppend());
      const { rows } = await c.query<{ channel: string }>('select $1::text || current_schema() as channel', [channelPrefix(table)]);
      await c.query(`listen "${rows[0].channel.replace(/"/g, '""')}"`);
      // Rows appended while no connection listened are read now.
      onAppend();
    } catch (e) {
      // Stopped, or the connection's loss has been seen to already.
      if (stopped || (c && connection !== c)) return;
      connection = undefined;
      if (c) void drop(c);
      console.error(`listening for rows of ${table} failed, trying again:`, e);
      retry = setTimeout(() => void listen(), RECONNECT_MS);
    }
  };
  void listen();
  return async () => {
    stopped = true;
    local.off(table, onAppend);
    clearTimeout(retry);
    const c = connection;
    connection = undefined;
    if (c) await drop(c);
  };
}
