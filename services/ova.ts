// A VM as an OVA file and back: `export` to a host's directory writes one under a storage root,
// `/externalvmimports` with `url=ova:///path` makes a new VM with the disks an OVA holds.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call, implement } from './behaviour';
import { load } from './stored';
import { badRequest, conflict } from './fault';
import { refTo, resolve } from './refs';
import { ovfSourceOf } from './ovf-store';
import { domainOfDisk } from './disk-rows';
import { withinTime } from './file-work';
import { readOva, writeOva } from './ova-files';
import { addDiskOf, addNicsOf, addVmOf, dropVmOf } from './ovf-vm';

type VmObj = ObjOf<typeof T.Vm>;

/** A file name alone: one path component. */
const FILE_NAME = /^(?!\.\.?$)[^/\0]{1,255}$/;

/** `export` with a host: the VM (a template, with `kind`) as an OVA file in `directory`; a VM down, a template not locked. */
async function exportOva(call: Call, body: ActionBody, vm: VmObj, kind: 'vm' | 'template'): Promise<Obj> {
  const what = `${kind === 'vm' ? 'VM' : 'template'} ${String(vm.name)}`;
  if (kind === 'vm' ? vm.status !== 'down' : String(vm.status) === 'locked') throw conflict(`Cannot export ${what}: it is ${String(vm.status)}`);
  const host = await resolve(call.repo, T.Host, body.host, 'host');
  if (host.status !== 'up') throw conflict(`Cannot export ${what}: host ${String(host.name)} is ${String(host.status)}, not up`);
  if (body.directory === undefined) throw badRequest(`directory is required to export ${what} to a host`);
  const filename = body.filename ?? `${String(vm.name)}.ova`;
  if (!FILE_NAME.test(filename)) throw badRequest(`filename must be a file name, without '/', got '${filename}'`);
  const storage = call.engine.storage;
  const dir = await storage.place(String(body.directory), 'directory');
  const target = path.join(dir, filename);
  if (await withinTime(call.engine.config.fsTimeout, `looking at ${target}`, () => fs.promises.lstat(target).then(() => true, () => false))) {
    throw conflict(`Cannot export ${what}: ${target} exists already`);
  }
  const source = await ovfSourceOf(call.repo, storage, vm, kind);
  const domains: Record<string, Obj> = {};
  for (const { disk } of source.disks) {
    const sd = await domainOfDisk(call.repo, disk);
    if (!sd) throw conflict(`Cannot export ${what}: disk ${String(disk.alias ?? disk.id)} has no storage domain`);
    domains[String(disk.id)] = sd;
  }
  call.files.afterCommit({
    what: `exporting ${what} to ${target}`,
    run: (signal) => writeOva(storage, target, source, domains, signal),
    // Nothing changed in the database: the call fails and no file is left.
    undo: async () => undefined,
  });
  return { status: 'complete' };
}

export const exportToPathOnHost = async (call: Call, body: ActionBody) => exportOva(call, body, await load(call, S.Vms), 'vm');
export const exportTemplateToPathOnHost = async (call: Call, body: ActionBody) =>
  exportOva(call, body, (await load(call, S.Templates)) as VmObj, 'template');

const OVA_URL = 'ova://';

/** A new VM from the OVA `url` names: its settings and NICs from the OVF, its disks new ones on the domain, with the images' data. */
async function importOva(call: Call, body: Obj): Promise<Obj> {
  const url = String(body.url);
  if (body.provider !== 'kvm' || !url.startsWith(OVA_URL)) throw badRequest(`Only OVA files are imported: provider kvm and url ova:///path, got ${String(body.provider)} and '${url}'`);
  const file = url.slice(OVA_URL.length);
  const storage = call.engine.storage;
  const real = path.join(await storage.place(path.dirname(file), 'url'), path.basename(file));
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  const sd = await resolve(call.repo, T.StorageDomain, body.storage_domain, 'storage_domain');
  if (sd.type !== 'data' || sd.status !== 'active') throw conflict(`Cannot import ${url}: storage domain ${String(sd.name)} is not an active data domain`);
  if (sd.data_center?.id !== cluster.data_center?.id) throw conflict(`Cannot import ${url}: storage domain ${String(sd.name)} is not in the data center of cluster ${String(cluster.name)}`);
  const ova = await withinTime(call.engine.config.fsTimeout, `reading ${real}`, async (signal) => {
    if (!(await fs.promises.stat(real).catch(() => undefined))?.isFile()) throw badRequest(`url '${url}' names no file`);
    return readOva(real, signal);
  });
  const vm = await addVmOf(call, ova.ovf, cluster, { name: body.name === undefined ? ova.ovf.vm.name : String(body.name) });
  const vmId = String(vm.id);
  const sparse = body.sparse !== false;
  for (const d of ova.ovf.disks) {
    const image = ova.images[d.fileRef];
    const disk = await addDiskOf(call, d, sd, { id: randomUUID(), imageId: randomUUID(), size: image.size, format: sparse ? 'cow' : 'raw', sparse }, { vm: { id: vmId } });
    call.files.afterCommit({
      what: `importing the disk ${d.alias ?? d.id} of ${url}`,
      run: (signal) => storage.writeVolume(image.image, image.format, sd, disk, [], signal),
      undo: (repo) => dropVmOf(repo, vmId),
    });
  }
  // The MAC addresses are the source's, not this engine's: the NICs get the cluster's.
  await addNicsOf(call, ova.ovf, cluster, vmId, {}, { reassign: true, keepMacs: false });
  return { ...body, vm: refTo(vm) };
}

export const externalVmImports = implement(S.ExternalVmImports, { list: async () => [], add: importOva });
export const externalVmImport = implement(S.ExternalVmImport, {
  get: async () => {
    throw badRequest('An import is not kept: it answers with the VM it made');
  },
});
