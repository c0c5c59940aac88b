// The OVF store of each data domain: the OVF documents of the VMs and templates whose disks are on it, kept in
// the domain's directory so that the domain brings its VMs along when another engine imports it.
// The documents are made from the rows in the request's transaction; the file is written after it,
// with the sizes of the volumes as the files have them then.
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call } from './behaviour';
import { Repo } from './store/repo';
import { Storage } from './storage';
import { OvfRows, OvfSource, writeOvf } from './ovf';
import { domainOfDisk } from './disk-rows';
import { load } from './stored';
import { conflict } from './fault';

type VmObj = ObjOf<typeof T.Vm>;
type DiskObj = ObjOf<typeof T.Disk>;
type DomainObj = ObjOf<typeof T.StorageDomain>;

/** What an OVF document describes: a VM, or a template. */
export type OwnerKind = 'vm' | 'template';
export const kindName = (kind: OwnerKind) => (kind === 'vm' ? 'VM' : 'template');

/** The VM (or template) the call names, which an export writes. */
export const ownerOf = async (call: Call, kind: OwnerKind): Promise<VmObj> => (kind === 'vm' ? load(call, S.Vms) : (await load(call, S.Templates)) as VmObj);

/** Each disk of the rows with its domain, as an export copies them; refused when one has none. */
export function disksWithDomains(rows: OvfRows): { disk: DiskObj; domain: DomainObj }[] {
  return rows.disks.map(({ disk, domain }) => {
    if (!domain) throw conflict(`Cannot export ${kindName(rows.isTemplate ? 'template' : 'vm')} ${String(rows.vm.name)}: disk ${String(disk.alias ?? disk.id)} has no storage domain`);
    return { disk, domain };
  });
}

/** What the OVF document of `vm` (or of a template, with `kind`) is made from: its disks with their attachments, its NICs with their networks. */
export async function ovfRowsOf(repo: Repo, vm: VmObj, kind: OwnerKind = 'vm'): Promise<OvfRows> {
  const owner = { [kind]: String(vm.id) };
  const cluster = vm.cluster?.id ? await repo.get(T.Cluster, String(vm.cluster.id)) : undefined;
  const template = vm.template?.id ? await repo.get(T.Template, String(vm.template.id)) : undefined;
  const disks: OvfRows['disks'] = [];
  for (const attachment of await repo.list(T.DiskAttachment, owner)) {
    const disk = await repo.get(T.Disk, String(attachment.disk?.id ?? attachment.id));
    const domain = disk && (await domainOfDisk(repo, disk));
    if (disk) disks.push({ disk, attachment, domain });
  }
  const nics: OvfSource['nics'] = [];
  for (const nic of await repo.list(T.Nic, owner)) {
    const profile = nic.vnic_profile?.id ? await repo.get(T.VnicProfile, String(nic.vnic_profile.id)) : undefined;
    const network = profile?.network?.id ? await repo.get(T.Network, String(profile.network.id)) : undefined;
    nics.push({ nic, network: network?.name, profile: profile?.name });
  }
  return {
    vm, isTemplate: kind === 'template', clusterName: cluster?.name, disks, nics,
    template: { id: String(template?.id ?? vm.template?.id ?? '00000000-0000-0000-0000-000000000000'), name: String(template?.name ?? 'Blank') },
  };
}

/** `rows` with the bytes each volume takes on disk (unknown, 0, without a domain): file-system work, for after a transaction. */
export async function sized(storage: Storage, rows: OvfRows): Promise<OvfSource> {
  return { ...rows, disks: await Promise.all(rows.disks.map(async (d) => ({ ...d, actualSize: d.domain ? await storage.actualSize(d.domain, d.disk) : 0 }))) };
}

/** The ids of the VMs (or templates) with a disk on the domain. */
export async function ownersOnDomain(repo: Repo, sd: DomainObj, owner: 'vm' | 'template'): Promise<string[]> {
  const ids = new Set<string>();
  for (const disk of await repo.list(T.Disk, { storage_domain: String(sd.id) })) {
    for (const a of await repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } })) {
      const ref = a[owner];
      if (ref?.id) ids.add(String(ref.id));
    }
  }
  return [...ids];
}

/** Queues the writing of the domain's OVF store, as it is once the call's transaction commits. */
export async function updateOvfStore(call: Call, sd: DomainObj): Promise<void> {
  if (sd.type !== 'data') return;
  const storage = call.engine.storage;
  const sources: { name: string; rows: OvfRows }[] = [];
  for (const kind of ['vm', 'template'] as const) {
    for (const id of await ownersOnDomain(call.repo, sd, kind)) {
      const owner = await call.repo.get(kind === 'vm' ? T.Vm : T.Template, id);
      if (owner) sources.push({ name: `${id}.ovf`, rows: await ovfRowsOf(call.repo, owner as VmObj, kind) });
    }
  }
  call.files.afterCommit({
    what: `updating the OVF store of storage domain ${String(sd.name)}`,
    async run(signal) {
      const documents = await Promise.all(sources.map(async ({ name, rows }) => ({ name, text: writeOvf(await sized(storage, rows), 'engine') })));
      await storage.writeOvfStore(sd, documents, signal);
    },
    // Nothing to put back in the database: the call fails, and the store stays as it was.
    undo: async () => undefined,
  });
}
