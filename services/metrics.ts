// What a process tells Prometheus (prom-client), in a registry of its own (several engines may
// share one test process): requests by server, route template and status class, with their
// latency; bytes the image proxy moved; the database pool; transfer tickets; and prom-client's
// defaults for the process (CPU, memory, event-loop lag, GC).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Knex } from 'knex';

/** Which listener answered: the API (and SSO) or the image data plane. */
export type ServerName = 'api' | 'proxy';

/** The pool of knex's client, when it is tarn's (it is for both databases). */
interface Pool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

export class Metrics {
  readonly registry = new Registry();

  private readonly requests = new Histogram({
    name: 'hangar_http_request_duration_seconds',
    help: 'Time from a request\'s arrival to its last byte answered, by server, method, route template and status class',
    labelNames: ['server', 'method', 'route', 'status'] as const,
    // From a cached read to a large list or a whole-disk PUT.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  private readonly moved = new Counter({
    name: 'hangar_transfer_bytes_total',
    help: 'Image bytes the proxy wrote to (upload) or read from (download) a backend; its rate is the transfer rate',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  constructor(db: Knex) {
    collectDefaultMetrics({ register: this.registry, prefix: 'hangar_' });
    const pool = () => (db.client as { pool?: Pool }).pool;
    new Gauge({
      name: 'hangar_db_pool_connections',
      help: 'Database connections of the pool: in use, idle, awaited by callers, and the most it opens',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'used' }, p.numUsed());
        this.set({ state: 'free' }, p.numFree());
        this.set({ state: 'pending' }, p.numPendingAcquires());
        this.set({ state: 'max' }, p.max);
      },
    });
    new Gauge({
      name: 'hangar_transfer_tickets',
      help: 'Image-transfer tickets in the database: live (installed, not cancelled or expired), and active (with operations under way)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const now = Date.now();
        const [row] = await db('transfer_tickets').where('canceled', false).where('expires_at', '>', now)
          .select(db.raw('count(*) as live'), db.raw('sum(case when active > 0 then 1 else 0 end) as active'));
        this.set({ state: 'live' }, Number(row?.live ?? 0));
        this.set({ state: 'active' }, Number(row?.active ?? 0));
      },
    });
  }

  /** Counts an answered request; `route` is its template (never a path with ids or tickets). */
  request(server: ServerName, method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ server, method, route, status: `${Math.floor(status / 100)}xx` }, seconds);
  }

  /** Counts image bytes moved by the data plane. */
  transferred(direction: 'upload' | 'download', bytes: number): void {
    this.moved.inc({ direction }, bytes);
  }
}
