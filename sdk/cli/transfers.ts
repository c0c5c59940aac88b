// `hangar upload` and `hangar download`: disk images through the SDK's image transfers, with a
// progress bar (bytes, rate, time left) on a terminal, and a line for each resumed request.
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import * as T from '../../model/types';
import { attributeOf } from '../../model/meta';
import { TransferResult, download, upload } from '../transfers';
import { Output, formatOne } from './output';
import { Session } from './session';
import { Globals, outputOption, print } from './tree-commands';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
function bytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${UNITS[i]}`;
}

/**
 * What a transfer shows as it goes: a bar on stderr when it is a terminal and the output a table
 * (scripts reading JSON, YAML or XML see none); retried requests are told either way.
 */
function progressOf(output: Output) {
  const shown = Boolean(process.stderr.isTTY) && output === 'table';
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {percentage}% | {done} of {size} | {rate}/s | ETA {eta_formatted}{note}',
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = 0;
  let running = false;
  let note = '';
  return {
    progress(done: number, total: number) {
      if (!shown) return;
      if (!running) started = Date.now();
      const payload = { done: bytes(done), size: bytes(total), rate: bytes(done / Math.max((Date.now() - started) / 1000, 0.001)), note };
      if (!running) {
        bar.start(total, done, payload);
        running = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    retried(e: Error) {
      note = ` | resuming after: ${e.message}`;
      if (!shown) process.stderr.write(`hangar: resuming after: ${e.message}\n`);
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

/** Runs a transfer with the progress shown, then prints the disk. */
async function moving(output: Output, move: (p: ReturnType<typeof progressOf>) => Promise<TransferResult>): Promise<void> {
  const p = progressOf(output);
  let result: TransferResult;
  try {
    result = await move(p);
  } finally {
    p.stop();
  }
  print(formatOne(T.Disk, result.disk, output));
}

const diskDoc = (name: string) => attributeOf(T.Disk, name)!.doc;

export function addTransferCommands(program: Command, session: (g: Globals) => Promise<Session>): void {
  program.command('upload <file>')
    .description('Uploads the guest data of a local raw or qcow2 image to a new disk (or to --disk), moving only its data; a dropped connection is resumed')
    .addOption(outputOption())
    .option('--storage-domain <name|id>', 'The storage domain of the disk made')
    .option('--disk <name|id>', 'An existing disk to write instead of making one')
    .option('--name <name>', `${diskDoc('name')} (default: the file's name)`)
    .addOption(new Option('--format <format>', `${diskDoc('format')} (default: the image's)`).choices(T.DiskFormat.values))
    .option('--no-sparse', `Allocates the disk made whole: ${diskDoc('sparse')}`)
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals & { storageDomain?: string; disk?: string; name?: string; format?: 'cow' | 'raw'; sparse: boolean };
      if (!g.storageDomain && !g.disk) throw new Error('Give --storage-domain to make a disk in, or --disk to write');
      const s = await session(g);
      const disk = g.disk === undefined ? undefined : String((await s.ref(T.Disk, g.disk, false)).id);
      await moving(g.output, (p) => upload(s.conn, file, {
        disk, storageDomain: g.storageDomain, name: g.name, format: g.format, sparse: g.sparse, onRetry: p.retried,
      }, p.progress));
    });
  program.command('download <disk> <file>')
    .description('Downloads the guest data of a disk (by name or id) into a new local image, qcow2 unless the file is named .raw, .img or .iso')
    .addOption(outputOption())
    .addOption(new Option('--format <format>', 'The format of the local image').choices(['raw', 'qcow2']))
    .action(async (diskKey: string, file: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals & { format?: 'raw' | 'qcow2' };
      const s = await session(g);
      const id = String((await s.ref(T.Disk, diskKey, false)).id);
      await moving(g.output, (p) => download(s.conn, id, file, { format: g.format, onRetry: p.retried }, p.progress));
    });
}
