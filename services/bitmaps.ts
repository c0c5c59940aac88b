// Checkpoints on disk: persistent dirty bitmaps of qcow2 volumes, worked with qemu-img. Each
// bitmap is added enabled, so from then on qemu records every write to the volume in it (an
// upload through qemu-nbd, a guest); it lives in the volume file, with the data it describes. A
// new volume on top of a chain (a snapshot) gets the bitmaps of the one under it, empty, as vdsm
// does: the writes since a checkpoint are then those its bitmap marks in each layer, merged.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A layer of a chain: its file and the bitmaps it holds. */
export interface Layer {
  file: string;
  bitmaps: string[];
}

type Info = { filename: string; format: string; 'format-specific'?: { data?: { bitmaps?: { name: string }[] } } };

/** The layers of a volume's chain, the volume first. */
export async function chainOf(file: string, signal?: AbortSignal): Promise<Layer[]> {
  const { stdout } = await run('qemu-img', ['info', '--backing-chain', '--output=json', '-U', file], { signal });
  return (JSON.parse(stdout) as Info[]).map((i) => ({ file: i.filename, bitmaps: (i['format-specific']?.data?.bitmaps ?? []).map((b) => b.name) }));
}

/** The names of a qcow2 volume's own persistent bitmaps. */
export async function bitmapsOf(file: string, signal?: AbortSignal): Promise<string[]> {
  return (await chainOf(file, signal))[0].bitmaps;
}

/**
 * The top layers of a chain that together mark every write since the checkpoint `name`; none
 * when a layer between lacks it (writes there went unmarked), or when the chain has no such bitmap.
 */
export function trackingSince(chain: Layer[], name: string): string[] {
  const gap = chain.findIndex((l) => !l.bitmaps.includes(name));
  const top = gap === -1 ? chain : chain.slice(0, gap);
  return chain.slice(top.length).some((l) => l.bitmaps.includes(name)) ? [] : top.map((l) => l.file);
}

/** Adds an enabled bitmap named `name`: writes from now on are marked dirty in it. */
export async function addBitmap(file: string, name: string, signal?: AbortSignal): Promise<void> {
  await run('qemu-img', ['bitmap', '--add', '--enable', '-f', 'qcow2', file, name], { signal });
}

/** Removes the bitmap `name`, if the volume has it. */
export async function removeBitmap(file: string, name: string, signal?: AbortSignal): Promise<void> {
  if (!(await bitmapsOf(file, signal)).includes(name)) return;
  await run('qemu-img', ['bitmap', '--remove', '-f', 'qcow2', file, name], { signal });
}

/** Gives a new qcow2 volume over `base` the bitmaps `base` has, empty and enabled. */
export async function carryBitmaps(base: string, volume: string, signal?: AbortSignal): Promise<void> {
  for (const name of await bitmapsOf(base, signal)) await addBitmap(volume, name, signal);
}

/**
 * Makes `scratch` a qcow2 layer over `file` (reading what the chain reads) whose bitmap `name`
 * marks every write since that checkpoint, merged from the layers that hold it: what an
 * incremental backup's NBD server exports, leaving the chain as it is.
 */
export async function mergedScratch(file: string, name: string, scratch: string, signal?: AbortSignal): Promise<void> {
  const layers = trackingSince(await chainOf(file, signal), name);
  if (!layers.length) throw new Error(`No layer of ${file} marks the writes since checkpoint ${name}`);
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', file, '-F', 'qcow2', scratch], { signal });
  await run('qemu-img', ['bitmap', '--add', '-f', 'qcow2', scratch, name], { signal });
  for (const layer of layers) await run('qemu-img', ['bitmap', '--merge', name, '-b', layer, '-F', 'qcow2', '-f', 'qcow2', scratch, name], { signal });
}
