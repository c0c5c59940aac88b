// NBD servers for transfers of guest data: qemu-nbd serves a volume (and its backing chain) as
// raw guest bytes, converting to and from its own format as the data plane reads and writes.
// Each server runs detached, known by its socket and pid file, so any engine process (and a
// restarted one) finds it; a transfer has at most one.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { privateDir, privateDirPath } from './private-dir';
import { mergedScratch } from './bitmaps';

const run = promisify(execFile);

/** Unix socket paths are short (108 bytes): sockets and pid files are in a private directory under the temporary one. */
const RUN_DIR = 'hangar-nbd';
const START_WAIT_MS = 10_000;

/**
 * qemu-nbd allocates a buffer per request and frees it after. With glibc's defaults a buffer of
 * a few MiB is mapped and unmapped each time, and its pages fault in anew on every request: that
 * cost ten times the CPU of moving the data (7.6 s against 0.8 s per 2 GiB uploaded). Kept in
 * the heap and never trimmed, the same memory serves request after request.
 */
const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824';
const serverEnv = () => ({ ...process.env, GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, MALLOC_TUNABLES].filter(Boolean).join(':') });
/** How long a server has to flush and stop on SIGTERM; then it is killed, and has this long again to go. */
const STOP_WAIT_MS = 5_000;

export interface NbdExport {
  image: string;
  /** qemu's name of the volume's format. */
  format: string;
  readOnly: boolean;
  /** Only this volume, without its backing chain: what it does not hold reads as holes. */
  shallow?: boolean;
  /**
   * A checkpoint whose writes since to offer as the `qemu:dirty-bitmap:` context: its bitmaps in
   * the volume's chain, merged in a scratch layer over the volume, which the server exports.
   */
  bitmap?: string;
}

export const nbdSocket = (transferId: string) => path.join(privateDirPath(RUN_DIR), `${transferId}.sock`);
const pidFile = (transferId: string) => path.join(privateDirPath(RUN_DIR), `${transferId}.pid`);
const scratchFile = (transferId: string) => path.join(privateDirPath(RUN_DIR), `${transferId}.scratch.qcow2`);

/** Whether a process lives; a zombie does not (the daemon's reaper may be slow to collect it). */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is the transfer's qemu-nbd: this user's process, started with its socket. A pid
 * file outlives its server, and the pid may since name any other process.
 */
function servesTransfer(pid: number, transferId: string): boolean {
  try {
    const [command, ...args] = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return fs.statSync(`/proc/${pid}`).uid === process.getuid?.() && path.basename(command) === 'qemu-nbd' &&
      args.includes(`--socket=${nbdSocket(transferId)}`);
  } catch {
    return false;
  }
}

/** The process of a transfer's server, if it runs. */
export function recordedPid(transferId: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(transferId), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 && alive(pid) && servesTransfer(pid, transferId) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the transfer's server unless it runs already; resolves once it accepts connections. */
export async function ensureNbdServer(transferId: string, target: NbdExport): Promise<string> {
  await privateDir(RUN_DIR);
  if (recordedPid(transferId) !== undefined && fs.existsSync(nbdSocket(transferId))) return nbdSocket(transferId);
  await stopNbdServer(transferId);
  let image = target.image;
  if (target.bitmap !== undefined) {
    image = scratchFile(transferId);
    await mergedScratch(target.image, target.bitmap, image);
  }
  const args = (cache: string[]) => [
    '--fork', '--persistent', '--shared=0', ...cache,
    `--socket=${nbdSocket(transferId)}`, `--pid-file=${pidFile(transferId)}`,
    // Zeros written by clients become holes: uploads of sparse images stay sparse.
    ...(target.readOnly ? ['--read-only'] : ['--discard=unmap', '--detect-zeroes=unmap']),
    ...(target.bitmap !== undefined ? [`--bitmap=${target.bitmap}`] : []),
    // A single layer tells which ranges it holds (allocation depth 0 is a hole).
    ...(target.shallow
      ? ['--allocation-depth', `json:${JSON.stringify({ driver: target.format, file: { driver: 'file', filename: image }, backing: null })}`]
      : ['-f', target.format, image]),
  ];
  // With --fork, qemu-nbd returns once the server listens. Direct I/O costs qemu half the CPU
  // of going through the page cache; file systems without it (tmpfs) get the page cache.
  try {
    await run('qemu-nbd', args(['--cache=none', '--aio=native']), { timeout: START_WAIT_MS, env: serverEnv() });
  } catch {
    await run('qemu-nbd', args(['--cache=writeback', '--aio=threads']), { timeout: START_WAIT_MS, env: serverEnv() });
  }
  return nbdSocket(transferId);
}

/** Sends `signal` to `pid`; answers whether the process is gone within the stop wait. */
async function stopped(pid: number, signal: NodeJS.Signals): Promise<boolean> {
  process.kill(pid, signal);
  const started = Date.now();
  while (alive(pid)) {
    if (Date.now() - started > STOP_WAIT_MS) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Stops the transfer's server, if any; qemu-nbd flushes the image as it closes it. */
export async function stopNbdServer(transferId: string): Promise<void> {
  await privateDir(RUN_DIR);
  const pid = recordedPid(transferId);
  if (pid !== undefined) {
    // What the client flushed is on disk; a server that has not stopped when the wait ends (a
    // loaded machine) is killed, and an upload's check on finalize finds what that cost.
    if (!(await stopped(pid, 'SIGTERM')) && !(await stopped(pid, 'SIGKILL'))) throw new Error(`qemu-nbd ${pid} did not stop`);
  }
  await fs.promises.rm(nbdSocket(transferId), { force: true });
  await fs.promises.rm(pidFile(transferId), { force: true });
  await fs.promises.rm(scratchFile(transferId), { force: true });
}
