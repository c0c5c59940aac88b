// The simulated runtime: hosts with configurable capacity and VMs that move through the same
// states a real engine shows, on timings scaled by HANGAR_SIM_SPEED. It never runs a guest.
// A test (or a person) makes a host stop answering by creating `<data dir>/sim/<host name>.down`,
// and gives it networks the engine does not manage with files in `<data dir>/sim/<host name>.unmanaged/`
// (each named as the network, holding the name of the interface carrying it); fencing powers a
// host off by creating `<data dir>/sim/<host id>.off`, so every process sees it.
import fs from 'node:fs';
import path from 'node:path';
import { Obj } from '../../model/codec';
import { ConsoleEndpoint, GuestReport, HostFacts, NicIo, Phase, Runtime, UnmanagedNetwork, hardwareId } from './runtime';

/** Durations at speed 1, in milliseconds, close to what a small real host shows. */
const BASE: Record<Phase, number> = {
  install: 5000,
  launch: 1000,
  power_up: 3000,
  power_down: 3000,
  reboot: 3000,
  save_state: 2000,
  restore_state: 2000,
  migrate: 4000,
  prepare_maintenance: 1000,
  activate: 1000,
  power_cycle: 2000,
};

export interface SimulationSettings {
  /** Time runs this many times faster than BASE. */
  speed: number;
  /** Memory of each simulated host, in bytes. */
  hostMemory: number;
  /** Cores of each simulated host. */
  hostCores: number;
  dataDir: string;
}

export class SimulatedRuntime implements Runtime {
  readonly name = 'simulated';

  constructor(private readonly s: SimulationSettings) {}

  async install(host: Obj): Promise<HostFacts> {
    return {
      memory: this.s.hostMemory,
      cpu: {
        name: 'Simulated CPU (Hangar simulated runtime; runs no guests)',
        speed: 2400,
        topology: { sockets: 1, cores: this.s.hostCores, threads: 1 },
        type: 'Intel Nehalem Family',
      },
      os: { type: 'hangar-simulated', version: { major: 1, full_version: 'Hangar simulated host' } },
      version: { major: 4, minor: 5, build: 0, revision: 0, full_version: 'hangar-simulated' },
      // The host's id stands for the hardware UUID a real host reports.
      hardware_information: { manufacturer: 'Hangar', product_name: 'Simulated host', family: 'simulated', uuid: String(host.id) },
    };
  }

  async responsive(hosts: Obj[]): Promise<Set<string>> {
    // One look at the directory per pass, however many hosts there are.
    const down = new Set(await fs.promises.readdir(this.simDir).catch(() => [] as string[]));
    return new Set(hosts.filter((h) => !down.has(`${String(h.name)}.down`) && !down.has(`${String(h.id)}.off`)).map((h) => String(h.id)));
  }

  private get simDir(): string {
    return path.join(this.s.dataDir, 'sim');
  }

  private powerFile(host: Obj): string {
    return path.join(this.simDir, `${String(host.id)}.off`);
  }

  async powerStatus(host: Obj): Promise<'on' | 'off'> {
    return (await fs.promises.access(this.powerFile(host)).then(() => true, () => false)) ? 'off' : 'on';
  }

  async setPower(host: Obj, on: boolean): Promise<void> {
    if (on) await fs.promises.rm(this.powerFile(host), { force: true });
    else {
      await fs.promises.mkdir(this.simDir, { recursive: true });
      await fs.promises.writeFile(this.powerFile(host), '');
    }
  }

  async updatesAvailable(): Promise<boolean> {
    // Nothing is installed on a simulated host, so nothing has updates.
    return false;
  }

  hooks(): Obj[] {
    // No VDSM runs on a simulated host, so no hooks are installed.
    return [];
  }

  devices(host: Obj): Obj[] {
    // A small PCI tree under the root device, named as libvirt names devices; ids encode the
    // names in hex, as oVirt's do. Every product says it is simulated.
    const vendor = { name: 'Hangar (simulated runtime)' };
    const device = (name: string, capability: string, product: string, parent?: string, more: Obj = {}): Obj => ({
      id: Buffer.from(name).toString('hex'), name, capability, product: { name: product }, vendor,
      placeholder: false, host: { id: host.id }, ...(parent ? { parent_device: { id: Buffer.from(parent).toString('hex') } } : {}), ...more,
    });
    const nic = this.nics(host)[0];
    return [
      device('computer', 'system', 'Simulated host (runs no guests)'),
      device('pci_0000_00_00_0', 'pci', 'Simulated host bridge', 'computer', { iommu_group: 0 }),
      device('pci_0000_00_01_0', 'pci', 'Simulated Ethernet controller', 'pci_0000_00_00_0', { iommu_group: 1, driver: 'hangar-sim-net', virtual_functions: 0 }),
      device('pci_0000_00_02_0', 'pci', 'Simulated SATA controller', 'pci_0000_00_00_0', { iommu_group: 2, driver: 'hangar-sim-ahci' }),
      device(`net_${String(nic.name)}_${String((nic.mac as Obj).address).replace(/:/g, '_')}`, 'net', 'Simulated network interface', 'pci_0000_00_01_0'),
    ];
  }

  numaNodes(host: Obj): Obj[] {
    // One node holding every core and all the memory.
    return [{
      id: hardwareId(host, 1, 0), name: 'node 0', index: 0, memory: Math.floor(this.s.hostMemory / 2 ** 20), node_distance: '10',
      cpu: { cores: Array.from({ length: this.s.hostCores }, (_, i) => ({ index: i })) },
      host: { id: host.id },
    }];
  }

  cpuUnits(host: Obj): Obj[] {
    return Array.from({ length: this.s.hostCores }, (_, i) => ({
      id: hardwareId(host, 2, i), socket_id: 0, core_id: i, cpu_id: i, runs_vdsm: false,
    }));
  }

  blockStorage(): Obj[] {
    // A simulated host has no block devices: its storage domains are directories.
    return [];
  }

  duration(phase: Phase): number {
    return Math.max(1, Math.round(BASE[phase] / this.s.speed));
  }

  get monitorInterval(): number {
    return Math.max(20, Math.round(2000 / this.s.speed));
  }

  nics(host: Obj): Obj[] {
    // Four 10 Gb/s interfaces with MAC addresses and ids made from the host's id, so they stay the same.
    const hex = String(host.id).replace(/-/g, '');
    return [0, 1, 2, 3].map((i) => ({
      id: `${hex.slice(0, 8)}-000${i}-4000-8000-${hex.slice(-12)}`,
      name: `eth${i}`,
      mac: { address: ['02', ...[0, 2, 4, 6].map((j) => hex.slice(j, j + 2)), (parseInt(hex.slice(8, 10), 16) ^ i).toString(16).padStart(2, '0')].join(':') },
      // The management interface answers at the host's address.
      ...(i === 0 ? { ip: { address: String(host.address), version: 'v4' }, boot_protocol: 'dhcp' } : { boot_protocol: 'none' }),
      mtu: 1500,
      speed: 10_000_000_000,
      status: host.status === 'up' ? 'up' : 'down',
      host: { id: host.id },
    }));
  }

  private unmanagedDir(host: Obj): string {
    return path.join(this.s.dataDir, 'sim', `${String(host.name)}.unmanaged`);
  }

  async unmanagedNetworks(host: Obj): Promise<UnmanagedNetwork[]> {
    const dir = this.unmanagedDir(host);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    return Promise.all(names.sort().map(async (name) => ({ name, nic: (await fs.promises.readFile(path.join(dir, name), 'utf8')).trim() })));
  }

  async removeUnmanagedNetwork(host: Obj, name: string): Promise<void> {
    await fs.promises.rm(path.join(this.unmanagedDir(host), path.basename(name)), { force: true });
  }

  traffic(nic: Obj): { rx: number; tx: number } {
    // A steady, plausible figure on a link that is up.
    return nic.status === 'up' ? { rx: 12_500, tx: 6_250 } : { rx: 0, tx: 0 };
  }

  load(kind: 'host' | 'vm', obj: Obj): { cpuPercent: number; memoryUsed: number } {
    // A steady, plausible figure: a fixed share of the configured memory and a low CPU load.
    const memory = kind === 'host' ? this.s.hostMemory : Number(obj.memory ?? 0);
    return { cpuPercent: kind === 'host' ? 5 : 2, memoryUsed: Math.round(memory * 0.25) };
  }

  console(vm: Obj, host: Obj, protocol: 'spice' | 'vnc'): ConsoleEndpoint {
    // Ports as libvirt gives them from 5900, two per VM, chosen from the VM's id so they stay the
    // same; nothing listens on them, as no guest runs.
    const base = 5900 + 2 * (parseInt(String(vm.id).replace(/-/g, '').slice(-4), 16) % 500);
    const address = String(host.address);
    return protocol === 'spice' ? { address, port: base, tls: { port: base + 1, subject: `CN=${address}` } } : { address, port: base };
  }

  diskIo(): { read: number; write: number; readLatency: number; writeLatency: number; flushLatency: number } {
    // No guest runs, so no disk is read or written.
    return { read: 0, write: 0, readLatency: 0, writeLatency: 0, flushLatency: 0 };
  }

  nicIo(): NicIo {
    // No guest runs, so no NIC sends or receives.
    return { rx: 0, tx: 0, rxTotal: 0, txTotal: 0 };
  }

  guest(): GuestReport {
    // No guest runs, so no agent answers and nothing is reported.
    return { agent: false, reported_devices: [], applications: [], sessions: [] };
  }
}
