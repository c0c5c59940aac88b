// Virtual machines and their devices: NICs, disk attachments and the CD-ROM.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call, implement } from './behaviour';
import { StoredHooks, load, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { resolve, refTo } from './refs';
import { configurationOf, latestVersion } from './templates';
import { createDisk, removeDisk, updateDisk } from './disks';
import { StoredAttachment } from './disk-rows';
import { changeCd, plugDisk, plugNic, unplugDisk, unplugNic } from './guest-devices';
import { vmActions } from './vm-lifecycle';
import { profileForNic } from './cluster-networks';
import { addVmFromSnapshot, checkSnapshotDisk, imageActions } from './vm-images';
import { freeMac, givenMac } from './mac-pools';
import { withInstanceType } from './instance-types';
import { guestActions } from './vm-guest';
import { CDROM_ID, copyDevices, displayConsole } from './store/devices';
import { leaveAffinity } from './affinity';
import { poolActions } from './vm-pools';
import { namedQuota } from './quotas';
import { cpuProfileFor } from './profiles';
import { withVmBaseDefaults } from './facts/vm-base-defaults';
import { notDuringBackup } from './backups';
import { ovfRowsOf, sized } from './ovf-store';
import { writeOvf } from './ovf';
import { exportToPathOnHost } from './ova';
import { exportVm } from './export-domains';
import { addVmFromConfiguration } from './ovf-vm';
import { disksFromTemplate } from './template-vms';
import { StoredObj } from './store/repo';

type VmObj = ObjOf<typeof T.Vm>;
type DiskObj = ObjOf<typeof T.Disk>;

async function prepareVm(call: Call, body: VmObj): Promise<VmObj> {
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  const named = await resolve(call.repo, T.Template, body.template, 'template');
  // A VM that uses the latest version is made from the latest version of the template's base.
  const template = body.use_latest_template_version === true ? await latestVersion(call.repo, named) : named;
  // oVirt's VMs have their serial console off unless asked (`console.enabled`).
  const made = await withInstanceType(call, mergeInto(T.Vm, { console: { enabled: false }, ...configurationOf(template) }, body));
  const { quota, ...configured } = withVmBaseDefaults(made, body);
  return {
    ...configured,
    ...(await namedQuota(call, quota, String(cluster.data_center?.id), `VM ${String(body.name)}`)),
    cluster: refTo(cluster),
    cpu_profile: await cpuProfileFor(call, cluster, body.cpu_profile),
    template: refTo(template),
    original_template: refTo(template),
    status: 'down',
    creation_time: new Date().toISOString(),
  };
}

const vmHooks: StoredHooks<typeof T.Vm> = {
  prepare: prepareVm,
  uniqueName: () => ({}),
  // A VM runs with a CPU profile of its cluster: the one given, else the cluster's own, also when it moves.
  async apply(call, current, changes) {
    const next = mergeInto(T.Vm, current, changes);
    if (changes.cpu_profile === undefined && changes.cluster === undefined) return next;
    const cluster = await resolve(call.repo, T.Cluster, next.cluster, 'cluster');
    const kept = cluster.id === current.cluster?.id ? current.cpu_profile : undefined;
    return { ...next, cpu_profile: await cpuProfileFor(call, cluster, changes.cpu_profile ?? kept) };
  },
  async created(call, vm) {
    await call.repo.insert(T.Cdrom, { id: CDROM_ID, vm: refTo(vm) });
    await call.repo.insert(T.GraphicsConsole, displayConsole('vm', vm));
    const template = String(vm.template?.id);
    await copyDevices(call.repo, { template }, { vm: vm.id }, { consoles: false });
    for (const nic of await call.repo.list(T.Nic, { template })) {
      const { template: _template, ...rest } = nic;
      await call.repo.insert(T.Nic, { ...rest, id: randomUUID(), mac: { address: await freeMac(call, vm) }, vm: refTo(vm) });
    }
  },
  async removing(call, vm) {
    if (vm.status !== 'down') throw conflict(`Cannot remove VM ${vm.name}: it is not down`);
    await notDuringBackup(call.repo, vm, 'remove');
    // As in oVirt, a pool's VM goes with its pool, or after it is detached from it.
    if (vm.vm_pool?.id) throw conflict(`Cannot remove VM ${vm.name}: it is in a VM pool; detach it first`);
    await leaveAffinity(call, 'vms', vm);
    // Like oVirt, removing a VM removes its disks unless `detach_only=true`; its attachments,
    // like all it owns, go with it.
    if (call.params.detach_only === true) return;
    for (const a of await call.repo.list(T.DiskAttachment, { vm: vm.id })) {
      const disk = await call.repo.get(T.Disk, String(a.disk?.id));
      if (disk) await removeDisk(call, disk, vm.id);
    }
  },
};

/** A VM as read: with `all_content`, its OVF document as oVirt gives it (download_vm_ovf.py reads it). */
async function vmView(call: Call, vm: VmObj): Promise<VmObj> {
  if (call.params.all_content !== true) return vm;
  const data = writeOvf(await sized(call.engine.storage, await ovfRowsOf(call.repo, vm)), call.params.ovf_as_ova === true ? 'ova' : 'engine');
  return { ...vm, initialization: { ...vm.initialization, configuration: { type: 'ovf', data } } };
}

const vmCollection = storedCollection(S.Vms, vmHooks);
/** A template's VM: `disk_attachments` ask how each of the template's disks is made for it; the VM does not keep them. */
async function addFromTemplate(call: Call, body: VmObj): Promise<VmObj> {
  const { disk_attachments: asked, ...vm } = body;
  return disksFromTemplate(call, (await vmCollection.add!(call, vm)) as StoredObj<typeof T.Vm>, asked ?? []);
}
export const vms = implement(S.Vms, {
  ...vmCollection,
  list: async (call, o) => Promise.all((await vmCollection.list(call, o)).map((vm) => vmView(call, vm as VmObj))),
  view: (call, vm) => vmView(call, vm as VmObj),
  // A VM made from a snapshot is a copy of what the snapshot holds, not a template's VM.
  // From an OVF document, its settings, disks and NICs.
  add: (call, body) => (body.snapshots?.length ? addVmFromSnapshot(call, body)
    : body.initialization?.configuration?.data !== undefined ? addVmFromConfiguration(call, body) : addFromTemplate(call, body)),
});
export const vmEntity = implement(S.VmEntity, {
  ...storedEntity(S.Vms, S.VmEntity, { ...vmHooks, view: vmView }),
  actions: {
    ...vmActions, ...imageActions, ...guestActions, ...poolActions,
    export: { inspect: (call, body) => (body.host ? exportToPathOnHost : exportVm).inspect(call, body) },
  },
});

// --- NICs -------------------------------------------------------------------

type NicObj = ObjOf<typeof T.Nic>;

const vmOfNic = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);

async function prepareNic(call: Call, body: NicObj): Promise<NicObj> {
  const profile = body.vnic_profile === undefined ? undefined : await profileForNic(call, call.scope[0], body.vnic_profile, 'add');
  const vm = await vmOfNic(call);
  const mac = { address: body.mac?.address !== undefined ? await givenMac(call, vm, body.mac.address) : await freeMac(call, vm) };
  const { network: _legacyNetwork, ...rest } = body;
  return {
    interface: 'virtio',
    plugged: true,
    linked: true,
    ...rest,
    mac,
    ...(profile ? { vnic_profile: refTo(profile) } : {}),
  };
}

const nicHooks: StoredHooks<typeof T.Nic> = {
  prepare: prepareNic,
  /** A new NIC of a running VM is plugged into its guest. */
  created: (call, nic) => plugNic(call, call.scope[0], nic),
  /** The profile must be on a network of the VM's cluster; a MAC given must suit the cluster's pool. */
  async apply(call, current, changes) {
    const profile = changes.vnic_profile === undefined ? undefined : await profileForNic(call, call.scope[0], changes.vnic_profile, 'update');
    const next = mergeInto(T.Nic, current, profile ? { ...changes, vnic_profile: refTo(profile) } : changes);
    if (changes.plugged === true && current.plugged === false) await plugNic(call, call.scope[0], next);
    if (changes.plugged === false && current.plugged !== false) await unplugNic(call, call.scope[0], current, async (repo) => void (await repo.update(T.Nic, current, { vm: call.scope[0] })));
    if (changes.mac?.address === undefined) return next;
    return { ...next, mac: { address: await givenMac(call, await vmOfNic(call), changes.mac.address, current.id) } };
  },
  /** A NIC removed from a running VM leaves its guest first. */
  removing: (call, nic) => unplugNic(call, call.scope[0], nic, async (repo) => void (await repo.insert(T.Nic, nic))),
  uniqueName: (call) => ({ vm: call.scope[0] }),
};

export const vmNics = implement(S.VmNics, storedCollection(S.VmNics, nicHooks));
export const vmNic = implement(S.VmNic, storedEntity(S.VmNics, S.VmNic, nicHooks));

// --- disk attachments -------------------------------------------------------

type AttachmentObj = ObjOf<typeof T.DiskAttachment>;

async function attach(call: Call, body: AttachmentObj): Promise<StoredAttachment> {
  const vmId = call.scope[0];
  // A new disk is given whole inside the attachment's link to it.
  const given = body.disk as DiskObj;
  let disk: DiskObj;
  if (given.id !== undefined && given.provisioned_size === undefined) {
    disk = await resolve(call.repo, T.Disk, given, 'disk');
    const users = await call.repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } });
    if (users.some((a) => a.vm?.id === vmId)) throw conflict('The disk is already attached to this virtual machine');
    // A snapshot's volume of the disk is its own, read by this VM alone, shareable or not.
    if (given.snapshot?.id !== undefined) await checkSnapshotDisk(call, String(disk.id), String(given.snapshot.id));
    else if (users.length && disk.shareable !== true) throw conflict(`Disk ${disk.name ?? disk.id} is attached to another virtual machine and is not shareable`);
  } else {
    disk = await createDisk(call, given);
  }
  const { disk: _disk, ...rest } = body;
  const attachment: StoredAttachment = {
    bootable: false,
    active: true,
    pass_discard: false,
    read_only: false,
    uses_scsi_reservation: false,
    ...rest,
    id: disk.id,
    disk: refTo(disk),
    vm: { id: vmId },
    ...(given.snapshot?.id === undefined ? {} : { from_snapshot: String(given.snapshot.id) }),
  };
  await call.repo.insert(T.DiskAttachment, attachment);
  await plugDisk(call, vmId, attachment);
  return attachment;
}

export const vmDiskAttachments = implement(S.VmDiskAttachments, {
  list: (call, o) => call.repo.list(T.DiskAttachment, { vm: call.scope[0] }, o),
  add: attach,
});

export const vmDiskAttachment = implement(S.VmDiskAttachment, {
  ...storedEntity(S.VmDiskAttachments, S.VmDiskAttachment, {
    async apply(call, current, changes) {
      const next = mergeInto(T.DiskAttachment, current, changes);
      next.disk = current.disk;
      // Activating a disk of a running VM plugs it in; deactivating it unplugs it.
      if (changes.active === true && current.active === false) await plugDisk(call, call.scope[0], next);
      if (changes.active === false && current.active !== false) {
        await unplugDisk(call, call.scope[0], current, async (repo) => void (await repo.update(T.DiskAttachment, current, { vm: call.scope[0] })));
      }
      if (changes.disk) {
        const disk = await resolve(call.repo, T.Disk, current.disk, 'disk');
        // The disk's changes come inside the attachment's link to it.
        await call.repo.update(T.Disk, await updateDisk(call, disk, changes.disk as DiskObj));
      }
      return next;
    },
  }),
  async remove(call) {
    const attachment = await load(call, S.VmDiskAttachments);
    await call.repo.remove(T.DiskAttachment, attachment.id, { vm: call.scope[0] });
    // The guest lets the disk go before anything is done to its volume.
    await unplugDisk(call, call.scope[0], attachment, async (repo) => {
      if (await repo.get(T.Disk, attachment.id)) await repo.insert(T.DiskAttachment, attachment);
    });
    // oVirt only detaches unless asked otherwise with `detach_only=false`; a snapshot's disk is only ever detached.
    if (call.params.detach_only === false && (attachment as StoredAttachment).from_snapshot === undefined) {
      const disk = await call.repo.get(T.Disk, attachment.id);
      if (disk) await removeDisk(call, disk);
    }
  },
});

// --- CD-ROM -----------------------------------------------------------------

/** Checks that an ISO file is in an active ISO domain of the VM's data center. */
async function checkIso(call: Call, vm: VmObj, fileId: string): Promise<void> {
  const cluster = await resolve(call.repo, T.Cluster, vm.cluster, 'cluster');
  const dcId = String(cluster.data_center?.id);
  const domains = await call.repo.list(T.StorageDomain, { data_center: dcId }, { where: { type: 'iso' } });
  for (const sd of domains.filter((d) => d.status === 'active')) {
    if ((await call.engine.storage.isoFiles(sd)).includes(fileId)) return;
  }
  throw badRequest(`ISO file '${fileId}' is not in an active ISO domain of the virtual machine's data center`);
}

export const vmCdroms = implement(S.VmCdroms, storedCollection(S.VmCdroms));
export const vmCdrom = implement(S.VmCdrom, storedEntity(S.VmCdroms, S.VmCdrom, {
  async apply(call, current, changes) {
    const fileId = changes.file?.id ?? '';
    const next = { ...current };
    if (fileId === '') {
      delete next.file;
    } else {
      await checkIso(call, await load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms), fileId);
      next.file = { id: fileId };
    }
    await changeCd(call, call.scope[0], fileId || undefined, current);
    return next;
  },
}));
