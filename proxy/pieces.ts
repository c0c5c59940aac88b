// Images move in large pieces through two aligned buffers per request, reused from piece to piece
// and from request to request: few system calls per gigabyte, no garbage for the collector, memory
// bounded whatever the length, and storage may use direct I/O.
import { once } from 'node:events';
import { Readable, Writable, finished } from 'node:stream';
import { ALIGNMENT, AlignedPool, Pair } from './aligned';

/** Keeps a promise's rejection for whoever awaits it later, without an unhandled rejection now. */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * How many bytes the piece at `at` takes: a whole buffer, except that a piece starting between
 * aligned offsets ends at the next one, so that every later piece starts aligned.
 */
function pieceLength(at: number, size: number): number {
  const misaligned = at % ALIGNMENT;
  return misaligned ? ALIGNMENT - misaligned : size;
}

/**
 * Gathers what is written to it into pieces and hands each to `write` at its offset, gathering
 * the next piece while the previous one is being written. Most chunks only copy and return: the
 * stream's own callbacks carry them, without a promise each.
 */
class PieceWriter extends Writable {
  private readonly size: number;
  private current = 0;
  private filled = 0;
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly buffers: Pair, public at: number, private readonly writePiece: (at: number, data: Buffer) => Promise<void>) {
    super({ highWaterMark: buffers[0].length });
    this.size = buffers[0].length;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    let used = 0;
    const copy = (): void => {
      while (used < chunk.length) {
        const wanted = pieceLength(this.at, this.size);
        const n = Math.min(chunk.length - used, wanted - this.filled);
        chunk.copy(this.buffers[this.current], this.filled, used, used + n);
        this.filled += n;
        used += n;
        if (this.filled === wanted) {
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

/**
 * Moves `body` into `sink`. A failing write leaves `body` as it is (unlike a pipeline, which
 * would destroy it, and with it a request's connection): the caller may still answer.
 */
function drain(body: Readable, sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (e: Error) => {
      body.unpipe(sink);
      reject(e);
    };
    sink.once('error', stop).once('finish', resolve);
    finished(body, (e) => e && stop(e));
    body.pipe(sink);
  });
}

/** Writes `body` from `offset` through `write`, in pieces of the pool's size; answers the bytes written. */
export async function writeInPieces(body: Readable, offset: number, pool: AlignedPool, write: (at: number, data: Buffer) => Promise<void>): Promise<number> {
  const buffers = pool.take();
  const sink = new PieceWriter(buffers, offset, write);
  await drain(body, sink);
  // Only now is no write using the buffers any more.
  pool.give(buffers);
  return sink.at - offset;
}

/** Resolves once `out` has taken `data` (its write callback); rejects if `out` closes first. */
function handOver(out: Writable, data: Buffer, closed: Promise<never>): Promise<void> {
  const taken = new Promise<void>((resolve, reject) => out.write(data, (e) => (e ? reject(e) : resolve())));
  return settledLater(Promise.race([taken, closed]));
}

/**
 * Sends bytes [start, end) to `out`, one piece of the pool's size at a time: `read` fills a buffer
 * while `out` still takes the previous one. A buffer is refilled only once `out` has taken it.
 */
export async function readInPieces(out: Writable, start: number, end: number, pool: AlignedPool, read: (at: number, into: Buffer) => Promise<number>): Promise<void> {
  const buffers = pool.take();
  const handed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  const closed = settledLater(once(out, 'close').then(() => {
    throw new Error('The client went away');
  }));
  let current = 0;
  for (let at = start; at < end;) {
    await handed[current];
    const into = buffers[current].subarray(0, Math.min(pieceLength(at, buffers[current].length), end - at));
    const n = await read(at, into);
    if (n === 0) throw new Error(`The image ends at ${at}, before ${end}`);
    handed[current] = handOver(out, into.subarray(0, n), closed);
    at += n;
    current ^= 1;
  }
  await Promise.all(handed);
  pool.give(buffers);
  out.end();
}
