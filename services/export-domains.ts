// Export domains, laid out as oVirt lays them out (deprecated since oVirt 4.3, still served by
// 4.5): a VM or template exported there is its OVF document, `master/vms/<id>/<id>.ovf`, beside a
// copy of each of its disks as the disk reads, `images/<disk id>/<volume id>`. An export domain's
// `vms` and `templates` list what is there; `import` makes one of the engine of it again, its
// disks copied into a data domain. The domain's files are read before the request's transaction,
// the copies are made after it.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call, inspected } from './behaviour';
import { load } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { resolve } from './refs';
import { OvfRead, readOvf, writeOvf } from './ovf';
import { OwnerKind, disksWithDomains, kindName, ovfRowsOf, ownerOf, sized } from './ovf-store';
import { withinTime } from './file-work';
import { OvfOwner, addDiskOf, addNicsOf, addVmOf, dropOwnerOf } from './ovf-vm';
import { addTemplateOf } from './ovf-template';
import { Storage } from './storage';

type DomainObj = ObjOf<typeof T.StorageDomain> & { id: string };
type VmObj = ObjOf<typeof T.Vm>;

const vmsDir = (storage: Storage, sd: Obj) => path.join(storage.domainDir(sd), 'master', 'vms');
const ovfFile = (storage: Storage, sd: Obj, vmId: string) => path.join(vmsDir(storage, sd), vmId, `${vmId}.ovf`);


/** The OVF documents of the VMs (or templates) an export domain holds; both are kept in `master/vms`, as oVirt keeps them. */
export async function exported(call: Call, sd: DomainObj, kind: OwnerKind): Promise<OvfRead[]> {
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

/** The export domain the owner goes to: a VM down (a template not locked), of a cluster whose data center has it active. */
async function exportTarget(call: Call, body: ActionBody, owner: VmObj, kind: OwnerKind): Promise<DomainObj> {
  const what = `export ${kindName(kind)} ${String(owner.name)}`;
  if (kind === 'vm' ? owner.status !== 'down' : String(owner.status) === 'locked') throw conflict(`Cannot ${what}: it is ${String(owner.status)}${kind === 'vm' ? ', not down' : ''}`);
  if (owner.cluster === undefined) throw conflict(`Cannot ${what}: it has no cluster, so no data center to export from`);
  const cluster = await resolve(call.repo, T.Cluster, owner.cluster, 'cluster');
  return activeExportDomain(call, body.storage_domain, cluster.data_center?.id, what);
}

/**
 * `export` of a VM that is down (or a template not locked): its OVF and a copy of each disk
 * (snapshots collapsed, as with `discard_snapshots`) onto the export domain of its cluster's data
 * center; one exported before (as the domain's files say first) is replaced only with `exclusive`.
 */
const exportTo = (kind: OwnerKind) => inspected(async (call, body: ActionBody) => {
  const owner = await ownerOf(call, kind);
  const sd = await exportTarget(call, body, owner, kind);
  const before = (await exported(call, sd, kind)).some((r) => r.id === owner.id);
  if (before && body.exclusive !== true) throw conflict(`Cannot export ${kindName(kind)} ${String(owner.name)}: export domain ${String(sd.name)} holds it already (exclusive replaces it)`);
}, async (call, body) => {
  const owner = await ownerOf(call, kind);
  const sd = await exportTarget(call, body, owner, kind);
  const storage = call.engine.storage;
  const rows = await ovfRowsOf(call.repo, owner, kind);
  const copies = disksWithDomains(rows);
  const file = ovfFile(storage, sd, String(owner.id));
  call.files.afterCommit({
    what: `exporting ${kindName(kind)} ${String(owner.name)} to export domain ${String(sd.name)}`,
    async run(signal) {
      for (const { disk } of copies) await fs.promises.rm(path.dirname(storage.volumePath(sd, disk)), { recursive: true, force: true });
      for (const { domain, disk } of copies) await storage.copyVolume(domain, disk, sd, disk, signal);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, writeOvf(await sized(storage, rows), 'engine'));
    },
    // Nothing changed in the database; what was copied stays until the next export replaces it.
    undo: async () => undefined,
  });
  return { status: 'complete' };
});

export const exportVm = exportTo('vm');
export const exportTemplate = exportTo('template');

/** The export domain the call names, which an import reads. */
async function importSource(call: Call, kind: OwnerKind): Promise<DomainObj> {
  const sd = (await load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains)) as DomainObj;
  if (sd.type !== 'export') throw badRequest(`Storage domain ${String(sd.name)} is not an export domain: register its ${kindName(kind)}s instead`);
  return sd;
}

/**
 * `import` of a VM (or template) of an export domain: one of the engine with its settings and
 * NICs, and a copy of each disk on the data domain asked; with `clone`, under new ids (and MAC
 * addresses), else as it was (refused while the engine has it). Its document and what qemu-img
 * tells of each disk's image are read first.
 */
const importFrom = (kind: OwnerKind) => inspected(async (call, _body: ActionBody) => {
  const sd = await importSource(call, kind);
  const read = (await exported(call, sd, kind)).find((r) => r.id === call.scope[1]);
  if (!read) throw notFound(`${kind === 'vm' ? 'VM' : 'Template'} '${call.scope[1]}' is not on export domain ${String(sd.name)}`);
  const storage = call.engine.storage;
  const infos = await Promise.all(read.disks.map((d) => (d.imageId ? storage.volumeInfo(sd, d.id, d.imageId) : undefined)));
  return { read, infos };
}, async (call, body, { read, infos }) => {
  const sd = await importSource(call, kind);
  const what = `import ${kindName(kind)} ${String(read.vm.name)}`;
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
  for (const [i, d] of read.disks.entries()) {
    const info = infos[i];
    if (!info) throw conflict(`Cannot ${what}: the image of disk ${d.alias ?? d.id} is not on export domain ${String(sd.name)}`);
    const source = { id: d.id, image_id: d.imageId, format: info.format };
    if (!clone && (await call.repo.get(T.Disk, d.id))) throw conflict(`Cannot ${what}: the engine has disk ${d.alias ?? d.id} already (clone imports a copy)`);
    const volume = clone ? { id: randomUUID(), imageId: randomUUID() } : { id: d.id, imageId: String(d.imageId) };
    const disk = await addDiskOf(call, d, target, { ...volume, size: info.size, format: info.format, sparse: d.sparse, compat: info.compat }, owner);
    call.files.afterCommit({
      what: `importing the disk ${d.alias ?? d.id} of ${kindName(kind)} ${String(read.vm.name)} from export domain ${String(sd.name)}`,
      run: (signal) => storage.copyVolume(sd, source, target, disk, signal),
      undo: (repo) => dropOwnerOf(repo, owner),
    });
  }
  // A template's NICs came with it.
  if (kind === 'vm') await addNicsOf(call, read, cluster, id, {}, { reassign: true, keepMacs: !clone });
  return { status: 'complete', [kind]: { id } };
});

export const importVm = importFrom('vm');
export const importTemplate = importFrom('template');
