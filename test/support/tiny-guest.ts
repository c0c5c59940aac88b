// A tiny Linux guest for the QEMU runtime's tests, made from Debian packages only: Debian's kernel
// (fetched, not installed), the few modules the guest needs, busybox-static for everything but
// qemu-guest-agent (fetched too, with the host's copies of the libraries it links); plus an ISO
// of the same for CD-ROM boots. Built once per set of inputs into a cache
// dir under os.tmpdir(); `node dist/test/support/tiny-guest.js` builds it and prints the result.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Whether this machine has QEMU to run the tiny guest at all; tests of it are skipped without. */
export const hasQemu = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

export interface TinyGuest {
  /** The kernel image, for `-kernel`. */
  kernel: string;
  /** The gzip-compressed initramfs, for `-initrd`. */
  initrd: string;
  /** A BIOS-bootable (GRUB) ISO booting the same kernel and initramfs, for a CD-ROM. */
  iso: string;
  /** The kernel command line a direct boot needs, for `-append` (the ISO's GRUB passes it too). */
  cmdline: string;
  /** The line the guest prints on ttyS0 once it is up, after each boot. */
  readyLine: string;
  /** The guest then prints `${tickPrefix}${n}`, n = 1, 2, ..., once a second. */
  tickPrefix: string;
  /** Written with a newline at byte 0 of /dev/vda, if the guest has one, before the ready line, and of each virtio disk plugged in later. */
  diskMarker: string;
  /** The guest prints `${disksPrefix}vda vdb ...` when its virtio disks change (and once at first). */
  disksPrefix: string;
  /** The guest prints `${cdPrefix}<volume label>` when the CD in its drive changes (an empty label: none). */
  cdPrefix: string;
  /** The guest prints `${nicsPrefix}<mac> <mac> ...` when its network interfaces change (and once at first). */
  nicsPrefix: string;
  /** What the guest's agent reports: its host name, its os-release and the address of its first NIC, when it has one at boot. */
  hostname: string;
  os: { name: string; versionId: string; codename: string };
  address: string;
  /** Added to the kernel command line, the guest starts no guest agent. */
  withoutGuestAgent: string;
}

const CMDLINE = 'console=ttyS0';
const READY_LINE = 'HANGAR-GUEST-READY';
const TICK_PREFIX = 'HANGAR-TICK ';
const DISK_MARKER = 'HANGAR-TINY-GUEST-WROTE-THIS';
const DISKS_PREFIX = 'HANGAR-DISKS ';
const CD_PREFIX = 'HANGAR-CD ';
const NICS_PREFIX = 'HANGAR-NICS ';
const HOSTNAME = 'tiny-guest.hangar.test';
const OS = { name: 'Hangar tiny guest', versionId: '1.0', codename: 'tiny' };
/** QEMU's user networking gives its guests this address (the agent reads what the guest has, not its DHCP). */
const ADDRESS = '10.0.2.15';
const WITHOUT_GUEST_AGENT = 'hangar.guest_agent=off';
/** Where qemu-guest-agent and its libraries go in the initramfs. */
const GUEST_AGENT = 'bin/qemu-ga';
const LIBRARIES = 'lib/qemu-ga';

const OS_RELEASE = `NAME="${OS.name}"
ID=hangar-tiny
VERSION_ID="${OS.versionId}"
VERSION="${OS.versionId} (${OS.codename})"
VERSION_CODENAME=${OS.codename}
PRETTY_NAME="${OS.name} ${OS.versionId}"
`;

/**
 * What the guest loads: virtio disks and NICs, the power button with the event device acpid reads it from,
 * the CD-ROM drive on q35's AHCI controller, and the virtio-serial port of the guest agent.
 */
const WANTED_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'button', 'evdev', 'ahci', 'sr_mod', 'virtio_console'];

const INIT = (modules: string[]) => `#!/bin/busybox sh
# PID 1 of the tiny guest (test/support/tiny-guest.ts).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1 </dev/null
for m in ${modules.join(' ')}; do insmod /lib/modules/$m.ko; done
# Kernel messages from here on would break the lines the tests read.
dmesg -n 1
hostname ${HOSTNAME}
ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
  ip addr add ${ADDRESS}/24 dev eth0
  ip link set eth0 up
fi
# The agent's port is the virtio-serial port QEMU names so (udev's /dev/virtio-ports links are not
# made here); looked for aside, as the port shows a moment after its module loads, or never.
case " $(cat /proc/cmdline) " in *" ${WITHOUT_GUEST_AGENT} "*) ;; *)
  (
    for tries in $(seq 100); do
      for p in /sys/class/virtio-ports/*; do
        [ "$(cat $p/name 2>/dev/null)" = org.qemu.guest_agent.0 ] && LD_LIBRARY_PATH=/${LIBRARIES} exec /${GUEST_AGENT} -m virtio-serial -p /dev/\${p##*/} -t /run -l /dev/null
      done
      usleep 50000
    done
  ) &
esac
if [ -b /dev/vda ]; then
  printf '%s\\n' '${DISK_MARKER}' | dd of=/dev/vda conv=notrunc,fsync 2>/dev/null
  sync
fi
# The power button's event runs /etc/acpi/PWRF/00000080. acpid writes its pid file once it has
# opened the event devices, and the ready line promises that a press is heard.
acpid -l /dev/null -p /acpid.pid
until [ -e /acpid.pid ]; do usleep 10000; done
echo '${READY_LINE}'
n=1
marked=' vda '
disks=none
nics=none
cd=none
while :; do
  echo "${TICK_PREFIX}$n"
  # Disks plugged in get the marker too; the list and the CD's label are told when they change.
  now=''
  for d in /dev/vd?; do
    [ -b "$d" ] || continue
    name=\${d#/dev/}
    now="$now $name"
    case "$marked" in *" $name "*) ;; *)
      printf '%s\\n' '${DISK_MARKER}' | dd of=$d conv=notrunc,fsync 2>/dev/null
      marked="$marked$name "
    esac
  done
  [ "$now" = "$disks" ] || echo "${DISKS_PREFIX}\${now# }"
  disks=$now
  macs=$(cat /sys/class/net/eth*/address 2>/dev/null | tr '\\n' ' ')
  [ "$macs" = "$nics" ] || echo "${NICS_PREFIX}$macs"
  nics=$macs
  label=$(dd if=/dev/sr0 bs=1 skip=32808 count=32 2>/dev/null | tr -d ' ')
  [ "$label" = "$cd" ] || echo "${CD_PREFIX}$label"
  cd=$label
  n=$((n + 1))
  sleep 1
done
`;

const POWER_BUTTON = '#!/bin/sh\nsync\npoweroff -f\n';

const GRUB_CFG = `set timeout=0
menuentry 'tiny guest' {
  linux /boot/vmlinuz ${CMDLINE}
  initrd /boot/initrd.gz
}
`;

let building: Promise<TinyGuest> | undefined;

/** The tiny guest, built on first use (per process, and once per inputs across processes). */
export function tinyGuest(): Promise<TinyGuest> {
  building ??= cachedBuild();
  return building;
}

interface Inputs {
  /** The kernel package and its exact version (`linux-image-6.1.0-57-amd64`, `6.1.192-3`). */
  kernel: { name: string; version: string };
  /** busybox-static: the installed binary, or the version to download. */
  busybox: { installed: string } | { version: string };
  /** The version of qemu-guest-agent to download. */
  guestAgent: string;
}

async function cachedBuild(): Promise<TinyGuest> {
  const inputs = await resolveInputs();
  // This file's own code is an input too: a changed recipe is a new guest.
  const key = createHash('sha256')
    .update(JSON.stringify(inputs))
    .update(fs.readFileSync(__filename))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), `hangar-tiny-guest-${key}`);
  if (!fs.existsSync(dir)) await buildInto(dir, inputs);
  return {
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.gz'),
    iso: path.join(dir, 'tiny-guest.iso'),
    cmdline: CMDLINE,
    readyLine: READY_LINE,
    tickPrefix: TICK_PREFIX,
    diskMarker: DISK_MARKER,
    disksPrefix: DISKS_PREFIX,
    cdPrefix: CD_PREFIX,
    nicsPrefix: NICS_PREFIX,
    hostname: HOSTNAME,
    os: OS,
    address: ADDRESS,
    withoutGuestAgent: WITHOUT_GUEST_AGENT,
  };
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const { stdout } = await exec(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A field of the candidate version of a package, as apt sees it. */
async function aptField(pkg: string, field: string): Promise<string> {
  const show = await run('apt-cache', ['show', '--no-all-versions', pkg]);
  const m = new RegExp(`^${field}: (.*)$`, 'm').exec(show);
  if (!m) throw new Error(`apt-cache show ${pkg} has no ${field}`);
  return m[1];
}

async function resolveInputs(): Promise<Inputs> {
  // The metapackage pins the current kernel: "linux-image-6.1.0-57-amd64 (= 6.1.192-3)".
  const depends = await aptField('linux-image-amd64', 'Depends');
  const m = /(linux-image-\S+) \(= (\S+)\)/.exec(depends);
  if (!m) throw new Error(`linux-image-amd64 depends on no kernel version: ${depends}`);
  return { kernel: { name: m[1], version: m[2] }, busybox: await busyboxInput(), guestAgent: await aptField('qemu-guest-agent', 'Version') };
}

async function busyboxInput(): Promise<Inputs['busybox']> {
  // dpkg-query fails for a package it never heard of; that is "not installed" too.
  const status = await run('dpkg-query', ['-W', '-f=${Status}', 'busybox-static']).catch(() => '');
  if (status !== 'install ok installed') return { version: await aptField('busybox-static', 'Version') };
  const files = (await run('dpkg-query', ['-L', 'busybox-static'])).split('\n');
  const binary = files.find((f) => f.endsWith('/bin/busybox'));
  if (!binary) throw new Error('busybox-static installs no /bin/busybox');
  return { installed: binary };
}

/** Builds in a temp dir beside `dir` and renames it there, so that no reader sees half a guest. */
async function buildInto(dir: string, inputs: Inputs): Promise<void> {
  const work = fs.mkdtempSync(`${dir}.work-`);
  const stage = fs.mkdtempSync(`${dir}.stage-`);
  try {
    const kernelRoot = await fetchPackage(`${inputs.kernel.name}=${inputs.kernel.version}`, work);
    const kver = inputs.kernel.name.replace(/^linux-image-/, '');
    const busybox =
      'installed' in inputs.busybox
        ? inputs.busybox.installed
        : path.join(await fetchPackage(`busybox-static=${inputs.busybox.version}`, work), 'bin', 'busybox');
    fs.copyFileSync(path.join(kernelRoot, 'boot', `vmlinuz-${kver}`), path.join(stage, 'vmlinuz'));
    const modules = await neededModules(modulesDir(kernelRoot, kver));
    const guestAgent = path.join(await fetchPackage(`qemu-guest-agent=${inputs.guestAgent}`, work), 'usr', 'sbin', 'qemu-ga');
    fs.writeFileSync(path.join(stage, 'initrd.gz'), zlib.gzipSync(cpio(initramfs(busybox, modules, guestAgent, await linkedLibraries(guestAgent)))));
    await makeIso(stage, path.join(work, 'iso'));
    try {
      fs.renameSync(stage, dir);
    } catch (e) {
      // Another process finished first: its guest is the same one.
      if (!fs.existsSync(dir)) throw e;
      fs.rmSync(stage, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw e;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Downloads a package (`name=version`) without installing it, and extracts it under `work`. */
async function fetchPackage(spec: string, work: string): Promise<string> {
  const debs = fs.mkdtempSync(path.join(work, 'deb-'));
  await run('apt-get', ['download', '-q', spec], debs);
  const [deb] = fs.readdirSync(debs).filter((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${spec} fetched no .deb`);
  const root = fs.mkdtempSync(path.join(work, 'root-'));
  await run('dpkg-deb', ['-x', path.join(debs, deb), root]);
  return root;
}

/** /lib/modules/<kver> of an extracted kernel package (/usr/lib/modules in newer Debian). */
function modulesDir(root: string, kver: string): string {
  const dir = ['lib', path.join('usr', 'lib')].map((d) => path.join(root, d, 'modules', kver)).find(fs.existsSync);
  if (!dir) throw new Error(`the kernel package has no modules dir for ${kver}`);
  return dir;
}

interface Module {
  name: string;
  /** The uncompressed module. */
  data: Buffer;
}

/** The modules to load, each after its dependencies; built-in ones are left out. */
async function neededModules(dir: string): Promise<Module[]> {
  const builtin = new Set(fs.readFileSync(path.join(dir, 'modules.builtin'), 'utf8').split('\n').map(moduleName));
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (/\.ko(\.xz)?$/.test(f)) files.set(moduleName(f), path.join(dir, f));
  }
  const ordered: Module[] = [];
  const seen = new Set<string>();
  const visit = async (name: string): Promise<void> => {
    if (seen.has(name) || builtin.has(name)) return;
    seen.add(name);
    const file = files.get(name);
    if (!file) throw new Error(`the kernel has no module ${name}`);
    // busybox insmod may not read xz, so modules go into the initramfs uncompressed.
    const data = file.endsWith('.xz') ? await unxz(file) : fs.readFileSync(file);
    for (const dep of modinfo(data, 'depends')) await visit(dep);
    ordered.push({ name, data });
  };
  for (const name of WANTED_MODULES) await visit(name);
  return ordered;
}

/** A module's name as the kernel spells it: `kernel/drivers/a/virtio-blk.ko.xz` → `virtio_blk`. */
function moduleName(file: string): string {
  return path.basename(file).replace(/\.ko(\.xz)?$/, '').replace(/-/g, '_');
}

async function unxz(file: string): Promise<Buffer> {
  const { stdout } = await exec('xz', ['-dc', file], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/**
 * A comma-separated field of a module's .modinfo ELF section. Debian's kernel package ships no
 * modules.dep (its postinst runs depmod), so dependencies are read where depmod reads them.
 */
function modinfo(ko: Buffer, field: string): string[] {
  const shoff = Number(ko.readBigUInt64LE(0x28));
  const shentsize = ko.readUInt16LE(0x3a);
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return { name: ko.readUInt32LE(h), offset: Number(ko.readBigUInt64LE(h + 0x18)), size: Number(ko.readBigUInt64LE(h + 0x20)) };
  };
  const names = section(ko.readUInt16LE(0x3e));
  for (let i = 0; i < ko.readUInt16LE(0x3c); i++) {
    const s = section(i);
    const nameAt = names.offset + s.name;
    if (ko.toString('latin1', nameAt, ko.indexOf(0, nameAt)) !== '.modinfo') continue;
    const entry = ko
      .toString('latin1', s.offset, s.offset + s.size)
      .split('\0')
      .find((e) => e.startsWith(`${field}=`));
    return entry ? entry.slice(field.length + 1).split(',').filter(Boolean) : [];
  }
  throw new Error('a kernel module without .modinfo');
}

/** The shared libraries `binary` links, as the host's dynamic linker finds them (`ldd`), by their file names. */
async function linkedLibraries(binary: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const line of (await run('ldd', [binary])).split('\n')) {
    // "libglib-2.0.so.0 => /lib/x86_64-linux-gnu/libglib-2.0.so.0 (0x...)", or the linker itself by its path.
    const m = /(\/\S+) \(0x/.exec(line);
    if (m) found.set(path.basename(m[1]), m[1]);
    else if (/not found/.test(line)) throw new Error(`${binary} needs a library this machine lacks: ${line.trim()}`);
  }
  return found;
}

interface CpioEntry {
  path: string;
  /** File type and permission bits, as in st_mode. */
  mode: number;
  data?: Buffer;
  /** A device node's major and minor numbers. */
  rdev?: [number, number];
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const DIR = S_IFDIR | 0o755;
const FILE = 0o100644;
const EXECUTABLE = 0o100755;
const CHAR_DEVICE = 0o020600;

function initramfs(busybox: string, modules: Module[], guestAgent: string, libraries: Map<string, string>): CpioEntry[] {
  const dirs = ['bin', 'dev', 'proc', 'sys', 'run', 'tmp', 'etc', 'etc/acpi', 'etc/acpi/PWRF', 'lib', 'lib/modules', LIBRARIES, 'lib64'];
  // The binary asks for its dynamic linker by its absolute path; the other libraries are found through LD_LIBRARY_PATH.
  const linker = [...libraries.values()].find((f) => f.startsWith('/lib64/'));
  if (!linker) throw new Error(`${guestAgent} names no dynamic linker in /lib64`);
  return [
    ...dirs.map((d) => ({ path: d, mode: DIR })),
    // The kernel opens the console for init before anything is mounted.
    { path: 'dev/console', mode: CHAR_DEVICE, rdev: [5, 1] },
    { path: 'bin/busybox', mode: EXECUTABLE, data: fs.readFileSync(busybox) },
    { path: 'init', mode: EXECUTABLE, data: Buffer.from(INIT(modules.map((m) => m.name))) },
    { path: 'etc/acpi/PWRF/00000080', mode: EXECUTABLE, data: Buffer.from(POWER_BUTTON) },
    ...modules.map((m) => ({ path: `lib/modules/${m.name}.ko`, mode: FILE, data: m.data })),
    { path: 'etc/os-release', mode: FILE, data: Buffer.from(OS_RELEASE) },
    { path: GUEST_AGENT, mode: EXECUTABLE, data: fs.readFileSync(guestAgent) },
    { path: linker.slice(1), mode: EXECUTABLE, data: fs.readFileSync(linker) },
    ...[...libraries].filter(([, file]) => file !== linker).map(([name, file]) => ({ path: `${LIBRARIES}/${name}`, mode: FILE, data: fs.readFileSync(file) })),
  ];
}

/** A cpio archive in the "newc" format the kernel unpacks an initramfs from. */
function cpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => parts.push(Buffer.alloc((4 - (n % 4)) % 4));
  const add = (e: CpioEntry, ino: number) => {
    const name = Buffer.from(`${e.path}\0`);
    const size = e.data?.length ?? 0;
    const [rmajor, rminor] = e.rdev ?? [0, 0];
    const nlink = (e.mode & S_IFMT) === S_IFDIR ? 2 : 1;
    // magic, then ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check.
    const fields = [ino, e.mode, 0, 0, nlink, 0, size, 0, 0, rmajor, rminor, name.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`);
    parts.push(header, name);
    pad(header.length + name.length);
    if (e.data) parts.push(e.data);
    pad(size);
  };
  entries.forEach((e, i) => add(e, i + 1));
  add({ path: 'TRAILER!!!', mode: 0 }, 0);
  return Buffer.concat(parts);
}

/** A GRUB rescue ISO (BIOS boot, as SeaBIOS does) with the staged kernel and initramfs. */
async function makeIso(stage: string, root: string): Promise<void> {
  fs.mkdirSync(path.join(root, 'boot', 'grub'), { recursive: true });
  fs.copyFileSync(path.join(stage, 'vmlinuz'), path.join(root, 'boot', 'vmlinuz'));
  fs.copyFileSync(path.join(stage, 'initrd.gz'), path.join(root, 'boot', 'initrd.gz'));
  fs.writeFileSync(path.join(root, 'boot', 'grub', 'grub.cfg'), GRUB_CFG);
  await run('grub-mkrescue', ['-o', path.join(stage, 'tiny-guest.iso'), root]);
}

if (require.main === module) {
  tinyGuest().then(
    (g) => console.log(JSON.stringify(g, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
