// Images move in large pieces through two buffers per request, reused from piece to piece: few
// system calls per gigabyte, no garbage for the collector, and memory bounded whatever the length.
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';

/** Keeps a promise's rejection for whoever awaits it later, without an unhandled rejection now. */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * Writes `body` from `offset` through `write`, one piece of `size` bytes at a time, gathering
 * the next piece while the previous one is being written. Answers the bytes written.
 */
export async function writeInPieces(body: Readable, offset: number, size: number, write: (at: number, data: Buffer) => Promise<void>): Promise<number> {
  const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  let current = 0;
  let filled = 0;
  let at = offset;
  let inflight: Promise<void> = Promise.resolve();
  const send = async () => {
    await inflight;
    inflight = settledLater(write(at, buffers[current].subarray(0, filled)));
    at += filled;
    filled = 0;
    current ^= 1;
  };
  for await (const chunk of body as AsyncIterable<Buffer>) {
    for (let used = 0; used < chunk.length;) {
      const n = Math.min(chunk.length - used, size - filled);
      chunk.copy(buffers[current], filled, used, used + n);
      filled += n;
      used += n;
      if (filled === size) await send();
    }
  }
  if (filled) await send();
  await inflight;
  return at - offset;
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
