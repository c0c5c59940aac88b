// A ticket's image as a plain file: the bytes move as they are (raw disks, and qcow2 moved in
// its own format). Aligned pieces use direct I/O where the file system has it: images bypass the
// page cache, which saves a copy of every byte and leaves the machine's memory to others.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Backend, Extent } from './backend';
import { ALIGNMENT, isAligned } from './aligned';
import { ProxyError } from './http-util';

const run = promisify(execFile);

/** Where hole punching is not supported, zeros are written in steps of this size. */
const ZERO_STEP = 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_STEP);

/** `data` at `at` as the parts one descriptor each moves: its aligned length, then the tail. */
function split(at: number, data: Buffer): [number, Buffer][] {
  const whole = data.length - (data.length % ALIGNMENT);
  if (whole === 0 || whole === data.length) return [[at, data]];
  return [[at, data.subarray(0, whole)], [at + whole, data.subarray(whole)]];
}

export class FileBackend implements Backend {
  // A regular file takes one writer safely (a qcow2 file may grow while zeroing).
  readonly maxWriters = 1;
  private handle?: Promise<fs.promises.FileHandle>;
  /** The file opened for direct I/O; undefined where the file system does not allow it. */
  private directHandle?: Promise<fs.promises.FileHandle | undefined>;

  /** `sparse`: zeroing may deallocate. */
  constructor(private readonly path: string, private readonly write: boolean, private readonly sparse: boolean) {}

  /**
   * The file, opened on first use and kept for the request. A ticket naming no file is its
   * control plane's mistake, not a failure of the server: the client is told the image is not there.
   */
  private file(): Promise<fs.promises.FileHandle> {
    this.handle ??= fs.promises.open(this.path, this.write ? 'r+' : 'r').catch((e: unknown) => {
      throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? new ProxyError(404, "The ticket's image does not exist", true) : e;
    });
    return this.handle;
  }

  /**
   * The descriptor for moving `data` at `at`: the direct one when offset, length and memory are
   * aligned and the file system takes direct I/O (tmpfs, for one, does not), else the cached one.
   */
  private async fileFor(at: number, data: Buffer): Promise<fs.promises.FileHandle> {
    if (at % ALIGNMENT !== 0 || data.length % ALIGNMENT !== 0 || !isAligned(data)) return this.file();
    this.directHandle ??= fs.promises.open(this.path, (this.write ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | fs.constants.O_DIRECT).catch(() => undefined);
    return (await this.directHandle) ?? this.file();
  }

  async size(): Promise<number> {
    return (await (await this.file()).stat()).size;
  }

  async pread(at: number, into: Buffer): Promise<number> {
    let read = 0;
    for (const [offset, part] of split(at, into)) {
      const n = (await (await this.fileFor(offset, part)).read(part, 0, part.length, offset)).bytesRead;
      read += n;
      if (n < part.length) break;
    }
    return read;
  }

  async pwrite(at: number, data: Buffer): Promise<void> {
    for (const [offset, part] of split(at, data)) {
      const fh = await this.fileFor(offset, part);
      for (let done = 0; done < part.length;) done += (await fh.write(part, done, part.length - done, offset + done)).bytesWritten;
    }
  }

  /**
   * Punches a hole (sparse images stay sparse), or else zeroes the range keeping it allocated;
   * both are fast. Writes zeros where the file system can do neither.
   */
  async zero(offset: number, length: number): Promise<void> {
    if (length === 0) return;
    try {
      await run('fallocate', [this.sparse ? '--punch-hole' : '--zero-range', '--offset', String(offset), '--length', String(length), this.path]);
      return;
    } catch {
      // Falls through to writing zeros.
    }
    for (let done = 0; done < length; done += ZERO_STEP) await this.pwrite(offset + done, ZEROS.subarray(0, Math.min(ZERO_STEP, length - done)));
  }

  /** fsync flushes the file's data, whichever descriptor wrote it, and the device's cache. */
  async flush(): Promise<void> {
    await (await this.file()).sync();
  }

  /** From qemu-img's map of the file as raw bytes. */
  async extents(): Promise<Extent[]> {
    await this.file();
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
    const handles = [this.handle, this.directHandle];
    this.handle = this.directHandle = undefined;
    // A file that never opened has nothing to give back.
    for (const handle of handles) await (await handle?.catch(() => undefined))?.close();
  }
}
