// Request bodies are written in large pieces: few system calls per gigabyte, and memory bounded
// by two pieces per request whatever the body's length.
import { Readable } from 'node:stream';

/** Keeps a promise's rejection for whoever awaits it later, without an unhandled rejection now. */
export function settledLater<T>(p: Promise<T>): Promise<T> {
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
