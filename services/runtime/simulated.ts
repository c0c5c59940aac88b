// The simulated runtime: hosts with configurable capacity and VMs that move through the same
// states a real engine shows, on timings scaled by HANGAR_SIM_SPEED. It never runs a guest.
// A test (or a person) makes a host stop answering by creating `<data dir>/sim/<host name>.down`,
// and gives it networks the engine does not manage with files in `<data dir>/sim/<host name>.unmanaged/`
// (each named as the network, holding the name of the interface carrying it).
import fs from 'node:fs';
import path from 'node:path';
import { Obj } from '../../model/codec';
import { ConsoleEndpoint, GuestReport, HostFacts, Phase, Runtime, UnmanagedNetwork } from './runtime';

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
    const down = new Set(await fs.promises.readdir(path.join(this.s.dataDir, 'sim')).catch(() => [] as string[]));
    return new Set(hosts.filter((h) => !down.has(`${String(h.name)}.down`)).map((h) => String(h.id)));
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
    return protocol === 'spice' ? { address: String(host.address), port: base, tls_port: base + 1 } : { address: String(host.address), port: base };
  }

  guest(): GuestReport {
    // No guest runs, so no agent answers and nothing is reported.
    return { agent: false, reported_devices: [], applications: [], sessions: [] };
  }

  devices(host: Obj): Obj[] {
    // The host's own hardware (not passable) and one PCI network card and one USB device that are,
    // with ids made from the host's id so they stay the same.
    const hex = String(host.id).replace(/-/g, '');
    const id = (n: number) => `${hex.slice(0, 8)}-0000-4000-${(0x8000 + n).toString(16)}-${hex.slice(-12)}`;
    const device = (n: number, name: string, capability: string, product: string, vendor: string, parent?: number): Obj => ({
      id: id(n), name, capability, product: { name: product }, vendor: { name: vendor }, placeholder: false,
      host: { id: host.id }, ...(parent === undefined ? {} : { parent_device: { id: id(parent) } }),
    });
    return [
      device(1, 'computer', 'system', 'Simulated host', 'Hangar'),
      { ...device(2, 'pci_0000_00_19_0', 'pci', 'Simulated 10 GbE adapter', 'Hangar', 1), iommu_group: 9, driver: 'vfio-pci', virtual_functions: 0 },
      { ...device(3, 'usb_1_1', 'usb_device', 'Simulated USB key', 'Hangar', 1), driver: 'usb' },
    ];
  }
}
