// OVA files as oVirt writes them: a tar holding the OVF document first (`vm.ovf`, in its OVA
// form), then each disk's image as qcow2, named by the disk's id as the document's `fileRef`.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Obj } from '../model/codec';
import { badRequest } from './fault';
import { OvfRead, OvfRows, OvfSource, readOvf, writeOvf } from './ovf';
import { Storage } from './storage';
import { TarMember, memberImage, tarIndex, tarText, writeTar } from './tar';

const run = promisify(execFile);
const OVF_MEMBER = 'vm.ovf';
const SECTOR = 512;

/** Writes `source` as the OVA `target`: each disk's chain made one qcow2 image, then the archive. */
export async function writeOva(storage: Storage, target: string, source: OvfRows, domains: Record<string, Obj>, signal?: AbortSignal): Promise<void> {
  const work = await fs.promises.mkdtemp(path.join(path.dirname(target), '.ova-'));
  try {
    const disks: OvfSource['disks'] = [];
    for (const d of source.disks) {
      const file = path.join(work, String(d.disk.id));
      const volume = storage.volumePath(domains[String(d.disk.id)], d.disk);
      const format = d.disk.format === 'cow' ? 'qcow2' : 'raw';
      await run('qemu-img', ['convert', '-f', format, '-O', 'qcow2', volume, file], { signal });
      // The member is as large as qemu-img measures the image may need, as oVirt sizes it: whole
      // clusters, so that clients open it in place (qemu-img refuses a raw window of a size that is
      // not a multiple of 512).
      const measured = JSON.parse((await run('qemu-img', ['measure', '--output=json', '-f', format, '-O', 'qcow2', volume], { signal })).stdout) as { required: number };
      const size = Math.ceil(Math.max(measured.required, (await fs.promises.stat(file)).size) / SECTOR) * SECTOR;
      await fs.promises.truncate(file, size);
      disks.push({ ...d, actualSize: size });
    }
    const ovf = writeOvf({ ...source, disks }, 'ova');
    await writeTar(target, [{ name: OVF_MEMBER, text: ovf }], signal, disks.map((d) => ({ name: String(d.disk.id), path: path.join(work, String(d.disk.id)) })));
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

/** A disk image of an OVA: where it is in the archive, how qemu-img names it, its size and format. */
export interface OvaImage {
  member: TarMember;
  image: string;
  size: number;
  format: string;
}

/** The OVF document of an OVA and the image of each of its disks (by `fileRef`); refuses an OVA that lacks one. */
export async function readOva(file: string, signal?: AbortSignal): Promise<{ ovf: OvfRead; images: Record<string, OvaImage> }> {
  const members = await tarIndex(file);
  if (!members[0]?.name.endsWith('.ovf')) throw badRequest(`${file} is not an OVA: its first member is not an OVF document`);
  const ovf = readOvf(await tarText(file, members[0]));
  const images: Record<string, OvaImage> = {};
  for (const d of ovf.disks) {
    const member = members.find((m) => m.name === d.fileRef);
    if (!member) throw badRequest(`${file} holds no image for disk ${d.alias ?? d.id} (member '${d.fileRef}')`);
    const image = memberImage(file, member);
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', image], { signal })).stdout) as { 'virtual-size': number; format: string };
    if (!['qcow2', 'raw'].includes(info.format)) throw badRequest(`${file}: the image of disk ${d.alias ?? d.id} is ${info.format}, not qcow2 or raw`);
    images[d.fileRef] = { member, image, size: info['virtual-size'], format: info.format };
  }
  return { ovf, images };
}
