// Transfer tickets, kept in the database so any proxy process serves any ticket: the control
// plane installs, extends, cancels and removes them; the data plane authorizes requests with them
// and writes back what it does (operations under way, ranges moved, connections bound). A proxy
// keeps the tickets it serves in memory, forgotten at the word of any change (ticket-news.ts), so
// that moving a piece costs no query.
import { Knex } from 'knex';
import { Following, announce, follow } from './ticket-news';

export type Op = 'read' | 'write';

/** What installing a ticket takes: the ticket JSON of imageio's control API. */
export interface TicketSpec {
  uuid: string;
  size: number;
  ops: Op[];
  /** Seconds the ticket lives from its last activity. */
  timeout: number;
  /** The backend: `file:///path` or `nbd:unix:/socket`. */
  url: string;
  inactivity_timeout: number;
  transfer_id?: string;
  filename?: string;
  sparse: boolean;
  dirty: boolean;
}

/** A ticket as `GET /tickets/{id}` reports it. */
export interface TicketStatus extends TicketSpec {
  active: boolean;
  canceled: boolean;
  connections: number;
  /** Expiry on this process's monotonic clock, in seconds. */
  expires: number;
  idle_time: number;
  transferred?: number;
}

export interface Ticket {
  id: string;
  url: string;
  size: number;
  ops: Op[];
  timeout: number;
  inactivity_timeout: number;
  expires_at: number;
  canceled: boolean;
  sparse: boolean;
  /** Dirty extents are available (an incremental backup's disk). */
  dirty: boolean;
  filename?: string;
}

/** A request a ticket does not allow (gone, cancelled, expired, or not for this operation). */
export class TicketRefused extends Error {
  constructor(reason: string) {
    super(`You are not allowed to access this resource: ${reason}`);
  }
}

/** Whether a ticket allows `op`: writing implies reading, as imageio has it. */
export const may = (ops: Op[], op: Op) => ops.includes(op) || (op === 'read' && ops.includes('write'));

/** Adds [start, end) to a list of ranges, merging what overlaps or touches. */
function addRange(list: [number, number][], start: number, end: number): [number, number][] {
  const merged: [number, number][] = [];
  for (const r of [...list, [start, end] as [number, number]].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** A row's `ops`, stored as a comma-separated list. */
const opsOf = (row: { ops: string }) => String(row.ops).split(',') as Op[];

/** Seconds on the monotonic clock (what imageio reports ticket expiry on). */
export const monotonicSeconds = () => Number(process.hrtime.bigint() / 1_000_000_000n);

/** A ticket row as the data plane uses it. */
function ticketOf(row: Record<string, unknown>): Ticket {
  return {
    id: String(row.id), url: String(row.url), size: Number(row.size), ops: opsOf(row as { ops: string }), timeout: Number(row.timeout),
    inactivity_timeout: Number(row.inactivity_timeout), expires_at: Number(row.expires_at), canceled: Boolean(row.canceled), sparse: Boolean(row.sparse),
    dirty: Boolean(row.dirty), filename: (row.filename as string | null) ?? undefined,
  };
}

export class Tickets {
  constructor(private readonly db: Knex) {}

  /** The tickets read since the last word of a change to them, while word is heard. */
  private readonly known = new Map<string, Ticket>();
  /** Counts the words of changes, so that a read begun before one is not kept after it. */
  private changes = 0;
  private following?: Following;

  /**
   * Keeps the tickets this process serves in memory from now on, each until word of its change
   * comes; `stop` ends it.
   */
  async remember(): Promise<{ stop(): Promise<void> }> {
    const forget = (id: string | undefined) => {
      this.changes++;
      if (id === undefined) this.known.clear();
      else this.known.delete(id);
    };
    this.following = await follow(this.db, forget, () => forget(undefined));
    return {
      stop: async () => {
        await this.following?.stop();
        this.following = undefined;
        forget(undefined);
      },
    };
  }

  /** The ticket as stored, kept in memory if word of its changes is heard; undefined if there is none. */
  private async read(id: string): Promise<Ticket | undefined> {
    const kept = this.known.get(id);
    if (kept) return kept;
    const before = this.changes;
    const row = await this.table().where('id', id).first();
    const ticket = row ? ticketOf(row) : undefined;
    if (ticket && this.following?.hearing && this.changes === before) this.known.set(id, ticket);
    return ticket;
  }

  private table() {
    return this.db('transfer_tickets');
  }

  /** Installs a ticket, replacing one with the same id; it expires `timeout` seconds from now. */
  async install(spec: TicketSpec): Promise<void> {
    const now = Date.now();
    const row = {
      id: spec.uuid, transfer_id: spec.transfer_id ?? null, url: spec.url, size: spec.size, ops: spec.ops.join(','),
      timeout: spec.timeout, inactivity_timeout: spec.inactivity_timeout, filename: spec.filename ?? null,
      sparse: spec.sparse, dirty: spec.dirty, expires_at: now + spec.timeout * 1000, last_activity: now,
    };
    await this.db.transaction(async (trx) => {
      await trx('transfer_tickets').where('id', spec.uuid).delete();
      await trx('transfer_tickets').insert(row);
    });
    await announce(this.db, spec.uuid);
  }

  /** Sets the expiry `seconds` from now, the base timeout unchanged; false if there is no such ticket. */
  async extend(id: string, seconds: number): Promise<boolean> {
    const found = (await this.table().where('id', id).update({ expires_at: Date.now() + seconds * 1000 })) > 0;
    await announce(this.db, id);
    return found;
  }

  /**
   * Takes up a ticket again after the proxy that served it stopped: nothing is under way any
   * more, and the ticket lives `seconds` from now.
   */
  async revive(id: string, seconds: number): Promise<void> {
    const now = Date.now();
    await this.table().where('id', id).update({ expires_at: now + seconds * 1000, last_activity: now, active: 0 });
    await announce(this.db, id);
  }

  async status(id: string): Promise<TicketStatus | undefined> {
    const row = await this.table().where('id', id).first();
    if (!row) return undefined;
    const ops = opsOf(row);
    const active = Number(row.active) > 0;
    return {
      uuid: row.id, size: Number(row.size), ops, timeout: row.timeout, url: row.url, inactivity_timeout: row.inactivity_timeout,
      ...(row.transfer_id ? { transfer_id: row.transfer_id } : {}), ...(row.filename ? { filename: row.filename } : {}),
      sparse: Boolean(row.sparse), dirty: Boolean(row.dirty), active, canceled: Boolean(row.canceled), connections: Number(row.connections),
      expires: monotonicSeconds() + Math.round((Number(row.expires_at) - Date.now()) / 1000),
      idle_time: active ? 0 : Math.floor((Date.now() - Number(row.last_activity)) / 1000),
      // A ticket that both reads and writes moves bytes both ways: no one count means anything.
      ...(ops.length === 1 ? { transferred: Number(row.transferred) } : {}),
    };
  }

  /**
   * Takes no new request for the ticket from now on; answers whether no operation is under way
   * (true also when the ticket is gone), so the caller knows it may remove it.
   */
  async cancel(id: string): Promise<boolean> {
    await this.table().where('id', id).update({ canceled: true });
    await announce(this.db, id);
    const row = await this.table().where('id', id).first('active');
    return !row || Number(row.active) <= 0;
  }

  async remove(id?: string): Promise<void> {
    await (id === undefined ? this.table() : this.table().where('id', id)).delete();
    await announce(this.db, id);
  }

  /** The ticket, if it exists, is live and allows `op`; else TicketRefused. */
  async authorize(id: string, op: Op): Promise<Ticket> {
    let ticket = await this.read(id);
    // Another proxy may have renewed it since it was read.
    if (ticket && ticket.expires_at <= Date.now() && this.known.delete(id)) ticket = await this.read(id);
    if (!ticket) throw new TicketRefused('no such ticket');
    if (ticket.canceled) throw new TicketRefused('transfer cancelled');
    if (ticket.expires_at <= Date.now()) throw new TicketRefused('transfer expired');
    if (!may(ticket.ops, op)) throw new TicketRefused(`transfer forbids ${op}`);
    return ticket;
  }

  /**
   * What an operation under way checks before each piece: TicketRefused once the ticket is
   * cancelled or gone, so the operation stops at its next piece.
   */
  async stillLive(t: Ticket): Promise<void> {
    const now = await this.read(t.id);
    if (!now || now.canceled) throw new TicketRefused('transfer cancelled');
  }

  /**
   * Runs one operation on the ticket: under way while `work` runs (the monitor then does not
   * count the ticket idle), then recorded with the range `moved` answers, even if it failed.
   */
  async operation<T>(t: Ticket, work: () => Promise<T>, moved?: () => [number, number]): Promise<T> {
    await this.table().where('id', t.id).increment('active', 1);
    try {
      return await work();
    } finally {
      await this.end(t, moved?.());
    }
  }

  /** Records a finished operation: activity renews the ticket, and moved bytes are counted once. */
  private async end(t: Ticket, range?: [number, number]): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (trx) => {
      const row = await trx('transfer_tickets').where('id', t.id).forUpdate().first('active', 'ranges');
      if (!row) return;
      const moved = range && range[1] > range[0] ? { ranges: addRange(JSON.parse(String(row.ranges)) as [number, number][], range[0], range[1]) } : undefined;
      await trx('transfer_tickets').where('id', t.id).update({
        active: Math.max(0, Number(row.active) - 1), last_activity: now, expires_at: now + t.timeout * 1000,
        ...(moved ? { ranges: JSON.stringify(moved.ranges), transferred: moved.ranges.reduce((sum, [a, b]) => sum + (b - a), 0) } : {}),
      });
    });
    const kept = this.known.get(t.id);
    if (kept) kept.expires_at = now + t.timeout * 1000;
  }

  /** Counts a connection bound to the ticket (its first request for it) or one that closed. */
  async connection(id: string, change: 1 | -1): Promise<void> {
    await this.table().where('id', id).increment('connections', change);
  }
}
