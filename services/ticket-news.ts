// Word that a ticket changed (cancelled, extended, replaced or removed), for the data plane's
// memory of which tickets are valid: it reaches listeners of this process once the change is
// committed, and those of other processes on the same PostgreSQL through NOTIFY, which the
// database delivers at commit too.
import { EventEmitter } from 'node:events';
import { Knex } from 'knex';
import { onCommit } from './store/committed';
import { onPostgres } from './store/connect';

const CHANNEL = 'hangar_ticket_changes';
/** `undefined` stands for every ticket (all were removed). */
type Change = (id: string | undefined) => void;

const local = new EventEmitter();
local.setMaxListeners(0);

/** Announces that ticket `id` (every ticket when undefined) changed, as part of `db`'s work. */
export async function announce(db: Knex | Knex.Transaction, id?: string): Promise<void> {
  onCommit(db, () => local.emit('change', id));
  if (onPostgres(db)) await db.raw('select pg_notify(?, ?)', [CHANNEL, id ?? '']);
}

/** What `follow` answers: whether word arrives now, and how to stop listening. */
export interface Following {
  /** False while changes made elsewhere may go unheard (the listening connection is down). */
  readonly hearing: boolean;
  stop(): Promise<void>;
}

interface PgConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', f: (m: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', f: () => void): void;
}

/** How long a lost PostgreSQL listener waits before it connects again. */
const RECONNECT_MS = 1000;

/**
 * Calls `changed` for every change announced in this process and, on PostgreSQL, in any other;
 * `lost` runs when a listening connection drops (what changed meanwhile is unknown).
 */
export async function follow(db: Knex, changed: Change, lost: () => void): Promise<Following> {
  local.on('change', changed);
  if (!onPostgres(db)) return { hearing: true, stop: async () => void local.off('change', changed) };
  const client = db.client as { acquireRawConnection(): Promise<PgConnection>; destroyRawConnection(c: PgConnection): Promise<void> };
  let connection: PgConnection | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const again = () => {
    if (!stopped) retry = setTimeout(() => void listen(), RECONNECT_MS);
  };
  const listen = async (): Promise<void> => {
    let c: PgConnection;
    try {
      c = await client.acquireRawConnection();
      c.on('notification', (m) => m.channel === CHANNEL && changed(m.payload || undefined));
      await c.query(`LISTEN ${CHANNEL}`);
    } catch {
      return again();
    }
    const drop = () => {
      if (connection !== c) return;
      connection = undefined;
      lost();
      again();
    };
    c.on('error', drop);
    c.on('end', drop);
    connection = c;
  };
  await listen();
  return {
    get hearing() {
      return connection !== undefined;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      local.off('change', changed);
      const c = connection;
      connection = undefined;
      if (c) await client.destroyRawConnection(c);
    },
  };
}
