// The qemu-system-x86_64 command line of a guest, as an argv array (never through a shell):
// a q35 machine, KVM when the host has it and TCG otherwise, the disks as -blockdev nodes, the
// monitor, serial console and display in the guest's run directory.
import { GuestDisk, GuestNic, GuestSpec, SPICE_SECURE_CHANNELS } from '../model/agent-protocol';
import { QemuUser } from './qemu-user';

export interface GuestFiles {
  qmp: string;
  serialLog: string;
  /** The socket of the guest agent's channel. */
  guestAgent: string;
  /** The cloud-init seed ISO, when the guest has one. */
  seed?: string;
  /** Where a SPICE console listens (QEMU does not choose ports itself, as it does for VNC), and the TLS files it serves with. */
  spice?: { port: number; tlsPort: number; x509Dir: string };
}

export interface LaunchOptions {
  kvm: boolean;
  /** Address the consoles listen on. */
  consoleBind: string;
  /** The user QEMU drops to once it has opened its files, when the agent may. */
  runAs?: QemuUser;
  /** The directory of the agent's enrolled key and certificate and the engine's CA, as SPICE's `x509-dir` reads them. */
  x509Dir: string;
}

/** A disk's block node name: QEMU takes at most 31 characters, so the id is shortened. */
export const nodeName = (diskId: string) => `disk-${diskId.replace(/-/g, '').slice(0, 24)}`;

/** The block node of a disk: its file, then the format over it (QMP's `blockdev-add` arguments). */
export function blockdevOf(disk: GuestDisk): Record<string, unknown> {
  return {
    driver: disk.format,
    'node-name': nodeName(disk.id),
    'read-only': disk.readOnly,
    'discard': 'unmap',
    file: { driver: 'file', filename: disk.file, 'read-only': disk.readOnly },
  };
}

const boot = (index: number | undefined) => (index === undefined ? '' : `,bootindex=${index}`);

/** The guest device of a disk on the bus its interface names (QMP's `device_add` arguments); `bus` places a virtio disk. */
export function diskDeviceOf(disk: GuestDisk, bus: string): Record<string, string | number> {
  // A serial lets the guest name the disk by the engine's id, as oVirt's guests see it.
  const common = { drive: nodeName(disk.id), id: `dev-${disk.id}`, serial: disk.id.replace(/-/g, '').slice(0, 20), ...(disk.bootIndex === undefined ? {} : { bootindex: disk.bootIndex }) };
  switch (disk.interface) {
    case 'virtio_scsi': return { driver: 'scsi-hd', bus: 'scsi0.0', ...common };
    case 'sata':
    case 'ide': return { driver: 'ide-hd', bus, ...common };
    default: return { driver: 'virtio-blk-pci', ...(bus ? { bus } : {}), ...common };
  }
}

/** A `-device` argument from `device_add` arguments. */
const deviceArg = ({ driver, ...props }: Record<string, string | number>) => [driver, ...Object.entries(props).map(([k, v]) => `${k}=${v}`)].join(',');

/** PCIe root ports left free at start, one per disk or NIC that may be plugged into the running guest. */
export const HOTPLUG_PORTS = 4;
export const hotplugPort = (i: number) => `hotplug${i}`;

const nicModel = { virtio: 'virtio-net-pci', e1000: 'e1000', rtl8139: 'rtl8139' } as const;

/** A NIC's user-mode network backend; ids are short, as QEMU's are bounded. */
export const netdevName = (nicId: string) => `net-${nicId.replace(/-/g, '').slice(0, 24)}`;

/** The guest device of a NIC (QMP's `device_add` arguments); `bus` places it on a root port. */
export function nicDeviceOf(nic: GuestNic, bus: string): Record<string, string | number> {
  return { driver: nicModel[nic.model], netdev: netdevName(nic.id), id: `nic-${nic.id}`, mac: nic.mac, ...(bus ? { bus } : {}) };
}

/** The CD-ROM sits on the last port of q35's AHCI controller, leaving the others to disks. */
const CDROM_PORT = 5;

/** A console's display number is found by QEMU from this one on. */
const FIRST_DISPLAY = 0;

/** The guest's command line; its SPICE console's TLS files come with its `files`. */
export function qemuArgv(spec: GuestSpec, files: GuestFiles, o: Omit<LaunchOptions, 'x509Dir'>): string[] {
  const argv = [
    '-name', `guest=${spec.name},debug-threads=on`,
    '-uuid', spec.id,
    '-machine', `q35,accel=${o.kvm ? 'kvm' : 'tcg'}`,
    // The host's CPU, less the MSR nested hypervisors often refuse to set (QEMU then aborts).
    '-cpu', o.kvm ? 'host,-arch-capabilities' : 'max',
    '-m', `size=${spec.memoryMiB}M`,
    '-smp', `${spec.cpu.sockets * spec.cpu.cores * spec.cpu.threads},sockets=${spec.cpu.sockets},cores=${spec.cpu.cores},threads=${spec.cpu.threads}`,
    '-nodefaults', '-no-user-config',
    // QEMU may not run other programs, change its privileges or use obsolete system calls; but
    // `-runas` drops them under the sandbox already in place (dropped, there is none to raise).
    '-sandbox', `on,obsolete=deny,elevateprivileges=${o.runAs ? 'allow' : 'deny'},spawn=deny,resourcecontrol=deny`,
    '-qmp', `unix:${files.qmp},server=on,wait=off`,
    '-serial', `file:${files.serialLog}`,
    '-device', 'virtio-balloon-pci,id=balloon0',
    // The channel qemu-guest-agent answers on, under the name it looks for, as oVirt gives every VM.
    '-chardev', `socket,id=qga0,path=${files.guestAgent},server=on,wait=off`,
    '-device', 'virtio-serial-pci,id=virtio-serial0',
    '-device', 'virtserialport,bus=virtio-serial0.0,chardev=qga0,name=org.qemu.guest_agent.0',
    '-boot', 'strict=on',
  ];
  // Paused until the agent has set up the consoles; an incoming guest starts when its state has come.
  if (!spec.incoming) argv.push('-S');
  else argv.push('-incoming', 'defer');
  if (o.runAs) argv.push('-runas', o.runAs.name);
  // A SCSI controller is always there, so that SCSI disks can be plugged in later.
  argv.push('-device', 'virtio-scsi-pci,id=scsi0');
  for (let i = 0; i < HOTPLUG_PORTS; i++) argv.push('-device', `pcie-root-port,id=${hotplugPort(i)},chassis=${i + 1},bus=pcie.0`);
  let sataPort = 0;
  for (const disk of spec.disks) {
    argv.push('-blockdev', JSON.stringify(blockdevOf(disk)), '-device', deviceArg(diskDeviceOf(disk, disk.interface === 'sata' || disk.interface === 'ide' ? `ide.${sataPort}` : '')));
    if (disk.interface === 'sata' || disk.interface === 'ide') sataPort++;
  }
  const cd = spec.cdrom;
  if (cd.file) {
    argv.push('-blockdev', JSON.stringify({ driver: 'raw', 'node-name': 'cdrom-medium', 'read-only': true, file: { driver: 'file', filename: cd.file, 'read-only': true } }));
  }
  argv.push('-device', `ide-cd,bus=ide.${CDROM_PORT},id=cdrom0${cd.file ? ',drive=cdrom-medium' : ''}${boot(cd.bootIndex)}`);
  if (files.seed) {
    argv.push('-blockdev', JSON.stringify({ driver: 'raw', 'node-name': 'seed', 'read-only': true, file: { driver: 'file', filename: files.seed, 'read-only': true } }));
    argv.push('-device', `ide-cd,bus=ide.${CDROM_PORT - 1},id=seed0,drive=seed`);
  }
  spec.nics.forEach((nic, i) => {
    argv.push('-netdev', `user,id=${netdevName(nic.id)}`, '-device', `${deviceArg(nicDeviceOf(nic, ''))}${i === 0 ? boot(spec.networkBootIndex) : ''}`);
  });
  if (spec.kernel) {
    argv.push('-kernel', spec.kernel.file);
    if (spec.kernel.initrd) argv.push('-initrd', spec.kernel.initrd);
    if (spec.kernel.cmdline) argv.push('-append', spec.kernel.cmdline);
  }
  // The password is set over QMP with the console's ticket; until then no one gets in.
  argv.push('-display', 'none');
  if (spec.display === 'vnc') argv.push('-vga', 'std', '-vnc', `${o.consoleBind}:${FIRST_DISPLAY},to=99,password=on`);
  if (spec.display === 'spice' && files.spice) {
    // As oVirt: a plain port and a TLS one, the secure channels only on the TLS one.
    const { port, tlsPort, x509Dir } = files.spice;
    const tls = [`tls-port=${tlsPort}`, `x509-dir=${x509Dir}`, ...SPICE_SECURE_CHANNELS.map((c) => `tls-channel=${c}`)];
    argv.push('-vga', 'qxl', '-spice', [`port=${port}`, ...tls, `addr=${o.consoleBind}`, 'seamless-migration=on'].join(','));
  }
  return argv;
}
