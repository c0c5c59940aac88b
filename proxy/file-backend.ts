// A ticket's image as a plain file: the bytes move as they are (raw disks, and qcow2 moved in
// its own format).
import fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Backend, Extent } from './backend';
import { readInPieces, writeInPieces } from './pieces';

const run = promisify(execFile);

/** Zeroing proceeds in steps of this many bytes, written from one shared zero buffer. */
const ZERO_STEP = 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_STEP);
/** Bytes per read or write of the file. */
const PIECE = 4 * 1024 * 1024;

export class FileBackend implements Backend {
  // A regular file takes one writer safely (a qcow2 file may grow while zeroing).
  readonly maxWriters = 1;

  constructor(private readonly path: string) {}

  async size(): Promise<number> {
    return (await fs.promises.stat(this.path)).size;
  }

  async read(start: number, end: number, out: Writable): Promise<void> {
    const fh = await fs.promises.open(this.path, 'r');
    try {
      await readInPieces(out, start, end, PIECE, async (at, into) => (await fh.read(into, 0, into.length, at)).bytesRead);
    } finally {
      await fh.close();
    }
  }

  async write(offset: number, body: Readable): Promise<number> {
    const fh = await fs.promises.open(this.path, 'r+');
    try {
      return await writeInPieces(body, offset, PIECE, async (at, data) => {
        for (let done = 0; done < data.length;) done += (await fh.write(data, done, data.length - done, at + done)).bytesWritten;
      });
    } finally {
      await fh.close();
    }
  }

  /** Punches a hole (fast, and the file stays sparse); writes zeros where holes are not supported. */
  async zero(offset: number, length: number): Promise<void> {
    if (length === 0) return;
    try {
      await run('fallocate', ['--punch-hole', '--offset', String(offset), '--length', String(length), this.path]);
      return;
    } catch {
      // Falls through to writing zeros.
    }
    const fh = await fs.promises.open(this.path, 'r+');
    try {
      for (let done = 0; done < length;) {
        const n = Math.min(ZERO_STEP, length - done);
        await fh.write(ZEROS, 0, n, offset + done);
        done += n;
      }
    } finally {
      await fh.close();
    }
  }

  /** fsync flushes the file's data, whichever descriptor wrote it. */
  async flush(): Promise<void> {
    const fh = await fs.promises.open(this.path, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** From qemu-img's map of the file as raw bytes. */
  async extents(): Promise<Extent[]> {
    const { stdout } = await run('qemu-img', ['map', '--output=json', '-f', 'raw', this.path], { maxBuffer: 256 * 1024 * 1024 });
    const out: Extent[] = [];
    for (const e of JSON.parse(stdout) as { start: number; length: number; zero: boolean }[]) {
      const last = out[out.length - 1];
      if (last && last.zero === e.zero) last.length += e.length;
      else out.push({ start: e.start, length: e.length, zero: e.zero, hole: false });
    }
    return out;
  }

  release(): void {}
}
