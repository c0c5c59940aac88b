// Export domains, laid out as oVirt lays them out (deprecated since oVirt 4.3, still served by
// 4.5): a VM exported there is its OVF document, `master/vms/<id>/<id>.ovf`, beside a copy of each
// of its disks as the disk reads, `images/<disk id>/<volume id>`. `/storagedomains/{id}/vms` of an
// export domain lists what is there; `import` makes a VM of the engine of it again, its disks
// copied into a data domain. The copies are made after the request's transaction.
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
import { refTo, resolve } from './refs';
import { OvfRead, readOvf, writeOvf } from './ovf';
import { ovfSourceOf } from './ovf-store';
import { domainOfDisk } from './disk-rows';
import { withinTime } from './file-work';
import { addDiskOf, addNicsOf, addVmOf, dropOwnerOf } from './ovf-vm';
import { Storage } from './storage';

type DomainObj = ObjOf<typeof T.StorageDomain> & { id: string };

const vmsDir = (storage: Storage, sd: Obj) => path.join(storage.domainDir(sd), 'master', 'vms');
const ovfFile = (storage: Storage, sd: Obj, vmId: string) => path.join(vmsDir(storage, sd), vmId, `${vmId}.ovf`);

/** The OVF documents of the VMs an export domain holds. */
export async function exportedVms(call: Call, sd: DomainObj): Promise<OvfRead[]> {
  const storage = call.engine.storage;
  const dir = vmsDir(storage, sd);
  return withinTime(call.engine.config.fsTimeout, `reading the VMs of export domain ${String(sd.name)}`, async () => {
    const ids = await fs.promises.readdir(dir).catch(() => [] as string[]);
    const texts = await Promise.all(ids.map((id) => fs.promises.readFile(ovfFile(storage, sd, id), 'utf8').catch(() => undefined)));
    return texts.filter((t) => t !== undefined).map((t) => readOvf(t)).filter((r) => r.id !== undefined);
  });
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
 * `export` of a VM that is down: its OVF and a copy of each disk (snapshots collapsed, as with
 * `discard_snapshots`) onto the export domain; a VM exported before is replaced only with `exclusive`.
 */
export async function exportVm(call: Call, body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  const what = `export VM ${String(vm.name)}`;
  if (vm.status !== 'down') throw conflict(`Cannot ${what}: it is ${String(vm.status)}, not down`);
  const cluster = await resolve(call.repo, T.Cluster, vm.cluster, 'cluster');
  const sd = await activeExportDomain(call, body.storage_domain, cluster.data_center?.id, what);
  const storage = call.engine.storage;
  const exported = (await exportedVms(call, sd)).some((r) => r.id === vm.id);
  if (exported && body.exclusive !== true) throw conflict(`Cannot ${what}: export domain ${String(sd.name)} holds it already (exclusive replaces it)`);
  const source = await ovfSourceOf(call.repo, storage, vm);
  const copies: { from: Obj; disk: Obj }[] = [];
  for (const { disk } of source.disks) {
    const from = await domainOfDisk(call.repo, disk);
    if (!from) throw conflict(`Cannot ${what}: disk ${String(disk.alias ?? disk.id)} has no storage domain`);
    copies.push({ from, disk });
  }
  const ovf = writeOvf(source, 'engine');
  const file = ovfFile(storage, sd, String(vm.id));
  call.files.afterCommit({
    what: `exporting VM ${String(vm.name)} to export domain ${String(sd.name)}`,
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

/**
 * `import` of a VM of an export domain: a VM of the engine with its settings and NICs, and a copy
 * of each disk on the data domain asked; with `clone`, under new ids and MAC addresses, else as
 * it was (refused while the engine has it).
 */
export async function importVm(call: Call, body: ActionBody): Promise<Obj> {
  const sd = (await load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains)) as DomainObj;
  if (sd.type !== 'export') throw badRequest(`Storage domain ${String(sd.name)} is not an export domain: register its VMs instead`);
  const read = (await exportedVms(call, sd)).find((r) => r.id === call.scope[1]);
  if (!read) throw notFound(`VM '${call.scope[1]}' is not on export domain ${String(sd.name)}`);
  const what = `import VM ${String(read.vm.name)}`;
  const clone = body.clone === true;
  if (!clone && (await call.repo.get(T.Vm, String(read.id)))) throw conflict(`Cannot ${what}: the engine has it already (clone imports a copy)`);
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  if (sd.status !== 'active' || sd.data_center?.id !== cluster.data_center?.id) throw conflict(`Cannot ${what}: export domain ${String(sd.name)} is not active in the data center of cluster ${String(cluster.name)}`);
  const target = (await resolve(call.repo, T.StorageDomain, body.storage_domain, 'storage_domain')) as DomainObj;
  if (target.type !== 'data' || target.status !== 'active' || target.data_center?.id !== cluster.data_center?.id) {
    throw conflict(`Cannot ${what}: storage domain ${String(target.name)} is not an active data domain of the data center of cluster ${String(cluster.name)}`);
  }
  const storage = call.engine.storage;
  const vm = await addVmOf(call, read, cluster, { name: body.vm?.name ?? read.vm.name, ...(clone ? {} : { id: read.id }) });
  const vmId = String(vm.id);
  for (const d of read.disks) {
    const info = d.imageId ? await storage.volumeInfo(sd, d.id, d.imageId) : undefined;
    if (!info) throw conflict(`Cannot ${what}: the image of disk ${d.alias ?? d.id} is not on export domain ${String(sd.name)}`);
    const source = { id: d.id, image_id: d.imageId, format: info.format };
    if (!clone && (await call.repo.get(T.Disk, d.id))) throw conflict(`Cannot ${what}: the engine has disk ${d.alias ?? d.id} already (clone imports a copy)`);
    const volume = clone ? { id: randomUUID(), imageId: randomUUID() } : { id: d.id, imageId: String(d.imageId) };
    const disk = await addDiskOf(call, d, target, { ...volume, size: info.size, format: info.format, sparse: d.sparse, compat: info.compat }, { vm: { id: vmId } });
    call.files.afterCommit({
      what: `importing the disk ${d.alias ?? d.id} of VM ${String(read.vm.name)} from export domain ${String(sd.name)}`,
      run: (signal) => storage.copyVolume(sd, source, target, disk, signal),
      undo: (repo) => dropOwnerOf(repo, { vm: { id: vmId } }),
    });
  }
  await addNicsOf(call, read, cluster, vmId, {}, { reassign: true, keepMacs: !clone });
  return { status: 'complete', vm: refTo(vm) };
}
