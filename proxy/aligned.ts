// Page-aligned buffers, as direct I/O needs them: storage then moves bytes straight from the
// buffer, without the page cache. Node cannot align a Buffer's memory, but WebAssembly memory
// always starts on a page boundary, so these buffers are views of it. Requests take a pair and
// give it back, so the memory is allocated once and reused from request to request.

/** The alignment direct I/O gets: enough for any storage block size up to 4 KiB. */
export const ALIGNMENT = 4096;
const WASM_PAGE = 64 * 1024;
/** Pairs kept for later requests; more than this many idle pairs are left to the collector. */
const KEEP_IDLE = 8;

/** Memory handed out by a pool, so direct I/O can tell an aligned buffer from any other. */
const alignedMemory = new WeakSet<ArrayBufferLike>();

/** Whether `data` starts on an aligned address (its length is the caller's to check). */
export function isAligned(data: Buffer): boolean {
  return alignedMemory.has(data.buffer) && data.byteOffset % ALIGNMENT === 0;
}

export type Pair = [Buffer, Buffer];

export class AlignedPool {
  private readonly idle: Pair[] = [];

  /** `size` bytes per buffer, a multiple of the alignment. */
  constructor(readonly size: number) {}

  take(): Pair {
    const kept = this.idle.pop();
    if (kept) return kept;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((2 * this.size) / WASM_PAGE) }).buffer;
    alignedMemory.add(memory);
    return [Buffer.from(memory, 0, this.size), Buffer.from(memory, this.size, this.size)];
  }

  /** Only for pairs no I/O uses any more: a request that failed midway just drops its pair. */
  give(pair: Pair): void {
    if (this.idle.length < KEEP_IDLE) this.idle.push(pair);
  }
}
