// Storage on the file system: each storage domain is a directory, each disk a file in it
// (sparse raw, or qcow2 made by qemu-img), laid out as oVirt lays out file domains.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Obj, isObj } from '../model/codec';
import { badRequest, conflict } from './fault';
import { StoragePlaces } from './storage-places';
import { withinTime } from './file-work';
import { tarIndex, tarText, writeTar } from './tar';
import { carryBitmaps } from './bitmaps';

const run = promisify(execFile);

/** The image directory oVirt uses for the files of ISO domains. */
export const ISO_IMAGE_ID = '11111111-1111-1111-1111-111111111111';

export interface VolumeInfo {
  size: number;
  format: 'cow' | 'raw';
  compat?: string;
  /** The volume id of the backing file, in the same disk's directory. */
  backing?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SpaceUsage {
  available: number;
  used: number;
}

/** A host name or address: one path component, never `.` or `..`. */
const NFS_SERVER = /^[A-Za-z0-9:][A-Za-z0-9.:-]{0,252}$/;

/** The file of a domain's metadata, which tells a directory the engine made for the domain. */
const metadataFile = (dir: string) => path.join(dir, 'dom_md', 'metadata');

/** What oVirt's file domains keep in dom_md/metadata, in its key=value form. */
function metadataOf(sd: Obj): string {
  const storage = sd.storage as Obj;
  return [
    // oVirt's classes: an export domain is a backup one.
    `CLASS=${({ iso: 'Iso', export: 'Backup' } as Record<string, string>)[String(sd.type)] ?? 'Data'}`,
    `DESCRIPTION=${String(sd.name ?? '').replace(/\n/g, ' ')}`,
    `SDUUID=${String(sd.id)}`,
    `TYPE=${String(storage.type).toUpperCase()}`,
    `VERSION=${String(sd.storage_format ?? 'v5').replace(/^v/, '')}`,
  ].join('\n') + '\n';
}

/** A volume of a disk on the domain at hand, with its format (`cow` or `raw`). */
export type VolumeRef = {
  disk: string;
  volume: string;
  format: string;
};

export class Storage {
  private readonly places: StoragePlaces;

  constructor(private readonly dataDir: string, roots: readonly string[], private readonly fsTimeout: number) {
    this.places = new StoragePlaces(dataDir, roots);
  }

  /** The directory a domain's `storage` element stands for; refused unless domains may live there. */
  exportDir(storage: Obj): string {
    const type = String(storage.type);
    const target = String(storage.path ?? '');
    if (!path.isAbsolute(target)) throw badRequest(`storage.path must be an absolute path, got '${target}'`);
    let dir: string;
    switch (type) {
      case 'nfs': {
        const address = String(storage.address ?? '');
        if (!NFS_SERVER.test(address)) throw badRequest(`storage.address must name the NFS server, got '${address}'`);
        // An NFS export stands for a directory under the data dir: exports/<server>/<path>.
        dir = path.join(this.dataDir, 'exports', address, path.normalize(target));
        break;
      }
      case 'localfs':
      case 'posixfs':
        dir = path.normalize(target);
        break;
      default:
        throw badRequest(`storage.type '${type}' is not supported: use nfs, localfs or posixfs`);
    }
    this.places.check(dir);
    return dir;
  }

  /** The real path of a directory outside domains the engine writes to or reads from (an OVA's), refused where domains may not live. */
  async place(dir: string, what: string): Promise<string> {
    if (!path.isAbsolute(dir)) throw badRequest(`${what} must be an absolute path, got '${dir}'`);
    return withinTime(this.fsTimeout, `resolving ${dir}`, () => this.places.resolve(path.normalize(dir), what));
  }

  /**
   * Makes the domain's own directory in its export (made first for nfs, checked for localfs and
   * posixfs) with its metadata and images directory, as oVirt lays out file domains.
   */
  async createDomain(sd: Obj): Promise<void> {
    const storage = sd.storage as Obj;
    const exportDir = this.exportDir(storage);
    if (storage.type === 'nfs') await fs.promises.mkdir(exportDir, { recursive: true });
    const real = await this.places.resolve(exportDir);
    if (!(await fs.promises.stat(real)).isDirectory()) throw badRequest(`storage.path '${exportDir}' is not a directory`);
    // Each directory is made alone, never `recursive`: that loops for ever where mkdir answers
    // ENOENT for an existing parent (/proc).
    const dir = path.join(real, String(sd.id));
    await fs.promises.mkdir(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') throw conflict(`storage.path '${exportDir}' already holds a directory for domain ${String(sd.id)}`);
      throw badRequest(`Cannot make the domain's directory in storage.path '${exportDir}': ${e.code ?? e.message}`);
    });
    try {
      await fs.promises.mkdir(path.dirname(metadataFile(dir)));
      await fs.promises.writeFile(metadataFile(dir), metadataOf(sd), { flag: 'wx' });
      await fs.promises.mkdir(path.join(dir, 'images'));
      if (sd.type === 'iso') await fs.promises.mkdir(path.join(dir, 'images', ISO_IMAGE_ID));
    } catch (e) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw badRequest(`Cannot make the domain's directory in storage.path '${exportDir}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }

  domainDir(sd: Obj): string {
    return path.join(this.exportDir(sd.storage as Obj), String(sd.id));
  }

  /** Where the images of an ISO domain are kept. */
  isoDir(sd: Obj): string {
    return path.join(this.domainDir(sd), 'images', ISO_IMAGE_ID);
  }

  /**
   * Removes what `createDomain` made and only that: the domain's metadata and images, then its
   * directory unless something else is in it. A directory without the domain's metadata is not
   * the engine's, and stays as it is.
   */
  async formatDomain(sd: Obj): Promise<void> {
    const dir = path.join(await this.places.resolve(this.exportDir(sd.storage as Obj)), String(sd.id));
    const st = await fs.promises.lstat(dir).catch(() => undefined);
    if (st === undefined) return;
    const metadata = st.isDirectory() ? await fs.promises.readFile(metadataFile(dir), 'utf8').catch(() => '') : '';
    if (!metadata.split('\n').includes(`SDUUID=${String(sd.id)}`)) {
      throw conflict(`Cannot format storage domain ${String(sd.name)}: ${dir} holds no metadata of the domain`);
    }
    await fs.promises.rm(path.join(dir, 'images'), { recursive: true, force: true });
    await fs.promises.rm(path.dirname(metadataFile(dir)), { recursive: true, force: true });
    await fs.promises.rmdir(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
  }

  /**
   * The space of the file system the domain's export is on (its nearest existing directory, until
   * the export is made); none when the storage does not answer in time.
   */
  async space(sd: Obj): Promise<SpaceUsage | undefined> {
    const dir = this.exportDir(sd.storage as Obj);
    const nearest = async (d: string): Promise<fs.StatsFs> =>
      fs.promises.statfs(d).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT' || d === path.dirname(d)) throw e;
        return nearest(path.dirname(d));
      });
    try {
      const s = await withinTime(this.fsTimeout, `reading the space of ${dir}`, () => nearest(dir));
      return { available: s.bavail * s.bsize, used: (s.blocks - s.bfree) * s.bsize };
    } catch {
      return undefined;
    }
  }

  /** The ISO and floppy images of an ISO domain. */
  async isoFiles(sd: Obj): Promise<string[]> {
    const dir = this.isoDir(sd);
    const entries = await withinTime(this.fsTimeout, `listing ${dir}`, () => fs.promises.readdir(dir, { withFileTypes: true })).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  }

  volumePath(sd: Obj, disk: Obj): string {
    return this.volumeFile(sd, String(disk.id), String(disk.image_id));
  }

  /** A volume of a disk's chain: images/<disk id>/<volume id>, as oVirt lays them out. */
  volumeFile(sd: Obj, diskId: string, volumeId: string): string {
    return path.join(this.domainDir(sd), 'images', diskId, volumeId);
  }

  /**
   * A new qcow2 volume over `base`: where writes go from now on while `base` stays as it is. It
   * takes the checkpoints' bitmaps of a qcow2 base, to mark those writes.
   */
  async createOverlay(sd: Obj, diskId: string, base: string, baseFormat: string, volume: string, signal?: AbortSignal, live = false): Promise<void> {
    const to = this.volumeFile(sd, diskId, volume);
    await this.overlayFile(sd, to, { disk: diskId, volume: base, format: baseFormat }, signal, live);
    if (baseFormat === 'cow') await carryBitmaps(this.volumeFile(sd, diskId, base), to, signal);
  }

  /** The first volume of a new disk over another disk's volume on the same domain (a thin VM's disk over its template's). */
  async createVolumeOver(sd: Obj, disk: Obj, base: VolumeRef, signal?: AbortSignal): Promise<void> {
    const file = this.volumePath(sd, disk);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await this.overlayFile(sd, file, base, signal);
  }

  /**
   * A qcow2 file over `base`. A running guest holds a `live` base's write lock, so the base is not
   * opened (`-u`): its size is read sharing the lock, and given.
   */
  private async overlayFile(sd: Obj, file: string, base: VolumeRef, signal?: AbortSignal, live = false): Promise<void> {
    const baseFile = this.volumeFile(sd, base.disk, base.volume);
    const size = live ? [String((JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', baseFile], { signal })).stdout) as { 'virtual-size': number })['virtual-size'])] : [];
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `compat=${qcow2Compat(sd)}`, ...(live ? ['-u'] : []), '-b', baseFile, '-F', qemuFormat(base.format), file, ...size], { signal });
  }

  /**
   * Points `child` at a new backing volume (or none), first copying into it whatever it read
   * from the old one: how a snapshot's volume is merged away.
   */
  async rebase(sd: Obj, diskId: string, child: string, newBase: VolumeRef | undefined, signal?: AbortSignal): Promise<void> {
    const args = newBase === undefined ? ['-b', ''] : ['-b', this.volumeFile(sd, newBase.disk, newBase.volume), '-F', qemuFormat(newBase.format)];
    await run('qemu-img', ['rebase', '-q', '-f', 'qcow2', ...args, this.volumeFile(sd, diskId, child)], { signal });
  }

  async removeVolumeFile(sd: Obj, diskId: string, volume: string): Promise<void> {
    await fs.promises.rm(this.volumeFile(sd, diskId, volume), { force: true });
  }

  /**
   * Copies what a disk reads (its whole chain) into a single new volume of another disk (or of the
   * same disk, in another format): a raw copy is sparse unless the copy says it is not. The same
   * disk in qcow2 again (a move) keeps its checkpoints' bitmaps.
   */
  async copyVolume(from: Obj, disk: Obj, to: Obj, copy: Obj, signal?: AbortSignal): Promise<void> {
    // Bitmaps need qcow2 1.1 on both sides: from or to a domain of an old format (an export domain's v1) the data goes alone.
    const bitmaps = copy.id === disk.id && copy.format === 'cow' && disk.format === 'cow' && qcow2Compat(from) === '1.1' && qcow2Compat(to) === '1.1' ? ['--bitmaps'] : [];
    // The source's format is told, never probed: a guest may have written a qcow2 header into a raw volume.
    await this.writeVolume(this.volumePath(from, disk), qemuFormat(String(disk.format)), to, copy, bitmaps, signal);
  }

  /**
   * Writes what `image` (a file, or a qemu `json:` name) of qemu format `format` reads as the
   * volume of `disk`, in the disk's format and allocation.
   */
  async writeVolume(image: string, format: string, sd: Obj, disk: Obj, options: string[] = [], signal?: AbortSignal): Promise<void> {
    const target = this.volumePath(sd, disk);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const allocation = disk.format !== 'raw' ? ['-o', `compat=${qcow2Compat(sd)}`] : disk.sparse === false ? ['-o', 'preallocation=falloc'] : ['-S', '4k'];
    await run('qemu-img', ['convert', ...options, '-f', format, '-O', qemuFormat(String(disk.format)), ...allocation, image, target], { signal });
  }

  /**
   * Gives back the blocks of a disk's active volume that hold only zeros: a raw file gets holes
   * punched in place; a qcow2 volume is rewritten over the same backing file, without them.
   */
  async sparsifyVolume(sd: Obj, disk: Obj, signal?: AbortSignal): Promise<void> {
    const file = this.volumePath(sd, disk);
    if (disk.format !== 'cow') {
      await run('fallocate', ['--dig-holes', file], { signal });
      return;
    }
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', file], { signal })).stdout) as { 'backing-filename'?: string; 'backing-filename-format'?: string };
    const backing = info['backing-filename'] ? ['-B', info['backing-filename'], '-F', info['backing-filename-format'] ?? 'qcow2'] : [];
    const rewritten = `${file}.sparsified`;
    try {
      // The data stays what it was: the checkpoints' bitmaps stay true.
      await run('qemu-img', ['convert', '--bitmaps', '-O', 'qcow2', '-o', `compat=${qcow2Compat(sd)}`, ...backing, file, rewritten], { signal });
      await fs.promises.rename(rewritten, file);
    } catch (e) {
      await fs.promises.rm(rewritten, { force: true });
      throw e;
    }
  }

  /** Creates the volume of a new disk: a sparse raw file, or a qcow2 image. */
  async createVolume(sd: Obj, disk: Obj, signal?: AbortSignal): Promise<void> {
    const file = this.volumePath(sd, disk);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const size = Number(disk.provisioned_size);
    if (disk.format === 'cow') {
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `compat=${qcow2Compat(sd)}`, file, String(size)], { signal });
    } else {
      const fh = await fs.promises.open(file, 'wx');
      try {
        await fh.truncate(size);
      } finally {
        await fh.close();
      }
    }
  }

  /** Grows a volume to `size` bytes; qcow2 through qemu-img, raw by extending the sparse file. */
  async resizeVolume(sd: Obj, disk: Obj, size: number, signal?: AbortSignal): Promise<void> {
    const file = this.volumePath(sd, disk);
    if (disk.format === 'cow') await run('qemu-img', ['resize', '-q', '-f', 'qcow2', file, String(size)], { signal });
    else await fs.promises.truncate(file, size);
  }

  async removeVolume(sd: Obj, disk: Obj): Promise<void> {
    await fs.promises.rm(path.dirname(this.volumePath(sd, disk)), { recursive: true, force: true });
  }

  /**
   * The domains a place holds: each directory of its export with the metadata of a domain, as
   * another engine made it. The metadata is oVirt's key=value form.
   */
  async foundDomains(storage: Obj): Promise<{ id: string; metadata: Record<string, string> }[]> {
    const exportDir = await this.places.resolve(this.exportDir(storage));
    return withinTime(this.fsTimeout, `looking for domains in ${exportDir}`, async () => {
      const found: { id: string; metadata: Record<string, string> }[] = [];
      for (const entry of await fs.promises.readdir(exportDir, { withFileTypes: true })) {
        if (!entry.isDirectory() || !UUID.test(entry.name)) continue;
        const text = await fs.promises.readFile(metadataFile(path.join(exportDir, entry.name)), 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        const metadata = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        if (metadata.SDUUID === entry.name) found.push({ id: entry.name, metadata });
      }
      return found;
    });
  }

  /** The disks a domain's images directory holds: each disk's directory with its volume files. */
  async imageDirs(sd: Obj): Promise<{ diskId: string; volumes: string[] }[]> {
    const dir = path.join(this.domainDir(sd), 'images');
    return withinTime(this.fsTimeout, `listing ${dir}`, async () => {
      const disks = (await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && UUID.test(e.name));
      return Promise.all(disks.map(async (d) => ({
        diskId: d.name,
        volumes: (await fs.promises.readdir(path.join(dir, d.name))).filter((v) => UUID.test(v)),
      })));
    });
  }

  /** What qemu-img tells of a volume: its size, format, qcow2 compat and the volume under it; none when it is missing. */
  async volumeInfo(sd: Obj, diskId: string, volumeId: string): Promise<VolumeInfo | undefined> {
    const file = this.volumeFile(sd, diskId, volumeId);
    if (!(await fs.promises.stat(file).catch(() => undefined))) return undefined;
    const { stdout } = await withinTime(this.fsTimeout, `reading ${file}`, (signal) => run('qemu-img', ['info', '--output=json', '-U', file], { signal }));
    const info = JSON.parse(stdout) as { 'virtual-size': number; format: string; 'backing-filename'?: string; 'format-specific'?: { data?: { compat?: string } } };
    return {
      size: info['virtual-size'],
      format: info.format === 'qcow2' ? 'cow' : 'raw',
      compat: info['format-specific']?.data?.compat,
      backing: info['backing-filename'] ? path.basename(info['backing-filename']) : undefined,
    };
  }

  /** The file a data domain keeps its OVF store in: a tar of `<id>.ovf` documents, as oVirt's OVF_STORE disks hold. */
  ovfStoreFile(sd: Obj): string {
    return path.join(path.dirname(metadataFile(this.domainDir(sd))), 'ovf_store.tar');
  }

  /** Replaces the domain's OVF store with `documents` (name → text), whole or not at all. */
  async writeOvfStore(sd: Obj, documents: { name: string; text: string }[], signal?: AbortSignal): Promise<void> {
    await writeTar(this.ovfStoreFile(sd), documents, signal);
  }

  /** The documents of the domain's OVF store; none when it has no store. */
  async readOvfStore(sd: Obj): Promise<{ name: string; text: string }[]> {
    const file = this.ovfStoreFile(sd);
    if (!(await fs.promises.stat(file).catch(() => undefined))) return [];
    const members = (await tarIndex(file)).filter((m) => m.name.endsWith('.ovf'));
    return Promise.all(members.map(async (m) => ({ name: m.name, text: await tarText(file, m) })));
  }

  /** Bytes the volume takes on disk. */
  async actualSize(sd: Obj, disk: Obj): Promise<number> {
    const file = this.volumePath(sd, disk);
    // Unknown (0) when the volume is missing or its storage does not answer in time.
    return withinTime(this.fsTimeout, `reading the size of ${file}`, () => fs.promises.stat(file)).then((s) => s.blocks * 512, () => 0);
  }
}

/** qemu-img's name of an oVirt disk format. */
export function qemuFormat(format: string): string {
  return format === 'cow' ? 'qcow2' : 'raw';
}

/** Storage formats older than v4 hold qcow2 images of compat 0.10 only, as oVirt's do. */
const OLD_FORMATS = ['v1', 'v2', 'v3'];

/** The qcow2 compat level a domain's new volumes get. */
export const qcow2Compat = (sd: Obj) => (OLD_FORMATS.includes(String(sd.storage_format)) ? '0.10' : '1.1');

/** Whether a domain may hold qcow2 images of `compat`. */
export const holdsCompat = (sd: Obj, compat: string) => compat === '0.10' || !OLD_FORMATS.includes(String(sd.storage_format));

/** The API's name of a qcow2 compat level. */
export const qcowVersion = (compat: string) => (compat === '0.10' ? 'qcow2_v2' : 'qcow2_v3');

/** The id of the first storage domain a disk names. */
export function diskDomainId(disk: Obj): string | undefined {
  const list = disk.storage_domains;
  const first = Array.isArray(list) ? list[0] : undefined;
  return isObj(first) && first.id !== undefined ? String(first.id) : undefined;
}
