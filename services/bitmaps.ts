// Checkpoints on disk: persistent dirty bitmaps of qcow2 volumes, worked with qemu-img. Each
// bitmap is added enabled, so from then on qemu records every write to the volume in it (an
// upload through qemu-nbd, a guest); it lives in the volume file, with the data it describes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The names of a qcow2 volume's persistent bitmaps. */
export async function bitmapsOf(file: string, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await run('qemu-img', ['info', '--output=json', '-U', '-f', 'qcow2', file], { signal });
  const info = JSON.parse(stdout) as { 'format-specific'?: { data?: { bitmaps?: { name: string }[] } } };
  return (info['format-specific']?.data?.bitmaps ?? []).map((b) => b.name);
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
