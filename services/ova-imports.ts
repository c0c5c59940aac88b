// What an OVA file holds, made the engine's: `/externalvmimports` makes a new VM of it,
// `/externaltemplateimports` a new template, each with new disks on the domain asked that hold
// the data of the OVA's images, copied in after the call's transaction commits; the OVA is read
// before that transaction.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { Call, implement, inspected } from './behaviour';
import { badRequest, conflict } from './fault';
import { refTo, resolve } from './refs';
import { withinTime } from './file-work';
import { OvaImage, readOva } from './ova-files';
import { OvfRead } from './ovf';
import { DiskVolume, OvfOwner, addDiskOf, addNicsOf, addVmOf, dropOwnerOf } from './ovf-vm';
import { addTemplateOf } from './ovf-template';

type ClusterObj = ObjOf<typeof T.Cluster>;
type DomainObj = ObjOf<typeof T.StorageDomain> & { id: string };

const OVA_URL = 'ova://';

/** Where an OVA import goes: the cluster, and an active data domain of the same data center. */
async function importTarget(call: Call, body: Obj, url: string): Promise<{ cluster: ClusterObj; sd: DomainObj }> {
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  const sd = await resolve(call.repo, T.StorageDomain, body.storage_domain, 'storage_domain');
  if (sd.type !== 'data' || sd.status !== 'active') throw conflict(`Cannot import ${url}: storage domain ${String(sd.name)} is not an active data domain`);
  if (sd.data_center?.id !== cluster.data_center?.id) throw conflict(`Cannot import ${url}: storage domain ${String(sd.name)} is not in the data center of cluster ${String(cluster.name)}`);
  return { cluster, sd: sd as DomainObj };
}

/** The OVA `url` names (under a storage root), read once where it goes is known. */
async function readOvaOf(call: Call, body: Obj): Promise<{ url: string; ovf: OvfRead; images: Record<string, OvaImage> }> {
  const url = String(body.url);
  if (!url.startsWith(OVA_URL)) throw badRequest(`Only OVA files are imported: url ova:///path, got '${url}'`);
  const file = url.slice(OVA_URL.length);
  const real = path.join(await call.engine.storage.place(path.dirname(file), 'url'), path.basename(file));
  await importTarget(call, body, url);
  const ova = await withinTime(call.engine.config.fsTimeout, `reading ${real}`, async (signal) => {
    if (!(await fs.promises.stat(real).catch(() => undefined))?.isFile()) throw badRequest(`url '${url}' names no file`);
    return readOva(real, signal);
  });
  return { url, ...ova };
}

type OvaRead = Awaited<ReturnType<typeof readOvaOf>>;
type Opened = OvaRead & Awaited<ReturnType<typeof importTarget>>;

/** The OVA read, with where it goes as the database has it in the transaction. */
const opened = async (call: Call, body: Obj, read: OvaRead): Promise<Opened> => ({ ...read, ...(await importTarget(call, body, read.url)) });

/** The OVA's disks as new disks of `owner` on the domain, whose data its images give once the call commits; a failed copy takes the owner back. */
async function importDisks(call: Call, o: Opened, owner: OvfOwner, volume: (d: OvfRead['disks'][number], image: OvaImage) => DiskVolume): Promise<void> {
  const storage = call.engine.storage;
  for (const d of o.ovf.disks) {
    const image = o.images[d.fileRef];
    const disk = await addDiskOf(call, d, o.sd, volume(d, image), owner);
    call.files.afterCommit({
      what: `importing the disk ${d.alias ?? d.id} of ${o.url}`,
      run: (signal) => storage.writeVolume(image.image, image.format, o.sd, disk, [], signal),
      undo: (repo) => dropOwnerOf(repo, owner),
    });
  }
}

/** A new VM from the OVA: its settings and NICs from the OVF, its disks new ones (qcow2 unless `sparse` is false). */
const importVm = inspected(async (call, body: Obj) => {
  if (body.provider !== 'kvm') throw badRequest(`Only OVA files are imported: provider kvm, got ${String(body.provider)}`);
  return readOvaOf(call, body);
}, async (call, body, read) => {
  const o = await opened(call, body, read);
  const vm = await addVmOf(call, o.ovf, o.cluster, { name: body.name === undefined ? o.ovf.vm.name : String(body.name) });
  const vmId = String(vm.id);
  const sparse = body.sparse !== false;
  await importDisks(call, o, { vm: { id: vmId } }, (_, image) => ({ id: randomUUID(), imageId: randomUUID(), size: image.size, format: sparse ? 'cow' : 'raw', sparse }));
  // The MAC addresses are the source's, not this engine's: the NICs get the cluster's.
  await addNicsOf(call, o.ovf, o.cluster, vmId, {}, { reassign: true, keepMacs: false });
  return { ...body, vm: refTo(vm) };
});

/**
 * A new template from the OVA of a template. As in oVirt, it keeps the OVA's template and disk
 * ids, so the same OVA imports once; `clone` gives it new ones.
 */
const importTemplate = inspected(readOvaOf, async (call, body, read) => {
  const o = await opened(call, body, read);
  if (!o.ovf.isTemplate) throw badRequest(`${o.url} holds a VM, not a template: /externalvmimports imports it`);
  const clone = body.clone === true;
  const id = clone || o.ovf.id === undefined ? randomUUID() : o.ovf.id;
  const given = isObj(body.template) && body.template.name !== undefined ? String(body.template.name) : undefined;
  const disks = await Promise.all(o.ovf.disks.map((d) => (clone ? undefined : call.repo.get(T.Disk, d.id))));
  const held = o.ovf.disks.find((_, i) => disks[i] !== undefined);
  if (held) throw conflict(`Cannot import ${o.url}: the engine has its disk ${held.alias ?? held.id} already (clone imports it with new ids)`);
  await addTemplateOf(call, o.ovf, o.cluster, { id, name: given ?? String(o.ovf.vm.name) }, {});
  await importDisks(call, o, { template: { id } }, (d, image) => ({ id: clone ? randomUUID() : d.id, imageId: randomUUID(), size: image.size, format: 'cow', sparse: true }));
  return { ...body, template: { id } };
});

export const externalVmImports = implement(S.ExternalVmImports, { list: async () => [], add: importVm });
export const externalTemplateImports = implement(S.ExternalTemplateImports, { list: async () => [], add: importTemplate });
const notKept = async (): Promise<never> => {
  throw badRequest('An import is not kept: it answers with what it made');
};
export const externalVmImport = implement(S.ExternalVmImport, { get: notKept });
export const externalTemplateImport = implement(S.ExternalTemplateImport, { get: notKept });
