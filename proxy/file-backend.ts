// A ticket's image as a plain file: the bytes move as they are (raw disks, and qcow2 moved in
// its own format).
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Backend, Extent } from './backend';

const run = promisify(execFile);

/** Where hole punching is not supported, zeros are written in steps of this size. */
const ZERO_STEP = 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_STEP);

export class FileBackend implements Backend {
  // A regular file takes one writer safely (a qcow2 file may grow while zeroing).
  readonly maxWriters = 1;
  private handle?: Promise<fs.promises.FileHandle>;

  constructor(private readonly path: string, private readonly write: boolean) {}

  /** The file, opened on first use and kept for the request. */
  private file(): Promise<fs.promises.FileHandle> {
    this.handle ??= fs.promises.open(this.path, this.write ? 'r+' : 'r');
    return this.handle;
  }

  async size(): Promise<number> {
    return (await (await this.file()).stat()).size;
  }

  async pread(at: number, into: Buffer): Promise<number> {
    return (await (await this.file()).read(into, 0, into.length, at)).bytesRead;
  }

  async pwrite(at: number, data: Buffer): Promise<void> {
    const fh = await this.file();
    for (let done = 0; done < data.length;) done += (await fh.write(data, done, data.length - done, at + done)).bytesWritten;
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
    for (let done = 0; done < length; done += ZERO_STEP) await this.pwrite(offset + done, ZEROS.subarray(0, Math.min(ZERO_STEP, length - done)));
  }

  /** fsync flushes the file's data, whichever descriptor wrote it. */
  async flush(): Promise<void> {
    await (await this.file()).sync();
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

  async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }
}
