// A client of the NBD protocol, as far as moving images needs it (the data plane reading and
// writing a volume's qemu-nbd, the SDK a local image's): the fixed newstyle handshake with
// NBD_OPT_GO, then read, write, write-zeroes, flush and (on connections that ask for it) block
// status of the `base:allocation` context, with `qemu:allocation-depth` where the server offers
// it, or with the dirty bitmap the server exports (`qemu:dirty-bitmap:…`). It uses Node alone, so
// the SDK ships it. npm has no NBD client that installs on its own (the one of Xen Orchestra
// drags in the Xen API), and the protocol part used here is small:
// https://github.com/NetworkBlockDevice/nbd/blob/master/doc/proto.md
import net from 'node:net';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const OPTION_REPLY_MAGIC = 0x3e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const STRUCTURED_REPLY_MAGIC = 0x668e33ef;

const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const OPT_GO = 7;
const OPT_STRUCTURED_REPLY = 8;
const OPT_LIST_META_CONTEXT = 9;
const OPT_SET_META_CONTEXT = 10;
const REP_ACK = 1;
const REP_INFO = 3;
const REP_META_CONTEXT = 4;
const REP_FLAG_ERROR = 0x80000000;
const INFO_EXPORT = 0;
const TRANSMISSION_READ_ONLY = 2;

const CMD_READ = 0;
const CMD_WRITE = 1;
const CMD_DISC = 2;
const CMD_FLUSH = 3;
const CMD_WRITE_ZEROES = 6;
const CMD_BLOCK_STATUS = 7;
/** Write-zeroes must leave the range allocated. */
const CMD_FLAG_NO_HOLE = 2;

const REPLY_FLAG_DONE = 1;
const REPLY_TYPE_NONE = 0;
const REPLY_TYPE_BLOCK_STATUS = 5;
const REPLY_TYPE_ERROR_BIT = 0x8000;

const STATE_ZERO = 2;
const ALLOCATION_CONTEXT = 'base:allocation';
/** qemu's context telling which layer holds each range: 0 is none (a hole of a single layer). */
const DEPTH_CONTEXT = 'qemu:allocation-depth';
/** The namespace of qemu's dirty bitmap contexts: qemu-nbd exports the one it was given with `--bitmap`. */
const DIRTY_PREFIX = 'qemu:dirty-bitmap:';
const STATE_DIRTY = 1;
/** Bytes one read of the socket may bring. */
const READ_BUFFER = 1024 * 1024;
/** The largest block status request: the length field has 32 bits. */
const MAX_STATUS_LENGTH = 0x80000000;

export class NbdError extends Error {
  constructor(message: string, readonly errno?: number) {
    super(message);
  }
}

/** A range of the export, whether it reads as zeros, and whether no layer holds it. */
export interface Allocation {
  start: number;
  length: number;
  zero: boolean;
  hole: boolean;
}

/** A range of the export, whether it changed since the bitmap's checkpoint, and whether it reads as zeros. */
export interface Dirtiness {
  start: number;
  length: number;
  dirty: boolean;
  zero: boolean;
}

/** What a connection asks block status of: nothing (data), allocation, or allocation and dirtiness. */
export type StatusKind = 'data' | 'allocation' | 'dirty';

/** One block status descriptor: a range and its flags in one context. */
interface Status {
  start: number;
  length: number;
  flags: number;
}

interface Pending {
  resolve(data: Buffer | undefined): void;
  reject(e: Error): void;
  /** Block status descriptors gathered from structured chunks, by context id. */
  statuses?: Map<number, Status[]>;
  /** Where a read's bytes go, as they follow its simple reply. */
  into?: Buffer;
  offset: number;
}

interface Waiter {
  size: number;
  /** Where the bytes go as they arrive. */
  target?: Buffer;
  filled: number;
  resolve(b: Buffer): void;
  reject(e: Error): void;
}

/** Bytes as they arrive on the socket, taken in exact amounts or copied into a given buffer. */
class Incoming {
  private chunks: Buffer[] = [];
  private waiter?: Waiter;
  private failure?: Error;

  /**
   * Takes bytes read into the socket's one reused buffer: they are copied where they are
   * wanted now, and whatever nobody waits for yet is copied aside.
   */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.wake();
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last].buffer === chunk.buffer) this.chunks[last] = Buffer.from(this.chunks[last]);
  }

  fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }

  /** The next `size` bytes. */
  take(size: number): Promise<Buffer> {
    return this.wait(size);
  }

  /** Fills `target` with the next bytes (a large read then makes no buffer of its own). */
  takeInto(target: Buffer): Promise<Buffer> {
    return this.wait(target.length, target);
  }

  private wait(size: number, target?: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (size === 0) return Promise.resolve(target ?? Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      this.waiter = { size, target, filled: 0, resolve, reject };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w || !this.chunks.length) return;
    // Bytes are copied once, never more than asked for, and never left in the reused buffer.
    w.target ??= Buffer.allocUnsafe(w.size);
    while (this.chunks.length && w.filled < w.size) {
      const chunk = this.chunks[0];
      const n = Math.min(chunk.length, w.size - w.filled);
      chunk.copy(w.target, w.filled, 0, n);
      w.filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    if (w.filled < w.size) return;
    this.waiter = undefined;
    w.resolve(w.target);
  }
}

const stop = (d: Status) => d.start + d.length;
const end = (list: Status[]) => (list.length ? stop(list[list.length - 1]) : 0);

function requestHeader(type: number, handle: bigint, offset: number, length: number, flags = 0): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32BE(REQUEST_MAGIC, 0);
  b.writeUInt16BE(flags, 4);
  b.writeUInt16BE(type, 6);
  b.writeBigUInt64BE(handle, 8);
  b.writeBigUInt64BE(BigInt(offset), 16);
  b.writeUInt32BE(length, 24);
  return b;
}

function optionHeader(option: number, length: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(IHAVEOPT, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(length, 12);
  return b;
}

/** A LIST or SET meta context option of the default export, with its queries. */
function metaContextOption(option: number, queries: string[]): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(queries.length);
  const data = Buffer.concat([stringField(''), count, ...queries.map(stringField)]);
  return Buffer.concat([optionHeader(option, data.length), data]);
}

function stringField(s: string): Buffer {
  const text = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(4 + text.length);
  b.writeUInt32BE(text.length, 0);
  text.copy(b, 4);
  return b;
}

export class NbdConnection {
  private readonly pending = new Map<bigint, Pending>();
  private nextHandle = 1n;
  private contextId?: number;
  /** The context telling more than allocation: allocation depth, or the dirty bitmap. */
  private secondContextId?: number;
  private secondContext?: string;
  private closed = false;
  /** Bytes the export holds. */
  size = 0;
  readOnly = false;

  private constructor(private readonly socket: net.Socket, private readonly incoming: Incoming) {}

  /**
   * Connects to the export at a Unix socket. For block status, the connection also negotiates
   * structured replies and the base:allocation context, with the second context `kind` asks for.
   */
  static async connect(socketPath: string, kind: StatusKind = 'data'): Promise<NbdConnection> {
    const incoming = new Incoming();
    const socket = net.connect({
      path: socketPath,
      // One buffer for every read: large replies make no garbage on their way to their target.
      onread: { buffer: Buffer.alloc(READ_BUFFER), callback: (n: number, buffer: Uint8Array) => {
          incoming.push(Buffer.from(buffer.buffer, buffer.byteOffset, n));
          return true;
        } },
    });
    socket.on('error', (e) => incoming.fail(new NbdError(`NBD connection failed: ${e.message}`)));
    socket.on('close', () => incoming.fail(new NbdError('NBD connection closed')));
    const conn = new NbdConnection(socket, incoming);
    try {
      await conn.handshake(kind);
    } catch (e) {
      socket.destroy();
      throw e;
    }
    conn.receive().catch((e: Error) => conn.abort(e));
    return conn;
  }

  get alive(): boolean {
    return !this.closed;
  }

  onClose(listener: () => void): void {
    this.socket.once('close', listener);
  }

  private async handshake(kind: StatusKind): Promise<void> {
    const greeting = await this.incoming.take(18);
    if (greeting.readBigUInt64BE(0) !== NBDMAGIC || greeting.readBigUInt64BE(8) !== IHAVEOPT) throw new NbdError('Not an NBD newstyle server');
    const serverFlags = greeting.readUInt16BE(16);
    if (!(serverFlags & FLAG_FIXED_NEWSTYLE)) throw new NbdError('The NBD server does not speak fixed newstyle');
    const clientFlags = Buffer.alloc(4);
    clientFlags.writeUInt32BE(FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES));
    this.socket.write(clientFlags);
    if (kind !== 'data') {
      this.socket.write(optionHeader(OPT_STRUCTURED_REPLY, 0));
      await this.optionReplies(OPT_STRUCTURED_REPLY);
      if (kind === 'dirty') {
        // The bitmap's name is the server's: listing the namespace tells it.
        this.socket.write(metaContextOption(OPT_LIST_META_CONTEXT, [DIRTY_PREFIX]));
        this.secondContext = (await this.optionReplies(OPT_LIST_META_CONTEXT)).find((name) => name.startsWith(DIRTY_PREFIX));
        if (this.secondContext === undefined) throw new NbdError('The NBD server exports no dirty bitmap');
      } else {
        this.secondContext = DEPTH_CONTEXT;
      }
      this.socket.write(metaContextOption(OPT_SET_META_CONTEXT, [ALLOCATION_CONTEXT, this.secondContext]));
      await this.optionReplies(OPT_SET_META_CONTEXT);
      if (this.contextId === undefined) throw new NbdError(`The NBD server has no ${ALLOCATION_CONTEXT} context`);
      if (kind === 'dirty' && this.secondContextId === undefined) throw new NbdError(`The NBD server refused context ${this.secondContext}`);
    }
    const go = Buffer.concat([stringField(''), Buffer.from([0, 0])]);
    this.socket.write(Buffer.concat([optionHeader(OPT_GO, go.length), go]));
    await this.optionReplies(OPT_GO);
  }

  /** Reads an option's replies up to its acknowledgement, keeping what they tell; answers the meta contexts named. */
  private async optionReplies(option: number): Promise<string[]> {
    const contexts: string[] = [];
    for (;;) {
      const header = await this.incoming.take(20);
      if (header.readBigUInt64BE(0) !== OPTION_REPLY_MAGIC || header.readUInt32BE(8) !== option) throw new NbdError('Malformed NBD option reply');
      const type = header.readUInt32BE(12);
      const length = header.readUInt32BE(16);
      const data = length ? await this.incoming.take(length) : Buffer.alloc(0);
      if (type & REP_FLAG_ERROR) throw new NbdError(`The NBD server refused option ${option}: ${data.toString('utf8') || `error ${type & ~REP_FLAG_ERROR}`}`);
      if (type === REP_ACK) return contexts;
      if (type === REP_INFO && data.readUInt16BE(0) === INFO_EXPORT) {
        this.size = Number(data.readBigUInt64BE(2));
        this.readOnly = (data.readUInt16BE(10) & TRANSMISSION_READ_ONLY) !== 0;
      } else if (type === REP_META_CONTEXT) {
        const name = data.subarray(4).toString('utf8');
        contexts.push(name);
        if (option !== OPT_SET_META_CONTEXT) continue;
        if (name === ALLOCATION_CONTEXT) this.contextId = data.readUInt32BE(0);
        if (name === this.secondContext) this.secondContextId = data.readUInt32BE(0);
      }
    }
  }

  /** Reads replies for as long as the connection lives, settling the requests they answer. */
  private async receive(): Promise<void> {
    for (;;) {
      const head = await this.incoming.take(4);
      const magic = head.readUInt32BE(0);
      if (magic === SIMPLE_REPLY_MAGIC) {
        const rest = await this.incoming.take(12);
        const request = this.take(rest.readBigUInt64BE(4));
        const error = rest.readUInt32BE(0);
        if (error) request.reject(new NbdError(`NBD request failed with error ${error}`, error));
        else request.resolve(request.into ? await this.incoming.takeInto(request.into) : undefined);
      } else if (magic === STRUCTURED_REPLY_MAGIC) {
        const rest = await this.incoming.take(16);
        const flags = rest.readUInt16BE(0);
        const type = rest.readUInt16BE(2);
        const handle = rest.readBigUInt64BE(4);
        const payload = await this.incoming.take(rest.readUInt32BE(12));
        const request = this.pending.get(handle);
        if (!request) throw new NbdError('NBD reply to no request');
        if (type & REPLY_TYPE_ERROR_BIT) {
          this.take(handle).reject(new NbdError(`NBD request failed: ${payload.subarray(6).toString('utf8')}`, payload.readUInt32BE(0)));
          continue;
        }
        if (type === REPLY_TYPE_BLOCK_STATUS) {
          const list: Status[] = [];
          let start = request.offset;
          for (let at = 4; at + 8 <= payload.length; at += 8) {
            const length = payload.readUInt32BE(at);
            list.push({ start, length, flags: payload.readUInt32BE(at + 4) });
            start += length;
          }
          request.statuses?.set(payload.readUInt32BE(0), list);
        } else if (type !== REPLY_TYPE_NONE) {
          throw new NbdError(`Unexpected NBD reply type ${type}`);
        }
        if (flags & REPLY_FLAG_DONE) this.take(handle).resolve(undefined);
      } else {
        throw new NbdError('Malformed NBD reply');
      }
    }
  }

  private take(handle: bigint): Pending {
    const request = this.pending.get(handle);
    if (!request) throw new NbdError('NBD reply to no request');
    this.pending.delete(handle);
    return request;
  }

  private abort(e: Error): void {
    this.closed = true;
    this.socket.destroy();
    for (const request of this.pending.values()) request.reject(e);
    this.pending.clear();
  }

  private request(type: number, offset: number, length: number, o: { data?: Buffer; statuses?: Map<number, Status[]>; into?: Buffer; flags?: number } = {}): Promise<Buffer | undefined> {
    if (this.closed) return Promise.reject(new NbdError('NBD connection closed'));
    const handle = this.nextHandle++;
    return new Promise((resolve, reject) => {
      this.pending.set(handle, { resolve, reject, offset, statuses: o.statuses, into: o.into });
      this.socket.write(requestHeader(type, handle, offset, length, o.flags));
      if (o.data) this.socket.write(o.data);
    });
  }

  /**
   * Fills `into` from `offset`. Reads go on connections without allocation, where data follows a
   * simple reply straight into the buffer.
   */
  async read(offset: number, into: Buffer): Promise<Buffer> {
    if (this.contextId !== undefined) throw new NbdError('Reads need a connection without allocation');
    await this.request(CMD_READ, offset, into.length, { into });
    return into;
  }

  async write(offset: number, data: Buffer): Promise<void> {
    await this.request(CMD_WRITE, offset, data.length, { data });
  }

  /** Zeroes a range; the server may deallocate it unless `keepAllocated`. */
  async zero(offset: number, length: number, keepAllocated: boolean): Promise<void> {
    await this.request(CMD_WRITE_ZEROES, offset, length, { flags: keepAllocated ? CMD_FLAG_NO_HOLE : 0 });
  }

  async flush(): Promise<void> {
    await this.request(CMD_FLUSH, 0, 0);
  }

  /**
   * Block status of the whole export, in pieces that each have one value of the allocation
   * context's flags and of the second context's (undefined when the server has none).
   */
  private async statuses(each: (start: number, length: number, allocation: number, second: number | undefined) => void): Promise<void> {
    if (this.contextId === undefined) throw new NbdError('This connection did not ask for allocation');
    for (let offset = 0; offset < this.size;) {
      const statuses = new Map<number, Status[]>();
      await this.request(CMD_BLOCK_STATUS, offset, Math.min(MAX_STATUS_LENGTH, this.size - offset), { statuses });
      const zeros = statuses.get(this.contextId) ?? [];
      const seconds = this.secondContextId === undefined ? undefined : statuses.get(this.secondContextId) ?? [];
      const covered = Math.min(this.size, end(zeros), seconds ? end(seconds) : Infinity);
      if (covered <= offset) throw new NbdError('NBD block status answered nothing');
      // Both contexts cut the range their own way: each piece takes the flags of both.
      for (let at = offset, z = 0, d = 0; at < covered;) {
        while (stop(zeros[z]) <= at) z++;
        while (seconds && stop(seconds[d]) <= at) d++;
        const next = Math.min(covered, stop(zeros[z]), seconds ? stop(seconds[d]) : Infinity);
        each(at, next - at, zeros[z].flags, seconds?.[d].flags);
        at = next;
      }
      offset = covered;
    }
  }

  /**
   * Where the export holds data, where it reads as zeros, and (when the server tells allocation
   * depth) where no layer holds anything.
   */
  async allocation(): Promise<Allocation[]> {
    const out: Allocation[] = [];
    await this.statuses((start, length, flags, depth) => {
      const zero = (flags & STATE_ZERO) !== 0;
      // Depth 0: no layer holds the range.
      const hole = depth === 0;
      const last = out[out.length - 1];
      if (last && last.zero === zero && last.hole === hole) last.length += length;
      else out.push({ start, length, zero, hole });
    });
    return out;
  }

  /** Which ranges the exported bitmap marks dirty, and which read as zeros (a `dirty` connection). */
  async dirtiness(): Promise<Dirtiness[]> {
    if (this.secondContext?.startsWith(DIRTY_PREFIX) !== true) throw new NbdError('This connection did not ask for a dirty bitmap');
    const out: Dirtiness[] = [];
    await this.statuses((start, length, flags, bits) => {
      const zero = (flags & STATE_ZERO) !== 0;
      const dirty = ((bits ?? 0) & STATE_DIRTY) !== 0;
      const last = out[out.length - 1];
      if (last && last.zero === zero && last.dirty === dirty) last.length += length;
      else out.push({ start, length, dirty, zero });
    });
    return out;
  }

  /** Ends the session politely; the server closes its side. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end(requestHeader(CMD_DISC, 0n, 0, 0));
  }
}
