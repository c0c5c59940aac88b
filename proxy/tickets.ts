// Transfer tickets as the data plane sees them: read from the database the control plane writes
// them to, so any proxy process serves any transfer; activity is written back for the monitor.
import { Knex } from 'knex';

export type Op = 'read' | 'write';

export interface Ticket {
  id: string;
  /** The backend: `file:///path` or `nbd:unix:/socket`. */
  url: string;
  size: number;
  ops: Op;
  timeout: number;
  inactivity_timeout: number;
  expires_at: number;
  canceled: boolean;
}

/** A data-plane error: a status, a one-line reason, and whether the connection must close. */
export class ProxyError extends Error {
  constructor(readonly status: number, message: string, readonly close = false, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

const forbidden = (reason: string) => new ProxyError(403, `You are not allowed to access this resource: ${reason}`, true);

/** Byte ranges already moved through a ticket, merged, so a range sent twice counts once. */
class Ranges {
  private list: [number, number][] = [];

  add(start: number, end: number): void {
    this.list.push([start, end]);
    this.list.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of this.list) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.list = merged;
  }

  get total(): number {
    return this.list.reduce((sum, [a, b]) => sum + (b - a), 0);
  }
}

export class Tickets {
  private readonly moved = new Map<string, Ranges>();
  private readonly busy = new Map<string, number>();

  constructor(private readonly db: Knex) {}

  /** The ticket, if it exists, is live and allows `op` (write implies read); else 403. */
  async authorize(id: string, op: Op): Promise<Ticket> {
    const row = await this.db('transfer_tickets').where('id', id).first();
    if (!row) throw forbidden('no such ticket');
    const ticket: Ticket = { ...row, size: Number(row.size), expires_at: Number(row.expires_at), canceled: Boolean(row.canceled) };
    if (ticket.canceled) throw forbidden('transfer cancelled');
    if (ticket.expires_at <= Date.now()) throw forbidden('transfer expired');
    if (op === 'write' && ticket.ops !== 'write') throw forbidden(`transfer forbids ${op}`);
    return ticket;
  }

  /** Marks an operation under way (the monitor then does not count the ticket idle). */
  async begin(t: Ticket): Promise<void> {
    const n = (this.busy.get(t.id) ?? 0) + 1;
    this.busy.set(t.id, n);
    await this.db('transfer_tickets').where('id', t.id).update({ active: n });
  }

  /** Records a finished operation: activity renews the ticket, and moved bytes are counted. */
  async end(t: Ticket, range?: [number, number]): Promise<void> {
    const n = Math.max(0, (this.busy.get(t.id) ?? 1) - 1);
    this.busy.set(t.id, n);
    let transferred: number | undefined;
    if (range && range[1] > range[0]) {
      const ranges = this.moved.get(t.id) ?? new Ranges();
      ranges.add(range[0], range[1]);
      this.moved.set(t.id, ranges);
      transferred = ranges.total;
    }
    const now = Date.now();
    await this.db('transfer_tickets').where('id', t.id).update({
      active: n, last_activity: now, expires_at: now + t.timeout * 1000, ...(transferred !== undefined ? { transferred } : {}),
    });
  }
}
