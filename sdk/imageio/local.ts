// Local images, seen as imageio's client sees them: qemu-nbd serves the file (raw or qcow2) as
// raw guest data over a Unix socket, so one path reads guest data and its allocation from any
// format, and writes guest data into a fresh image of any format. (Reading a qcow2 file's own
// bytes would move its metadata and could not fill a raw disk; converting to a raw copy first
// would cost a second pass and the space of the data.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { NbdConnection, StatusKind } from '../nbd-client';

const run = promisify(execFile);
const START_WAIT_MS = 10_000;

/** Formats of local images, as qemu names them. */
export type LocalFormat = 'raw' | 'qcow2';

export interface ImageInfo {
  format: LocalFormat;
  /** Bytes of guest data the image holds, zeros included: the disk size it needs. */
  virtualSize: number;
}

/** What `qemu-img info` says of a local image; only raw and qcow2 images are taken. */
export async function imageInfo(file: string): Promise<ImageInfo> {
  const { stdout } = await run('qemu-img', ['info', '--output=json', file]);
  const info = JSON.parse(stdout) as { format: string; 'virtual-size': number };
  if (info.format !== 'raw' && info.format !== 'qcow2') throw new Error(`${file} is a ${info.format} image: only raw and qcow2 images can be moved`);
  return { format: info.format, virtualSize: info['virtual-size'] };
}

/** Creates an empty (sparse) image of `size` bytes of guest data. */
export async function createImage(file: string, format: LocalFormat, size: number): Promise<void> {
  await run('qemu-img', ['create', '-q', '-f', format, file, String(size)]);
}

/** A local image served by qemu-nbd, for as many connections as asked. */
export class LocalImage {
  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly socket: string) {}

  /**
   * Serves `file` read-only (its data is read) or writable (data is written into it: zeros written
   * become holes, so the image stays sparse), to `connections` connections at once.
   */
  static async serve(file: string, format: LocalFormat, o: { writable: boolean; connections: number }): Promise<LocalImage> {
    // Direct I/O keeps the image out of the page cache and costs qemu far less CPU (imageio's
    // client does the same); file systems without it (tmpfs) get the page cache.
    try {
      return await LocalImage.start(file, format, o, ['--cache=none', '--aio=native']);
    } catch {
      return LocalImage.start(file, format, o, ['--cache=writeback', '--aio=threads']);
    }
  }

  private static async start(file: string, format: LocalFormat, o: { writable: boolean; connections: number }, cache: string[]): Promise<LocalImage> {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hangar-image-'));
    const socket = path.join(dir, 'nbd.sock');
    const child = spawn('qemu-nbd', [
      '--persistent', `--shared=${o.connections}`, '-f', format, `--socket=${socket}`, ...cache,
      ...(o.writable ? ['--discard=unmap', '--detect-zeroes=unmap'] : ['--read-only']),
      file,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    const image = new LocalImage(child, dir, socket);
    try {
      await image.listening(() => errors);
    } catch (e) {
      await image.close();
      throw e;
    }
    return image;
  }

  /** Resolves once qemu-nbd has made its socket; fails if it ends first. */
  private async listening(errors: () => string): Promise<void> {
    const started = Date.now();
    while (!fs.existsSync(this.socket)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`qemu-nbd failed: ${errors().trim()}`);
      if (Date.now() - started > START_WAIT_MS) throw new Error('qemu-nbd did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * A connection for data, or for the image's allocation (`kind: 'allocation'`). qemu-nbd makes
   * its socket file a moment before it listens on it: a connection refused then is tried again.
   */
  async connect(kind: StatusKind = 'data'): Promise<NbdConnection> {
    const started = Date.now();
    for (;;) {
      try {
        return await NbdConnection.connect(this.socket, kind);
      } catch (e) {
        if (!/ECONNREFUSED/.test((e as Error).message) || Date.now() - started > START_WAIT_MS) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /** Stops qemu-nbd (which flushes the image as it closes it) and removes its socket. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}
