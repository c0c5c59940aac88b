// Images move in large pieces through two aligned buffers per request, reused from piece to piece
// and from request to request: few system calls per gigabyte, no garbage for the collector, memory
// bounded whatever the length, and storage may use direct I/O.
import { once } from 'node:events';
import { Readable, Writable, finished } from 'node:stream';
import { ALIGNMENT, AlignedPool } from './aligned';

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
 * Writes `body` from `offset` through `write`, in pieces of the pool's size; answers the bytes
 * written. The body's chunks are copied straight into the piece being gathered, while the one
 * before is being written: no stream between the request and the backend. A failing write leaves
 * `body` as it is, paused (a pipeline would destroy it, and with it a request's connection): the
 * caller may still answer.
 */
export function writeInPieces(body: Readable, offset: number, pool: AlignedPool, write: (at: number, data: Buffer) => Promise<void>): Promise<number> {
  const buffers = pool.take();
  const size = buffers[0].length;
  /** Whether a write still uses each buffer: it is filled again only once its write is done. */
  const busy = [false, false];
  let current = 0;
  let filled = 0;
  let at = offset;
  // Writes go one after the other, in the order of their pieces.
  let writes: Promise<void> = Promise.resolve();
  /** Goes on with the rest of a chunk once the buffer it needs is free. */
  let waiting: (() => void) | undefined;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      body.off('data', take).off('end', end);
      body.pause();
      reject(e);
    };
    const send = () => {
      const i = current;
      const piece = buffers[i].subarray(0, filled);
      const pieceAt = at;
      busy[i] = true;
      at += filled;
      filled = 0;
      current ^= 1;
      writes = writes.then(() => write(pieceAt, piece));
      writes.then(() => {
        busy[i] = false;
        waiting?.();
      }, fail);
    };
    function take(chunk: Buffer): void {
      for (let used = 0; used < chunk.length;) {
        if (busy[current]) {
          body.pause();
          waiting = () => {
            waiting = undefined;
            take(chunk.subarray(used));
            if (!failed && !waiting) body.resume();
          };
          return;
        }
        const wanted = pieceLength(at, size);
        const n = Math.min(chunk.length - used, wanted - filled);
        chunk.copy(buffers[current], filled, used, used + n);
        filled += n;
        used += n;
        if (filled === wanted) send();
      }
    }
    function end(): void {
      if (filled) send();
      writes.then(() => {
        // Only now is no write using the buffers any more.
        pool.give(buffers);
        resolve(at - offset);
      }, fail);
    }
    body.on('data', take).once('end', end);
    finished(body, (e) => e && fail(e));
  });
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
