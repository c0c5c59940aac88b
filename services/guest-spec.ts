// What a host needs to run a VM: its configuration with every disk, ISO and kernel resolved to a
// file, its boot order as boot indexes, and its cloud-init seed.
import path from 'node:path';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { GuestDisk, GuestNic, GuestSpec } from '../model/agent-protocol';
import { Call } from './behaviour';
import { resolve } from './refs';
import { domainOfDisk } from './disk-rows';
import { badRequest } from './fault';

type VmObj = ObjOf<typeof T.Vm> & { id: string };

/** What this run of the VM boots from, and the CD it has (run once may change both). */
export interface RunChoices {
  devices: string[];
  cdFile?: string;
  initialization?: Obj;
}

const DISK_INTERFACES: Record<string, GuestDisk['interface']> = { virtio: 'virtio', virtio_scsi: 'virtio_scsi', sata: 'sata', ide: 'ide' };
const NIC_MODELS: Record<string, GuestNic['model']> = { virtio: 'virtio', e1000: 'e1000', e1000e: 'e1000', rtl8139: 'rtl8139', rtl8139_virtio: 'rtl8139' };

/** An attached disk as its guest sees it: the disk's active volume on its domain, on the attachment's bus. */
export async function guestDisk(call: Call, vm: VmObj, a: ObjOf<typeof T.DiskAttachment>, bootIndex?: number): Promise<GuestDisk | undefined> {
  const disk = await call.repo.get(T.Disk, String(a.id));
  if (!disk) return undefined;
  const sd = await domainOfDisk(call.repo, disk);
  if (!sd) throw badRequest(`Disk ${String(disk.alias ?? disk.id)} of VM ${String(vm.name)} is on no storage domain`);
  return {
    id: disk.id,
    file: call.engine.storage.volumePath(sd, disk),
    format: disk.format === 'cow' ? 'qcow2' : 'raw',
    interface: DISK_INTERFACES[String(a.interface)] ?? 'virtio',
    readOnly: a.read_only === true,
    ...(bootIndex !== undefined ? { bootIndex } : {}),
  };
}

async function disks(call: Call, vm: VmObj, bootFrom: number | undefined): Promise<GuestDisk[]> {
  const attachments = (await call.repo.list(T.DiskAttachment, { vm: vm.id })).filter((a) => a.active !== false);
  // The bootable disk comes first in the boot order, as oVirt gives it to libvirt.
  attachments.sort((a, b) => Number(b.bootable === true) - Number(a.bootable === true));
  const out: GuestDisk[] = [];
  for (const [i, a] of attachments.entries()) {
    const disk = await guestDisk(call, vm, a, i === 0 ? bootFrom : undefined);
    if (disk) out.push(disk);
  }
  return out;
}

/**
 * The file of an ISO: a disk of a data domain holding it, or the file in the ISO domain of the VM's
 * data center (it has one at most, as in oVirt), whose host finds it or says it cannot; no
 * directory is read here, in the request's transaction.
 */
export async function isoFile(call: Call, vm: VmObj, fileId: string): Promise<string> {
  const disk = await call.repo.get(T.Disk, fileId);
  if (disk) {
    const sd = await domainOfDisk(call.repo, disk);
    if (sd) return call.engine.storage.volumePath(sd, disk);
  }
  const cluster = await resolve(call.repo, T.Cluster, vm.cluster, 'cluster');
  const domains = await call.repo.list(T.StorageDomain, { data_center: String(cluster.data_center?.id) }, { where: { type: 'iso' } });
  const iso = domains.find((d) => d.status === 'active');
  if (!iso) throw badRequest(`ISO file '${fileId}' cannot be inserted: the virtual machine's data center has no active ISO domain`);
  return path.join(call.engine.storage.isoDir(iso), path.basename(fileId));
}

/** A cloud-init NoCloud seed from oVirt's initialization settings. */
function cloudInit(vm: VmObj, init: Obj): NonNullable<GuestSpec['cloudInit']> {
  const lines = ['#cloud-config'];
  const hostName = typeof init.host_name === 'string' ? init.host_name : String(vm.name);
  lines.push(`hostname: ${JSON.stringify(hostName)}`);
  const user = typeof init.user_name === 'string' && init.user_name ? init.user_name : 'root';
  if (typeof init.root_password === 'string') {
    lines.push('ssh_pwauth: true', 'chpasswd:', '  expire: false', '  list: |', `    ${user}:${init.root_password}`);
  }
  if (typeof init.authorized_ssh_keys === 'string' && init.authorized_ssh_keys.trim()) {
    lines.push('ssh_authorized_keys:', ...init.authorized_ssh_keys.trim().split('\n').map((k) => `  - ${JSON.stringify(k.trim())}`));
  }
  if (typeof init.timezone === 'string') lines.push(`timezone: ${JSON.stringify(init.timezone)}`);
  const custom = typeof init.custom_script === 'string' ? `\n${init.custom_script}\n` : '';
  return {
    userData: `${lines.join('\n')}\n${custom}`,
    metaData: `instance-id: ${vm.id}\nlocal-hostname: ${hostName}\n`,
  };
}

/** A VM's NIC as its guest gets it, with its profile's network by name (the bridge a host may have for it). */
export async function guestNic(call: Call, n: ObjOf<typeof T.Nic>): Promise<GuestNic> {
  const profile = n.vnic_profile?.id ? await call.repo.get(T.VnicProfile, n.vnic_profile.id) : undefined;
  const network = profile?.network?.id ? await call.repo.get(T.Network, profile.network.id) : undefined;
  return {
    id: String(n.id), mac: String(isObj(n.mac) ? n.mac.address : ''), model: NIC_MODELS[String(n.interface)] ?? 'virtio',
    ...(network?.name ? { network: String(network.name) } : {}),
  };
}

function kernel(vm: VmObj): GuestSpec['kernel'] {
  const os = isObj(vm.os) ? vm.os : {};
  if (typeof os.kernel !== 'string' || !os.kernel) return undefined;
  const cmdline = [os.cmdline, os.custom_kernel_cmdline].filter((s) => typeof s === 'string' && s).join(' ');
  return { file: os.kernel, ...(typeof os.initrd === 'string' && os.initrd ? { initrd: os.initrd } : {}), ...(cmdline ? { cmdline } : {}) };
}

export async function guestSpec(call: Call, vm: VmObj, run: RunChoices): Promise<GuestSpec> {
  const order = (device: string) => {
    const i = run.devices.indexOf(device);
    return i < 0 ? undefined : i + 1;
  };
  const topology = isObj(vm.cpu) && isObj(vm.cpu.topology) ? vm.cpu.topology : {};
  const nics = await call.repo.list(T.Nic, { vm: vm.id });
  const direct = kernel(vm);
  // The console the VM has is the one its guest gets (SPICE when it has both, as one QEMU display serves one).
  const protocols = (await call.repo.list(T.GraphicsConsole, { vm: vm.id })).map((c) => String(c.protocol));
  const display = protocols.includes('spice') ? 'spice' : protocols.includes('vnc') ? 'vnc' : 'none';
  return {
    id: vm.id,
    name: String(vm.name),
    memoryMiB: Math.max(16, Math.ceil(Number(vm.memory ?? 2 ** 30) / 2 ** 20)),
    cpu: { sockets: Number(topology.sockets ?? 1) || 1, cores: Number(topology.cores ?? 1) || 1, threads: Number(topology.threads ?? 1) || 1 },
    disks: await disks(call, vm, order('hd')),
    cdrom: { ...(run.cdFile ? { file: await isoFile(call, vm, run.cdFile) } : {}), ...(order('cdrom') !== undefined ? { bootIndex: order('cdrom') } : {}) },
    nics: await Promise.all(nics.filter((n) => n.plugged !== false).map((n) => guestNic(call, n))),
    ...(direct ? { kernel: direct } : {}),
    ...(order('network') !== undefined ? { networkBootIndex: order('network') } : {}),
    display,
    ...(run.initialization ? { cloudInit: cloudInit(vm, run.initialization) } : {}),
  };
}
