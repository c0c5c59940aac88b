// The qemu-system-x86_64 command line of a guest, as an argv array (never through a shell):
// a q35 machine, KVM when the host has it and TCG otherwise, the disks as -blockdev nodes, each
// virtio disk and NIC on a PCIe root port of its own, the monitor, serial console and display in
// the guest's run directory.
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

/** The guest device of a disk on the bus its interface names (QMP's `device_add` arguments); `bus` places an IDE or virtio disk. */
export function diskDeviceOf(disk: GuestDisk, bus: string): Record<string, string | number> {
  // A serial lets the guest name the disk by the engine's id, as oVirt's guests see it.
  const common = { drive: nodeName(disk.id), id: `dev-${disk.id}`, serial: disk.id.replace(/-/g, '').slice(0, 20), ...(disk.bootIndex === undefined ? {} : { bootindex: disk.bootIndex }) };
  switch (disk.interface) {
    case 'virtio_scsi': return { driver: 'scsi-hd', bus: 'scsi0.0', ...common };
    case 'sata':
    case 'ide': return { driver: 'ide-hd', bus, ...common };
    default: return { driver: 'virtio-blk-pci', bus, ...common };
  }
}

/** A `-device` argument from `device_add` arguments. */
const deviceArg = ({ driver, ...props }: Record<string, string | number>) => [driver, ...Object.entries(props).map(([k, v]) => `${k}=${v}`)].join(',');

/**
 * Root ports a guest has at least, as oVirt gives a q35 guest: every disk and NIC sits on one of
 * its own, so that any of them can be unplugged, and those left free take devices plugged later.
 */
export const ROOT_PORTS = 16;
/** Root ports left free however many devices a guest starts with. */
export const SPARE_PORTS = 4;
export const portName = (i: number) => `port${i}`;

/** Root ports are functions of slots from this one on, eight to a slot, each at a fixed address. */
const FIRST_PORT_SLOT = 0x10;
/** The root ports the slots up to q35's own devices (slot 0x1f) hold. */
const MAX_PORTS = (0x1f - FIRST_PORT_SLOT) * 8;

/** The devices that sit on root ports: virtio disks, then NICs, in the spec's order. */
const onPorts = (spec: Pick<GuestSpec, 'disks' | 'nics'>): string[] => [...spec.disks.filter((d) => d.interface === 'virtio').map((d) => d.id), ...spec.nics.map((n) => n.id)];

/**
 * What each root port holds: the layout the spec brings (a migration's target takes the source's),
 * checked against its devices, else one laid out from the spec, the devices first, then spare ports.
 */
export function portLayout(spec: GuestSpec): (string | null)[] {
  const devices = onPorts(spec);
  if (devices.length + SPARE_PORTS > MAX_PORTS) throw new Error(`a guest has at most ${MAX_PORTS - SPARE_PORTS} virtio disks and NICs, not ${devices.length}`);
  if (!spec.ports) return [...devices, ...Array<null>(Math.max(ROOT_PORTS - devices.length, SPARE_PORTS)).fill(null)];
  const held = spec.ports.filter((p): p is string => p !== null);
  const missing = devices.filter((d) => !held.includes(d));
  const strange = held.filter((p, i) => !devices.includes(p) || held.indexOf(p) !== i);
  if (missing.length || strange.length) {
    throw new Error(`the guest's PCIe layout does not match its devices${missing.length ? `: no port for ${missing.join(', ')}` : ''}${strange.length ? `: ports hold ${strange.join(', ')}, not one device each of the guest` : ''}`);
  }
  return spec.ports;
}

/** The root port `i`, at an address of its own, so that the same layout makes the same machine. */
function rootPort(i: number): string {
  const fn = i % 8;
  return `pcie-root-port,id=${portName(i)},chassis=${i + 1},bus=pcie.0,addr=0x${(FIRST_PORT_SLOT + Math.floor(i / 8)).toString(16)}.${fn}${fn === 0 ? ',multifunction=on' : ''}`;
}

const nicModel = { virtio: 'virtio-net-pci', e1000: 'e1000', rtl8139: 'rtl8139' } as const;

/** A NIC's network backend; ids are short, as QEMU's are bounded. */
export const netdevName = (nicId: string) => `net-${nicId.replace(/-/g, '').slice(0, 24)}`;

/** A NIC as it runs: on the tap the agent made for it, or on user-mode networking. */
export type RunningNic = GuestNic & { tap?: string };

/** A NIC's network backend (QMP's `netdev_add` arguments); QEMU runs no scripts on a tap. */
export function netdevOf(nic: RunningNic): Record<string, string> {
  return nic.tap ? { type: 'tap', id: netdevName(nic.id), ifname: nic.tap, script: 'no', downscript: 'no' } : { type: 'user', id: netdevName(nic.id) };
}

/** The guest device of a NIC (QMP's `device_add` arguments); `bus` places it on a root port. */
export function nicDeviceOf(nic: GuestNic, bus: string): Record<string, string | number> {
  return { driver: nicModel[nic.model], netdev: netdevName(nic.id), id: `nic-${nic.id}`, mac: nic.mac, bus };
}

/** The CD-ROM sits on the last port of q35's AHCI controller, leaving the others to disks. */
const CDROM_PORT = 5;

/** A console's display number is found by QEMU from this one on. */
const FIRST_DISPLAY = 0;

/** The guest's command line; its SPICE console's TLS files come with its `files`. */
export function qemuArgv(spec: GuestSpec & { nics: RunningNic[] }, files: GuestFiles, o: Omit<LaunchOptions, 'x509Dir'>): string[] {
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
  const ports = portLayout(spec);
  ports.forEach((_, i) => argv.push('-device', rootPort(i)));
  const portOf = (id: string) => portName(ports.indexOf(id));
  let sataPort = 0;
  for (const disk of spec.disks) {
    const ide = disk.interface === 'sata' || disk.interface === 'ide';
    argv.push('-blockdev', JSON.stringify(blockdevOf(disk)), '-device', deviceArg(diskDeviceOf(disk, ide ? `ide.${sataPort}` : disk.interface === 'virtio' ? portOf(disk.id) : '')));
    if (ide) sataPort++;
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
    const { type, ...props } = netdevOf(nic);
    argv.push('-netdev', [type, ...Object.entries(props).map(([k, v]) => `${k}=${v}`)].join(','), '-device', `${deviceArg(nicDeviceOf(nic, portOf(nic.id)))}${i === 0 ? boot(spec.networkBootIndex) : ''}`);
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
