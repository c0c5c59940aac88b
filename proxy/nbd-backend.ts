// A ticket's image as an NBD export (qemu-nbd serving a volume): reads and writes are guest
// data, the server converting from and to the volume's format. Connections are kept between
// requests, a few per export, as a client's workers come back with request after request.
import { Backend, Extent } from './backend';
import { Dirtiness, NbdConnection, StatusKind } from '../sdk/nbd-client';

/** Zeroing proceeds in steps of this size, so no single request runs for long. */
const ZERO_STEP = 128 * 1024 * 1024;
/** Idle connections kept per export. */
const KEEP_IDLE = 8;

/** Idle connections per export (and kind: data, allocation or dirtiness queries). */
class Pool {
  private readonly idle = new Map<string, NbdConnection[]>();
  private readonly watched = new WeakSet<NbdConnection>();

  async acquire(socket: string, kind: StatusKind): Promise<NbdConnection> {
    const list = this.idle.get(Pool.key(socket, kind)) ?? [];
    for (let conn = list.pop(); conn; conn = list.pop()) if (conn.alive) return conn;
    return NbdConnection.connect(socket, kind);
  }

  release(socket: string, kind: StatusKind, conn: NbdConnection): void {
    const key = Pool.key(socket, kind);
    const list = this.idle.get(key) ?? [];
    if (!conn.alive || list.length >= KEEP_IDLE) return conn.close();
    list.push(conn);
    this.idle.set(key, list);
    if (this.watched.has(conn)) return;
    this.watched.add(conn);
    // A server that stops (the transfer ended) takes its idle connections with it.
    conn.onClose(() => {
      const now = (this.idle.get(key) ?? []).filter((c) => c !== conn);
      if (now.length) this.idle.set(key, now);
      else this.idle.delete(key);
    });
  }

  private static key(socket: string, kind: StatusKind): string {
    return `${kind}:${socket}`;
  }
}

const pool = new Pool();

export class NbdBackend implements Backend {
  readonly maxWriters = 8;
  private readonly held: { conn: NbdConnection; kind: StatusKind }[] = [];

  /** `sparse`: zeroing may deallocate. */
  constructor(private readonly socket: string, private readonly sparse: boolean) {}

  private async connection(kind: StatusKind = 'data'): Promise<NbdConnection> {
    const existing = this.held.find((h) => h.kind === kind);
    if (existing) return existing.conn;
    const conn = await pool.acquire(this.socket, kind);
    this.held.push({ conn, kind });
    return conn;
  }

  async size(): Promise<number> {
    return (await this.connection()).size;
  }

  async pread(at: number, into: Buffer): Promise<number> {
    const conn = await this.connection();
    const length = Math.min(into.length, Math.max(0, conn.size - at));
    return length ? (await conn.read(at, into.subarray(0, length))).length : 0;
  }

  async pwrite(at: number, data: Buffer): Promise<void> {
    await (await this.connection()).write(at, data);
  }

  async zero(offset: number, length: number): Promise<void> {
    const conn = await this.connection();
    for (let done = 0; done < length; done += ZERO_STEP) await conn.zero(offset + done, Math.min(ZERO_STEP, length - done), !this.sparse);
  }

  async flush(): Promise<void> {
    await (await this.connection()).flush();
  }

  async extents(): Promise<Extent[]> {
    return (await this.connection('allocation')).allocation();
  }

  async dirtyExtents(): Promise<Dirtiness[]> {
    return (await this.connection('dirty')).dirtiness();
  }

  async release(): Promise<void> {
    for (const { conn, kind } of this.held.splice(0)) pool.release(this.socket, kind, conn);
  }
}
