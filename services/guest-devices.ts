// A running guest follows its VM's device changes where guests really run: disks plugged in and
// out as their attachments come, go or change `active`, NICs as they come, go or change
// `plugged`, and the CD-ROM's ISO changed in its drive. The host is told once the change is committed; when it refuses, the change is undone
// and the request fails with the host's reason.
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call } from './behaviour';
import { Repo, StoredObj } from './store/repo';
import { GuestCommand } from './runtime/runtime';
import { RUNNING } from './vm-states';
import { guestDisk, guestNic, isoFile } from './guest-spec';
import { conflict } from './fault';

type VmObj = StoredObj<typeof T.Vm>;
type AttachmentObj = ObjOf<typeof T.DiskAttachment>;

/** The VM and the host its guest runs on, when guests really run and this one does. */
async function running(call: Call, vmId: string): Promise<{ vm: VmObj; host: StoredObj<typeof T.Host> } | undefined> {
  if (!call.engine.runtime.guests) return undefined;
  const vm = await call.repo.get(T.Vm, vmId);
  if (!vm || !RUNNING.includes(String(vm.status)) || !vm.host?.id) return undefined;
  const host = await call.repo.get(T.Host, vm.host.id);
  return host ? { vm, host } : undefined;
}

function tell(call: Call, on: NonNullable<Awaited<ReturnType<typeof running>>>, command: GuestCommand, what: string, undo: (repo: Repo) => Promise<void>): void {
  const guests = call.engine.runtime.guests!;
  call.files.afterCommit({ what: `${what} of VM ${String(on.vm.name)} on host ${String(on.host.name)}`, run: async () => void (await guests.command(on.host, on.vm.id, command)), undo });
}

/** Plugs an active attachment's disk into the running guest; undone, the attachment is inactive. */
export async function plugDisk(call: Call, vmId: string, attachment: AttachmentObj): Promise<void> {
  const on = await running(call, vmId);
  if (!on || attachment.active === false) return;
  const disk = await guestDisk(call, on.vm, attachment);
  if (!disk) return;
  // q35's AHCI ports take no devices while the machine runs.
  if (disk.interface === 'sata' || disk.interface === 'ide') throw conflict(`Cannot plug a ${disk.interface} disk into running VM ${String(on.vm.name)}: a ${disk.interface} disk cannot be plugged into a running guest; use virtio or virtio_scsi, or attach it inactive`);
  tell(call, on, { op: 'plugdisk', disk }, `plugging disk ${disk.id} in`, async (repo) => {
    const now = await repo.get(T.DiskAttachment, String(attachment.id), { vm: vmId });
    if (now) await repo.update(T.DiskAttachment, { ...now, active: false }, { vm: vmId });
  });
}

/** Unplugs a disk from the running guest; undone, `restore` puts its attachment back as it was. */
export async function unplugDisk(call: Call, vmId: string, attachment: AttachmentObj, restore: (repo: Repo) => Promise<void>): Promise<void> {
  const on = await running(call, vmId);
  if (!on || attachment.active === false) return;
  tell(call, on, { op: 'unplugdisk', id: String(attachment.id) }, `unplugging disk ${String(attachment.id)}`, restore);
}

/** Plugs a plugged NIC into the running guest; undone, the NIC is unplugged. */
export async function plugNic(call: Call, vmId: string, nic: ObjOf<typeof T.Nic>): Promise<void> {
  const on = await running(call, vmId);
  if (!on || nic.plugged === false) return;
  tell(call, on, { op: 'plugnic', nic: await guestNic(call, nic) }, `plugging NIC ${String(nic.name)} in`, async (repo) => {
    const now = await repo.get(T.Nic, String(nic.id), { vm: vmId });
    if (now) await repo.update(T.Nic, { ...now, plugged: false }, { vm: vmId });
  });
}

/** Unplugs a NIC from the running guest; undone, `restore` puts the NIC back as it was. */
export async function unplugNic(call: Call, vmId: string, nic: ObjOf<typeof T.Nic>, restore: (repo: Repo) => Promise<void>): Promise<void> {
  const on = await running(call, vmId);
  if (!on || nic.plugged === false) return;
  tell(call, on, { op: 'unplugnic', id: String(nic.id) }, `unplugging NIC ${String(nic.name)}`, restore);
}

/** Puts the ISO `fileId` in the running guest's drive, or ejects it; undone, the drive holds what it held. */
export async function changeCd(call: Call, vmId: string, fileId: string | undefined, before: ObjOf<typeof T.Cdrom>): Promise<void> {
  const on = await running(call, vmId);
  if (!on) return;
  const file = fileId ? await isoFile(call, on.vm, fileId) : undefined;
  tell(call, on, { op: 'cdrom', ...(file ? { file } : {}) }, fileId ? `inserting ${fileId} in the CD-ROM drive` : 'ejecting the CD', async (repo) => {
    await repo.update(T.Cdrom, before as StoredObj<typeof T.Cdrom>, { vm: vmId });
  });
}
