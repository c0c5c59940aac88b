// Export domains, laid out as oVirt lays them out (deprecated since oVirt 4.3, still served by
// 4.5): a VM or template exported there is its OVF document, `master/vms/<id>/<id>.ovf`, beside a
// copy of each of its disks as the disk reads, `images/<disk id>/<volume id>`. An export domain's
// `vms` and `templates` list what is there; `import` makes one of the engine of it again, its
// disks copied into a data domain. The copies are made after the request's transaction.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call } from './behaviour';
import { load } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { resolve } from './refs';
import { OvfRead, readOvf, writeOvf } from './ovf';
import { ovfSourceOf } from './ovf-store';
import { domainOfDisk } from './disk-rows';
import { withinTime } from './file-work';
import { OvfOwner, addDiskOf, addNicsOf, addVmOf, dropOwnerOf } from './ovf-vm';
import { addTemplateOf } from './ovf-template';
import { Storage } from './storage';

type DomainObj = ObjOf<typeof T.StorageDomain> & { id: string };
type VmObj = ObjOf<typeof T.Vm>;

const vmsDir = (storage: Storage, sd: Obj) => path.join(storage.domainDir(sd), 'master', 'vms');
const ovfFile = (storage: Storage, sd: Obj, vmId: string) => path.join(vmsDir(storage, sd), vmId, `${vmId}.ovf`);

type Kind = 'vm' | 'template';
const label = (kind: Kind) => (kind === 'vm' ? 'VM' : 'template');

/** The OVF documents of the VMs (or templates) an export domain holds; both are kept in `master/vms`, as oVirt keeps them. */
export async function exported(call: Call, sd: DomainObj, kind: Kind): Promise<OvfRead[]> {
  const storage = call.engine.storage;
  const dir = vmsDir(storage, sd);
  const read = await withinTime(call.engine.config.fsTimeout, `reading the contents of export domain ${String(sd.name)}`, async () => {
    const ids = await fs.promises.readdir(dir).catch(() => [] as string[]);
    const texts = await Promise.all(ids.map((id) => fs.promises.readFile(ovfFile(storage, sd, id), 'utf8').catch(() => undefined)));
    return texts.filter((t) => t !== undefined).map((t) => readOvf(t));
  });
  return read.filter((r) => r.id !== undefined && r.isTemplate === (kind === 'template'));
}

/** An active export domain of the data center, as an export or import names it. */
async function activeExportDomain(call: Call, ref: unknown, dataCenterId: unknown, what: string): Promise<DomainObj> {
  const sd = (await resolve(call.repo, T.StorageDomain, ref, 'storage_domain')) as DomainObj;
  if (sd.type !== 'export') throw badRequest(`Cannot ${what}: storage domain ${String(sd.name)} is not an export domain`);
  if (sd.status !== 'active' || sd.data_center?.id !== dataCenterId) {
    throw conflict(`Cannot ${what}: export domain ${String(sd.name)} is not active in the data center`);
  }
  return sd;
}

/**
 * `export` of a VM that is down (or a template not locked): its OVF and a copy of each disk
 * (snapshots collapsed, as with `discard_snapshots`) onto the export domain of its cluster's data
 * center; one exported before is replaced only with `exclusive`.
 */
async function exportTo(call: Call, body: ActionBody, owner: VmObj, kind: Kind): Promise<Obj> {
  const what = `export ${label(kind)} ${String(owner.name)}`;
  if (kind === 'vm' ? owner.status !== 'down' : String(owner.status) === 'locked') throw conflict(`Cannot ${what}: it is ${String(owner.status)}${kind === 'vm' ? ', not down' : ''}`);
  if (owner.cluster === undefined) throw conflict(`Cannot ${what}: it has no cluster, so no data center to export from`);
  const cluster = await resolve(call.repo, T.Cluster, owner.cluster, 'cluster');
  const sd = await activeExportDomain(call, body.storage_domain, cluster.data_center?.id, what);
  const storage = call.engine.storage;
  const before = (await exported(call, sd, kind)).some((r) => r.id === owner.id);
  if (before && body.exclusive !== true) throw conflict(`Cannot ${what}: export domain ${String(sd.name)} holds it already (exclusive replaces it)`);
  const source = await ovfSourceOf(call.repo, storage, owner, kind);
  const copies: { from: Obj; disk: Obj }[] = [];
  for (const { disk } of source.disks) {
    const from = await domainOfDisk(call.repo, disk);
    if (!from) throw conflict(`Cannot ${what}: disk ${String(disk.alias ?? disk.id)} has no storage domain`);
    copies.push({ from, disk });
  }
  const ovf = writeOvf(source, 'engine');
  const file = ovfFile(storage, sd, String(owner.id));
  call.files.afterCommit({
    what: `exporting ${label(kind)} ${String(owner.name)} to export domain ${String(sd.name)}`,
    async run(signal) {
      for (const { disk } of copies) await fs.promises.rm(path.dirname(storage.volumePath(sd, disk)), { recursive: true, force: true });
      for (const { from, disk } of copies) await storage.copyVolume(from, disk, sd, disk, signal);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, ovf);
    },
    // Nothing changed in the database; what was copied stays until the next export replaces it.
    undo: async () => undefined,
  });
  return { status: 'complete' };
}

export const exportVm = async (call: Call, body: ActionBody) => exportTo(call, body, await load(call, S.Vms), 'vm');
export const exportTemplate = async (call: Call, body: ActionBody) => exportTo(call, body, (await load(call, S.Templates)) as VmObj, 'template');

/**
 * `import` of a VM (or template) of an export domain: one of the engine with its settings and
 * NICs, and a copy of each disk on the data domain asked; with `clone`, under new ids (and MAC
 * addresses), else as it was (refused while the engine has it).
 */
async function importFrom(call: Call, body: ActionBody, kind: Kind): Promise<Obj> {
  const sd = (await load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains)) as DomainObj;
  if (sd.type !== 'export') throw badRequest(`Storage domain ${String(sd.name)} is not an export domain: register its ${label(kind)}s instead`);
  const read = (await exported(call, sd, kind)).find((r) => r.id === call.scope[1]);
  if (!read) throw notFound(`${kind === 'vm' ? 'VM' : 'Template'} '${call.scope[1]}' is not on export domain ${String(sd.name)}`);
  const what = `import ${label(kind)} ${String(read.vm.name)}`;
  const clone = body.clone === true;
  if (!clone && (await call.repo.get(kind === 'vm' ? T.Vm : T.Template, String(read.id)))) throw conflict(`Cannot ${what}: the engine has it already (clone imports a copy)`);
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  if (sd.status !== 'active' || sd.data_center?.id !== cluster.data_center?.id) throw conflict(`Cannot ${what}: export domain ${String(sd.name)} is not active in the data center of cluster ${String(cluster.name)}`);
  const target = (await resolve(call.repo, T.StorageDomain, body.storage_domain, 'storage_domain')) as DomainObj;
  if (target.type !== 'data' || target.status !== 'active' || target.data_center?.id !== cluster.data_center?.id) {
    throw conflict(`Cannot ${what}: storage domain ${String(target.name)} is not an active data domain of the data center of cluster ${String(cluster.name)}`);
  }
  const storage = call.engine.storage;
  const id = kind === 'vm'
    ? String((await addVmOf(call, read, cluster, { name: body.vm?.name ?? read.vm.name, ...(clone ? {} : { id: read.id }) })).id)
    : clone ? randomUUID() : String(read.id);
  if (kind === 'template') await addTemplateOf(call, read, cluster, { id, name: String(body.template?.name ?? read.vm.name) }, {});
  const owner: OvfOwner = kind === 'vm' ? { vm: { id } } : { template: { id } };
  for (const d of read.disks) {
    const info = d.imageId ? await storage.volumeInfo(sd, d.id, d.imageId) : undefined;
    if (!info) throw conflict(`Cannot ${what}: the image of disk ${d.alias ?? d.id} is not on export domain ${String(sd.name)}`);
    const source = { id: d.id, image_id: d.imageId, format: info.format };
    if (!clone && (await call.repo.get(T.Disk, d.id))) throw conflict(`Cannot ${what}: the engine has disk ${d.alias ?? d.id} already (clone imports a copy)`);
    const volume = clone ? { id: randomUUID(), imageId: randomUUID() } : { id: d.id, imageId: String(d.imageId) };
    const disk = await addDiskOf(call, d, target, { ...volume, size: info.size, format: info.format, sparse: d.sparse, compat: info.compat }, owner);
    call.files.afterCommit({
      what: `importing the disk ${d.alias ?? d.id} of ${label(kind)} ${String(read.vm.name)} from export domain ${String(sd.name)}`,
      run: (signal) => storage.copyVolume(sd, source, target, disk, signal),
      undo: (repo) => dropOwnerOf(repo, owner),
    });
  }
  // A template's NICs came with it.
  if (kind === 'vm') await addNicsOf(call, read, cluster, id, {}, { reassign: true, keepMacs: !clone });
  return { status: 'complete', [kind]: { id } };
}

export const importVm = (call: Call, body: ActionBody) => importFrom(call, body, 'vm');
export const importTemplate = (call: Call, body: ActionBody) => importFrom(call, body, 'template');
