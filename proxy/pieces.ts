// Images move in large pieces through two buffers per request, reused from piece to piece: few
// system calls per gigabyte, no garbage for the collector, and memory bounded whatever the length.
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Keeps a promise's rejection for whoever awaits it later, without an unhandled rejection now. */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * Gathers what is written to it into pieces of `size` bytes and hands each to `write` at its
 * offset, gathering the next piece while the previous one is being written. Most chunks only
 * copy and return: the stream's own callbacks carry them, without a promise each.
 */
class PieceWriter extends Writable {
  private readonly buffers: Buffer[];
  private current = 0;
  private filled = 0;
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly size: number, public at: number, private readonly writePiece: (at: number, data: Buffer) => Promise<void>) {
    super({ highWaterMark: size });
    this.buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    let used = 0;
    const copy = (): void => {
      while (used < chunk.length) {
        const n = Math.min(chunk.length - used, this.size - this.filled);
        chunk.copy(this.buffers[this.current], this.filled, used, used + n);
        this.filled += n;
        used += n;
        if (this.filled === this.size) {
          this.send().then(copy, done);
          return;
        }
      }
      done();
    };
    copy();
  }

  override _final(done: (e?: Error | null) => void): void {
    (this.filled ? this.send() : Promise.resolve()).then(() => this.inflight).then(() => done(), done);
  }

  /** Starts writing the current piece once the previous one is written. */
  private async send(): Promise<void> {
    await this.inflight;
    this.inflight = settledLater(this.writePiece(this.at, this.buffers[this.current].subarray(0, this.filled)));
    this.at += this.filled;
    this.filled = 0;
    this.current ^= 1;
  }
}

/** Writes `body` from `offset` through `write`, in pieces of `size` bytes; answers the bytes written. */
export async function writeInPieces(body: Readable, offset: number, size: number, write: (at: number, data: Buffer) => Promise<void>): Promise<number> {
  const sink = new PieceWriter(size, offset, write);
  await pipeline(body, sink);
  return sink.at - offset;
}

/** Resolves once `out` has taken `data` (its write callback); rejects if `out` closes first. */
function handOver(out: Writable, data: Buffer, closed: Promise<never>): Promise<void> {
  const taken = new Promise<void>((resolve, reject) => out.write(data, (e) => (e ? reject(e) : resolve())));
  return settledLater(Promise.race([taken, closed]));
}

/**
 * Sends bytes [start, end) to `out`, one piece of `size` bytes at a time: `read` fills a buffer
 * while `out` still takes the previous one. A buffer is refilled only once `out` has taken it.
 */
export async function readInPieces(out: Writable, start: number, end: number, size: number, read: (at: number, into: Buffer) => Promise<number>): Promise<void> {
  const buffers = [Buffer.allocUnsafe(Math.min(size, end - start)), Buffer.allocUnsafe(Math.min(size, end - start))];
  const handed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  const closed = settledLater(once(out, 'close').then(() => {
    throw new Error('The client went away');
  }));
  let current = 0;
  for (let at = start; at < end;) {
    await handed[current];
    const into = buffers[current].subarray(0, Math.min(buffers[current].length, end - at));
    const n = await read(at, into);
    if (n === 0) throw new Error(`The image ends at ${at}, before ${end}`);
    handed[current] = handOver(out, into.subarray(0, n), closed);
    at += n;
    current ^= 1;
  }
  await Promise.all(handed);
  out.end();
}
