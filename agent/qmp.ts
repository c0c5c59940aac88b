// A QMP client: one connection to a QEMU monitor socket, commands answered in order by id, and
// the monitor's events passed on. QEMU serves one QMP client per socket at a time.
import net from 'node:net';
import { EventEmitter } from 'node:events';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, desc: string) {
    super(`QMP ${command}: ${desc}`);
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(e: Error): void;
}

export class Qmp extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = '';
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.read(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error(`QMP ${p.command}: the monitor closed`));
      this.pending.clear();
      this.emit('close');
    });
  }

  /** Connects to the monitor at `path` and leaves capabilities negotiation done. */
  static async connect(path: string): Promise<Qmp> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const qmp = new Qmp(socket);
    await qmp.greeting();
    await qmp.execute('qmp_capabilities');
    return qmp;
  }

  private greetingWaiter?: () => void;

  private greeting(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.greetingWaiter = resolve;
      this.socket.once('close', () => reject(new Error('the QMP monitor closed before its greeting')));
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private read(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end).trim();
      this.buffered = this.buffered.slice(end + 1);
      if (line) this.message(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private message(m: Record<string, unknown>): void {
    if ('QMP' in m) {
      this.greetingWaiter?.();
      return;
    }
    if (typeof m.event === 'string') {
      this.emit('event', { event: m.event, data: m.data as Record<string, unknown> | undefined });
      return;
    }
    const p = this.pending.get(Number(m.id));
    if (!p) return;
    this.pending.delete(Number(m.id));
    const error = m.error as { class: string; desc: string } | undefined;
    if (error) p.reject(new QmpError(p.command, error.class, error.desc));
    else p.resolve(m.return);
  }

  /** Runs a command and answers what QEMU returns. */
  execute<R = unknown>(command: string, args?: Record<string, unknown>): Promise<R> {
    if (this.closed) return Promise.reject(new Error(`QMP ${command}: the monitor is closed`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
