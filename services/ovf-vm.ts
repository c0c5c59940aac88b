// A VM of the engine made from an OVF document: the VM through the VMs' own add (so it has what
// every VM has), its disks' rows over volumes that are (or are about to be) on a domain, its NICs
// on the vNIC profiles their networks map to. Used by register, OVA import and add from an OVF.
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call } from './behaviour';
import { refTo, resolve } from './refs';
import { badRequest, conflict } from './fault';
import { OvfDiskRead, OvfRead, readOvf } from './ovf';
import { diskProfileFor } from './profiles';
import { qcowVersion } from './storage';
import { StoredDisk } from './disk-rows';
import { Repo } from './store/repo';
import { removeOwnedBy } from './ownership';

type ClusterObj = ObjOf<typeof T.Cluster>;
type DomainObj = ObjOf<typeof T.StorageDomain> & { id: string };
type VmObj = ObjOf<typeof T.Vm>;

const BLANK = '00000000-0000-0000-0000-000000000000';

export const nameOf = (ref: unknown) => (isObj(ref) && ref.name !== undefined ? String(ref.name) : undefined);

/** The VM of the document, made through the VMs' add: its template if the engine has it, else Blank. */
export async function addVmOf(call: Call, read: OvfRead, cluster: ClusterObj, given: VmObj): Promise<VmObj> {
  const template = read.templateId && (await call.repo.get(T.Template, read.templateId)) ? read.templateId : BLANK;
  const addVm = call.engine.behaviours.adder(S.Vms);
  return (await addVm(call, { ...read.vm, ...given, cluster: refTo(cluster), template: { id: template } })) as VmObj;
}

/** The volume a disk of the document gets: its own (registered) or a new one (imported). */
export interface DiskVolume {
  id: string;
  imageId: string;
  size: number;
  format: 'cow' | 'raw';
  sparse: boolean;
  compat?: string;
  backing?: string;
}

/** Who a disk or NIC of the document belongs to: `{ vm: { id } }` or `{ template: { id } }`. */
export type OvfOwner = { vm: { id: string } } | { template: { id: string } };

/** Stores a disk of the document, attached to its owner (if it has one) as the document attaches it. */
export async function addDiskOf(call: Call, d: OvfDiskRead, domain: DomainObj, v: DiskVolume, owner?: OvfOwner): Promise<StoredDisk> {
  const disk: StoredDisk = {
    id: v.id, image_id: v.imageId, name: d.alias ?? v.id, ...(d.alias ? { alias: d.alias } : {}), ...(d.description ? { description: d.description } : {}),
    provisioned_size: v.size, format: v.format, sparse: v.sparse, shareable: d.shareable, wipe_after_delete: d.wipeAfterDelete,
    propagate_errors: false, content_type: 'data', storage_type: 'image', status: 'ok',
    ...(v.format === 'cow' ? { qcow_version: qcowVersion(v.compat ?? '1.1') } : {}),
    storage_domains: [refTo(domain)], storage_domain: refTo(domain), disk_profile: await diskProfileFor(call, domain, undefined),
    ...(v.backing ? { backing_volume: v.backing } : {}),
  };
  await call.repo.insert(T.Disk, disk);
  if (owner) await attachDiskOf(call, d, v.id, owner);
  return disk;
}

/** Attaches disk `diskId` to its owner as the document's disk `d` is attached. */
export async function attachDiskOf(call: Call, d: OvfDiskRead, diskId: string, owner: OvfOwner): Promise<void> {
  await call.repo.insert(T.DiskAttachment, {
    id: diskId, disk: { id: diskId }, ...owner, bootable: d.bootable, interface: d.interface as ObjOf<typeof T.DiskAttachment>['interface'],
    active: true, read_only: d.readOnly, pass_discard: d.passDiscard, uses_scsi_reservation: false,
  });
}

export type Mappings = Pick<ActionBody, 'vnic_profile_mappings' | 'registration_configuration'>;

/** The vNIC profile a NIC of the document gets: by a mapping of its network and profile, else the profile of that name on that network. */
export async function profileOf(call: Call, mappings: Mappings, cluster: ClusterObj, nic: OvfRead['nics'][number]): Promise<Obj | undefined> {
  const profileName = nic.profile ?? nic.network;
  const legacy = mappings.vnic_profile_mappings?.find((m) => m.source_network_name === nic.network && m.source_network_profile_name === profileName);
  if (legacy?.target_vnic_profile) return legacy.target_vnic_profile;
  const mapping = mappings.registration_configuration?.vnic_profile_mappings?.find((m) =>
    nameOf(m.from) === profileName && [undefined, nic.network].includes(nameOf((m.from as Obj | undefined)?.network)));
  if (mapping?.to) return mapping.to;
  if (nic.network === undefined) return undefined;
  const networks = await call.repo.list(T.Network, { data_center: String(cluster.data_center?.id) });
  const network = networks.find((n) => n.name === nic.network);
  const profiles = network ? await call.repo.list(T.VnicProfile, { network: String(network.id) }) : [];
  const profile = profiles.find((p) => p.name === profileName);
  return profile ? { id: profile.id } : undefined;
}

/**
 * Adds the document's NICs to `vmId` through the NICs' add, each keeping its MAC address unless
 * another NIC of the pool holds it and bad MACs are to be reassigned (or `keepMacs` is false).
 */
export async function addNicsOf(call: Call, read: OvfRead, cluster: ClusterObj, vmId: string, mappings: Mappings, o: { reassign: boolean; keepMacs: boolean }): Promise<void> {
  const addNic = call.engine.behaviours.adder(S.VmNics);
  const nicCall = { ...call, scope: [vmId] };
  for (const n of read.nics) {
    const profile = await profileOf(call, mappings, cluster, n);
    const nic = { name: n.name, interface: n.interface, linked: n.linked, plugged: n.plugged, ...(profile ? { vnic_profile: profile } : {}) } as ObjOf<typeof T.Nic>;
    if (!n.mac || !o.keepMacs) {
      await addNic(nicCall, nic);
      continue;
    }
    try {
      await addNic(nicCall, { ...nic, mac: { address: n.mac } });
    } catch (e) {
      if (!o.reassign) throw e;
      await addNic(nicCall, nic);
    }
  }
}

/** Takes back a VM or template made from a document whose disk images could not be copied in: it goes, with all it has. */
export async function dropOwnerOf(repo: Repo, owner: OvfOwner): Promise<void> {
  const [type, id] = 'vm' in owner ? [T.Vm, owner.vm.id] : [T.Template, owner.template.id];
  for (const a of await repo.list(T.DiskAttachment, 'vm' in owner ? { vm: id } : { template: id })) await repo.remove(T.Disk, String(a.id));
  await repo.remove(type, id);
  await removeOwnedBy(repo, type, id);
}

/**
 * `POST /vms` with `initialization.configuration` (type ovf or ova): a VM with the document's
 * settings (under those the body gives), its disks (those the document names, which must exist
 * and be free: upload_ova_as_vm_or_template.py makes them first, with the document's disk ids)
 * and its NICs.
 */
export async function addVmFromConfiguration(call: Call, body: VmObj): Promise<VmObj> {
  const { initialization, ...given } = body;
  const read = await configurationRead(call, body);
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  const { configuration: _configuration, ...init } = initialization ?? {};
  const vm = await addVmOf(call, read, cluster, { ...given, ...(Object.keys(init).length ? { initialization: init } : {}), name: given.name ?? read.vm.name });
  for (const d of read.disks) await attachDiskOf(call, d, d.id, { vm: { id: String(vm.id) } });
  await addNicsOf(call, read, cluster, String(vm.id), {}, { reassign: true, keepMacs: true });
  return vm;
}

/** The OVF document of `initialization.configuration`, whose disks must exist (made with the document's ids) and be free unless shareable. */
export async function configurationRead(call: Call, body: Pick<VmObj, 'initialization'>): Promise<OvfRead> {
  const read = readOvf(String(body.initialization?.configuration?.data ?? ''));
  for (const d of read.disks) {
    const disk = await call.repo.get(T.Disk, d.id);
    if (!disk) throw badRequest(`Disk ${d.alias ?? d.id} that the configuration names does not exist: add it first, with the document's disk id`);
    const users = (await call.repo.list(T.DiskAttachment, {}, { where: { id: d.id } })).filter((a) => a.vm || a.template);
    if (users.length && disk.shareable !== true) throw conflict(`Disk ${d.alias ?? d.id} that the configuration names is used already and is not shareable`);
  }
  return read;
}
