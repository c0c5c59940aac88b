// Tar archives as oVirt's OVF stores and OVAs are: written by tar(1) with whole members (never
// sparse ones), read here by their headers so that each member is found at its offset, where
// qemu-img reads a disk image in place.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { badRequest } from './fault';

const run = promisify(execFile);
const BLOCK = 512;

export interface TarMember {
  name: string;
  /** Where the member's data starts in the archive. */
  offset: number;
  size: number;
}

/**
 * Writes a tar of `documents` then the `files` (name → path, in order), through a temporary file
 * renamed into place.
 */
export async function writeTar(target: string, documents: { name: string; text: string }[], signal?: AbortSignal, files: { name: string; path: string }[] = []): Promise<void> {
  const work = await fs.promises.mkdtemp(path.join(path.dirname(target), '.tar-'));
  const partial = `${target}.partial`;
  try {
    for (const d of documents) await fs.promises.writeFile(path.join(work, d.name), d.text);
    for (const f of files) await fs.promises.symlink(f.path, path.join(work, f.name));
    const names = [...documents.map((d) => d.name), ...files.map((f) => f.name)];
    // An archive of nothing is its two zero end blocks, padded to a record, as tar writes it.
    if (names.length) await run('tar', ['-cf', partial, '--dereference', '--format=gnu', '-C', work, '--', ...names], { signal });
    else await fs.promises.writeFile(partial, Buffer.alloc(10240));
    await fs.promises.rename(partial, target);
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
    await fs.promises.rm(partial, { force: true });
  }
}

const field = (b: Buffer, start: number, length: number) => b.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');

/** The regular files of an archive, in their order; refuses what is not a tar. */
export async function tarIndex(file: string): Promise<TarMember[]> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { size: total } = await fh.stat();
    const members: TarMember[] = [];
    const header = Buffer.alloc(BLOCK);
    let longName: string | undefined;
    for (let at = 0; at + BLOCK <= total;) {
      await fh.read(header, 0, BLOCK, at);
      if (header.every((b) => b === 0)) break;
      if (field(header, 257, 5) !== 'ustar') throw badRequest(`${file} is not a tar archive`);
      const size = parseInt(field(header, 124, 12).trim() || '0', 8);
      const type = field(header, 156, 1);
      const data = at + BLOCK;
      if (type === 'L') {
        const name = Buffer.alloc(size);
        await fh.read(name, 0, size, data);
        longName = name.toString('utf8').replace(/\0.*$/s, '');
      } else {
        const prefix = field(header, 345, 155);
        const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
        longName = undefined;
        if (type === '0' || type === '') members.push({ name, offset: data, size });
      }
      at = data + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    await fh.close();
  }
}

/** The text of a member. */
export async function tarText(file: string, m: TarMember): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(m.size);
    await fh.read(b, 0, m.size, m.offset);
    return b.toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * How qemu-img names a member's image in place, its format probed. qemu's raw driver takes whole
 * 512-byte sectors only, and a qcow2 file may end inside one: the member is read up to its
 * padding's end, which tar fills with zeros.
 */
export const memberImage = (file: string, m: TarMember) =>
  `json:${JSON.stringify({ file: { driver: 'raw', offset: m.offset, size: Math.ceil(m.size / BLOCK) * BLOCK, file: { driver: 'file', filename: file } } })}`;
