// What a data domain holds, as its directory has it: the VMs and templates with disks on it (with
// `unregistered`, those of its OVF store the engine does not know), the volumes no disk of the
// engine holds, and `register`, which makes a VM of the OVF store a VM of the engine again.
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call, implement, inspected } from './behaviour';
import { load, storedEntity } from './stored';
import { createDisk, diskView, removeDisk } from './disks';
import { badRequest, conflict, notFound } from './fault';
import { refTo, resolve } from './refs';
import { OvfDiskRead, OvfRead, readOvf } from './ovf';
import { ownersOnDomain } from './ovf-store';
import { withinTime } from './file-work';
import { VolumeInfo } from './storage';
import { addDiskOf, addNicsOf, addVmOf, nameOf } from './ovf-vm';
import { addTemplateOf } from './ovf-template';
import { exported, importTemplate, importVm } from './export-domains';

type DomainObj = ObjOf<typeof T.StorageDomain> & { id: string };
type ClusterObj = ObjOf<typeof T.Cluster>;

const domainOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains);

/** The documents of the domain's OVF store that describe what the engine does not know. */
async function unregistered(call: Call, sd: DomainObj, templates: boolean): Promise<OvfRead[]> {
  const storage = call.engine.storage;
  const documents = await withinTime(call.engine.config.fsTimeout, `reading the OVF store of storage domain ${String(sd.name)}`, () => storage.readOvfStore(sd));
  const read = documents.map((d) => readOvf(d.text)).filter((r) => r.id !== undefined && r.isTemplate === templates);
  const type = templates ? T.Template : T.Vm;
  const known = await Promise.all(read.map((r) => call.repo.get(type, String(r.id))));
  return read.filter((_, i) => known[i] === undefined);
}

const presented = (sd: DomainObj, r: OvfRead): Obj => ({ ...r.vm, id: r.id, storage_domain: refTo(sd) });

function contents(templates: boolean) {
  const type = templates ? T.Template : T.Vm;
  const owner = templates ? 'template' : 'vm';
  const list = async (call: Call): Promise<Obj[]> => {
    const sd = await domainOf(call);
    if (sd.type === 'export') return (await exported(call, sd, owner)).map((r) => presented(sd, r));
    if (call.params.unregistered === true) return (await unregistered(call, sd, templates)).map((r) => presented(sd, r));
    const ids = await ownersOnDomain(call.repo, sd, owner);
    return (await Promise.all(ids.map((id) => call.repo.get(type, id)))).filter((o) => o !== undefined);
  };
  const get = async (call: Call): Promise<Obj> => {
    const sd = await domainOf(call);
    const id = call.scope[1];
    const there = sd.type === 'export' ? (await exported(call, sd, owner)).find((r) => r.id === id) : undefined;
    if (there) return presented(sd, there);
    if ((await ownersOnDomain(call.repo, sd, owner)).includes(id)) return (await call.repo.get(type, id))!;
    const found = (await unregistered(call, sd, templates)).find((r) => r.id === id);
    if (!found) throw notFound(`${templates ? 'Template' : 'VM'} '${id}' is neither on storage domain ${String(sd.name)} nor in its OVF store`);
    return presented(sd, found);
  };
  return { list, get };
}

const vmContents = contents(false);
const templateContents = contents(true);

export const storageDomainVms = implement(S.StorageDomainVms, { list: async (call, o) => (await vmContents.list(call)).slice(0, o.max) });
export const storageDomainTemplates = implement(S.StorageDomainTemplates, { list: async (call, o) => (await templateContents.list(call)).slice(0, o.max) });

// --- images and unregistered disks --------------------------------------------

/** A disk of the domain's directory the engine does not know: its top volume, what qemu-img tells of it, and what the OVF store says of the disk. */
interface UnknownDisk {
  diskId: string;
  imageId: string;
  info: VolumeInfo;
  described?: OvfDiskRead;
}

/** The disks of the domain's directory whose id no disk of the engine has. */
async function unknownDisks(call: Call, sd: DomainObj): Promise<UnknownDisk[]> {
  const storage = call.engine.storage;
  const documents = await withinTime(call.engine.config.fsTimeout, `reading the OVF store of storage domain ${String(sd.name)}`, () => storage.readOvfStore(sd));
  const described = new Map(documents.flatMap((d) => readOvf(d.text).disks).map((d) => [d.id, d]));
  const out: UnknownDisk[] = [];
  for (const { diskId, volumes } of await storage.imageDirs(sd)) {
    if (volumes.length === 0 || (await call.repo.get(T.Disk, diskId))) continue;
    const infos = await Promise.all(volumes.map((v) => storage.volumeInfo(sd, diskId, v)));
    const backing = new Set(infos.map((i) => i?.backing));
    const top = Math.max(0, volumes.findIndex((v, i) => infos[i] !== undefined && !backing.has(v)));
    const info = infos[top];
    if (info) out.push({ diskId, imageId: volumes[top], info, described: described.get(diskId) });
  }
  return out;
}

async function images(call: Call): Promise<Obj[]> {
  const sd = await domainOf(call);
  return (await unknownDisks(call, sd)).map((u) => ({ id: u.diskId, name: u.diskId, type: 'disk', size: u.info.size, storage_domain: refTo(sd) }));
}

export const storageDomainImages = implement(S.StorageDomainImages, { list: async (call, o) => (await images(call)).slice(0, o.max) });
export const storageDomainImage = implement(S.StorageDomainImage, {
  async get(call) {
    const found = (await images(call)).find((i) => i.id === call.scope[1]);
    if (!found) throw notFound(`Image '${call.scope[1]}' is not an unknown volume of storage domain ${call.scope[0]}`);
    return found;
  },
});

/** How an unknown disk is attached and shared: as the OVF store describes it, else as a new floating disk is. */
const describedOrPlain = (u: UnknownDisk): OvfDiskRead => u.described ?? {
  id: u.diskId, fileRef: u.diskId, size: u.info.size, format: u.info.format, sparse: true, interface: 'virtio',
  bootable: false, readOnly: false, shareable: false, wipeAfterDelete: false, passDiscard: false,
};

const unknownVolume = (u: UnknownDisk) => ({ ...u.info, id: u.diskId, imageId: u.imageId, sparse: describedOrPlain(u).sparse });

/** An unknown disk as a disk: what registering it would make. */
const presentedDisk = (sd: DomainObj, u: UnknownDisk): Obj => {
  const d = describedOrPlain(u);
  return {
    id: u.diskId, image_id: u.imageId, name: d.alias ?? u.diskId, ...(d.alias ? { alias: d.alias } : {}), ...(d.description ? { description: d.description } : {}),
    provisioned_size: u.info.size, format: u.info.format, sparse: d.sparse, shareable: d.shareable, status: 'ok', content_type: 'data', storage_type: 'image',
    storage_domains: [refTo(sd)],
  };
};

/** The domain the call names, active, on which the engine has no disk `diskId`: where it may be registered. */
async function diskRegistrable(call: Call, diskId: string): Promise<DomainObj> {
  const sd = await domainOf(call);
  if (sd.status !== 'active') throw conflict(`Cannot register disk ${diskId}: storage domain ${String(sd.name)} is ${String(sd.status)}, not active`);
  if (await call.repo.get(T.Disk, diskId)) throw conflict(`Cannot register disk ${diskId}: the engine has it already`);
  return sd;
}

/** The unknown disk `diskId` of the active domain's directory, as its files show it. */
async function unknownDisk(call: Call, diskId: string): Promise<UnknownDisk> {
  const sd = await diskRegistrable(call, diskId);
  const found = (await unknownDisks(call, sd)).find((u) => u.diskId === diskId);
  if (!found) throw notFound(`Disk '${diskId}' is not in the directory of storage domain ${String(sd.name)}`);
  return found;
}

/** Makes the unknown disk found a floating disk of the engine, over its volumes as they are. */
async function registerDisk(call: Call, found: UnknownDisk): Promise<Obj> {
  const sd = await diskRegistrable(call, found.diskId);
  return addDiskOf(call, describedOrPlain(found), sd, unknownVolume(found));
}

export const storageDomainDisks = implement(S.StorageDomainDisks, {
  async list(call, o) {
    if (call.params.unregistered !== true) return Promise.all((await call.repo.list(T.Disk, { storage_domain: call.scope[0] }, o)).map((d) => diskView(call, d)));
    const sd = await domainOf(call);
    return (await unknownDisks(call, sd)).map((u) => presentedDisk(sd, u)).slice(0, o.max);
  },
  view: diskView,
  add: inspected(async (call, body) => (call.params.unregistered === true ? unknownDisk(call, String(body.id)) : undefined), async (call, body, unknown) => {
    if (unknown) return registerDisk(call, unknown);
    return createDisk(call, { ...body, storage_domains: [refTo(await domainOf(call))] });
  }),
});
const storedDisk = storedEntity(S.StorageDomainDisks, S.StorageDomainDisk, { view: diskView });
export const storageDomainDisk = implement(S.StorageDomainDisk, {
  ...storedDisk,
  // A disk the engine does not know is seen as registering it would make it, as the actions on it need.
  async get(call) {
    if (await call.repo.get(T.Disk, call.scope[1])) return storedDisk.get!(call);
    const sd = await domainOf(call);
    const found = (await unknownDisks(call, sd)).find((u) => u.diskId === call.scope[1]);
    if (!found) throw notFound(`Disk '${call.scope[1]}' is neither on storage domain ${String(sd.name)} nor in its directory`);
    return presentedDisk(sd, found);
  },
  remove: async (call) => removeDisk(call, await load(call, S.StorageDomainDisks)),
  actions: {
    register: inspected((call) => unknownDisk(call, call.scope[1]), async (call, _body, found) => ({ status: 'complete', disk: { id: (await registerDisk(call, found)).id } })),
  },
});

// --- register -------------------------------------------------------------------

/** The cluster a registered VM goes to: the one given, else the mapping of its own, else its own by name. */
async function targetCluster(call: Call, body: ActionBody, read: OvfRead, sd: DomainObj): Promise<ClusterObj> {
  const mapped = body.registration_configuration?.cluster_mappings?.find((m) => nameOf(m.from) === read.clusterName)?.to;
  const ref = body.cluster ?? mapped ?? (read.clusterName ? { name: read.clusterName } : undefined);
  if (ref === undefined) throw badRequest('cluster is required: the OVF document names none');
  const cluster = await resolve(call.repo, T.Cluster, ref, 'cluster');
  if (cluster.data_center?.id !== sd.data_center?.id) {
    throw conflict(`Cannot register ${String(read.vm.name)}: cluster ${String(cluster.name)} is not in the data center of storage domain ${String(sd.name)}`);
  }
  return cluster;
}

/** The disk's domain, if the engine has it active: the registering one, or the one the document names. */
async function activeDomainOf(call: Call, d: OvfDiskRead, sd: DomainObj): Promise<DomainObj | undefined> {
  const domain = d.storageDomainId === undefined || d.storageDomainId === sd.id ? sd : await call.repo.get(T.StorageDomain, d.storageDomainId);
  return domain?.status === 'active' ? domain : undefined;
}

/** The disks whose images were found on a domain still active, each with what qemu-img told of it; a missing one refused unless partial import is allowed. */
async function presentDisks(call: Call, body: ActionBody, { read, infos }: Registered, sd: DomainObj) {
  const found: { d: OvfDiskRead; domain: DomainObj; info: VolumeInfo }[] = [];
  for (const [i, d] of read.disks.entries()) {
    const domain = await activeDomainOf(call, d, sd);
    const info = infos[i];
    if (!domain || !info) {
      if (body.allow_partial_import === true) continue;
      throw conflict(`Cannot register ${String(read.vm.name)}: the image of disk ${d.alias ?? d.id} is not on an active storage domain (allow_partial_import registers it without the disk)`);
    }
    if (await call.repo.get(T.Disk, d.id)) throw conflict(`Cannot register ${String(read.vm.name)}: the engine has disk ${d.alias ?? d.id} already`);
    found.push({ d, domain, info });
  }
  return found;
}

/** The active domain the call names, whose VM (or template) the call names the engine does not have. */
async function registrable(call: Call, templates: boolean): Promise<DomainObj> {
  const sd = await domainOf(call);
  const id = call.scope[1];
  const what = templates ? 'template' : 'VM';
  if (await call.repo.get(templates ? T.Template : T.Vm, id)) throw conflict(`Cannot register ${what} ${id}: the engine has it already`);
  if (sd.status !== 'active') throw conflict(`Cannot register ${what} ${id}: storage domain ${String(sd.name)} is ${String(sd.status)}, not active`);
  return sd;
}

/** What a register reads of the files: the document in the OVF store, and what qemu-img tells of each disk's image on an active domain. */
interface Registered {
  read: OvfRead;
  infos: (VolumeInfo | undefined)[];
}

/** The files a register of a VM (or template, with `templates`) reads, before its transaction. */
const toRegister = (templates: boolean) => async (call: Call): Promise<Registered> => {
  const sd = await registrable(call, templates);
  const read = (await unregistered(call, sd, templates)).find((r) => r.id === call.scope[1]);
  if (!read) throw notFound(`${templates ? 'Template' : 'VM'} '${call.scope[1]}' is not in the OVF store of storage domain ${String(sd.name)}`);
  const infos = await Promise.all(read.disks.map(async (d) => {
    const domain = await activeDomainOf(call, d, sd);
    return domain && d.imageId ? call.engine.storage.volumeInfo(domain, d.id, d.imageId) : undefined;
  }));
  return { read, infos };
};

const register = inspected(toRegister(false), async (call, body: ActionBody, registered) => {
  const sd = await registrable(call, false);
  const { read } = registered;
  const vmId = call.scope[1];
  const cluster = await targetCluster(call, body, read, sd);
  const disks = await presentDisks(call, body, registered, sd);
  const vm = await addVmOf(call, read, cluster, { id: vmId, name: body.vm?.name ?? read.vm.name });
  for (const { d, domain, info } of disks) await addDiskOf(call, d, domain, { ...info, id: d.id, imageId: String(d.imageId), sparse: d.sparse }, { vm: { id: vmId } });
  await addNicsOf(call, read, cluster, vmId, body, { reassign: body.reassign_bad_macs === true, keepMacs: true });
  return { status: 'complete', vm: { id: vm.id } };
});

export const storageDomainVm = implement(S.StorageDomainVm, { get: vmContents.get, actions: { register, import: importVm } });

/** A template of the OVF store made a template of the engine again: its settings, disks, NICs and devices, as a base version. */
const registerTemplate = inspected(toRegister(true), async (call, body: ActionBody, registered) => {
  const sd = await registrable(call, true);
  const { read } = registered;
  const id = call.scope[1];
  const cluster = await targetCluster(call, body, read, sd);
  const disks = await presentDisks(call, body, registered, sd);
  await addTemplateOf(call, read, cluster, { id, name: String(body.template?.name ?? read.vm.name) }, body);
  for (const { d, domain, info } of disks) await addDiskOf(call, d, domain, { ...info, id: d.id, imageId: String(d.imageId), sparse: d.sparse }, { template: { id } });
  return { status: 'complete', template: { id } };
});

export const storageDomainTemplate = implement(S.StorageDomainTemplate, { get: templateContents.get, actions: { register: registerTemplate, import: importTemplate } });
