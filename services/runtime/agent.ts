// The runtime of real hosts: each runs the Hangar host agent, which starts guests as QEMU
// processes. Adding a host enrolls its agent (the host's root password is the agent's one-time
// secret); from then on the engine reaches it over mutual TLS, polls what it runs and sends it
// commands. What the engine shows of a host (NICs, load, consoles) is what the last poll found.
import { Knex } from 'knex';
import { Obj, isObj } from '../../model/codec';
import { GuestState, GuestStatistics, HostCapabilities } from '../../model/agent-protocol';
import { certifyAgent, engineClientCertificate, subjectOf } from '../pki';
import { AgentAddress, AgentLink, fingerprintOf } from './agent-link';
import { conflict } from '../fault';
import { reportedDevicesOf } from '../guest-facts';
import { ConsoleEndpoint, GuestCommand, GuestDriver, GuestReport, HostFacts, NicIo, Phase, Runtime, UnmanagedNetwork, hardwareId } from './runtime';

/** How long the engine waits for what a host reports, in milliseconds, before it says the operation failed. */
const TIMEOUTS: Record<Phase, number> = {
  install: 0,
  launch: 300_000,
  power_up: 300_000,
  power_down: 600_000,
  reboot: 300_000,
  save_state: 900_000,
  restore_state: 900_000,
  migrate: 3_600_000,
  prepare_maintenance: 1000,
  activate: 1000,
  power_cycle: 1000,
};

/** How long an agent may take to serve again once enrolled (it adopts its guests first). */
const ENROLLED_RESTART_MS = 30_000;

/** The least time a host has to answer a poll. */
const MIN_ANSWER_MS = 5000;

type Capabilities = HostCapabilities & { committedMemory: number };

interface Sample {
  at: number;
  stats: GuestStatistics;
}

export interface AgentRuntimeSettings {
  dataDir: string;
  /** How often hosts are polled, in milliseconds. */
  pollMs: number;
}

const addressOf = (host: Obj): AgentAddress => ({ address: String(host.address), port: Number(host.port ?? 54321) || 54321 });


export class AgentRuntime implements Runtime, GuestDriver {
  readonly name = 'qemu';
  readonly guests: GuestDriver = this;
  private link?: Promise<AgentLink>;
  private readonly capabilities = new Map<string, Capabilities>();
  private readonly fingerprints = new Map<string, string>();
  /** The subject of each host's enrolled certificate, read with its fingerprint: the guests' SPICE consoles serve it. */
  private readonly subjects = new Map<string, string>();
  private readonly states = new Map<string, GuestState[]>();
  /** The last two statistics of each guest, for rates. */
  private readonly samples = new Map<string, [Sample | undefined, Sample]>();

  constructor(private readonly db: Knex, private readonly s: AgentRuntimeSettings) {}

  private client(): Promise<AgentLink> {
    this.link ??= engineClientCertificate(this.db, this.s.dataDir).then((c) => new AgentLink(c));
    return this.link;
  }

  /** The enrolled certificate's fingerprint, read once per host: polls and commands ask for it all the time. */
  private async fingerprint(host: Obj): Promise<string | undefined> {
    const id = String(host.id);
    const known = this.fingerprints.get(id);
    if (known) return known;
    const row = await this.db('host_agents').where('host_id', id).first<{ host_id: string; fingerprint: string; certificate: string } | undefined>();
    if (row) this.remember(row);
    return row?.fingerprint;
  }

  /** Keeps what the engine needs of a host's enrolled certificate, as the database holds it. */
  private remember(enrolled: { host_id: string; fingerprint: string; certificate: string }): void {
    this.fingerprints.set(enrolled.host_id, enrolled.fingerprint);
    this.subjects.set(enrolled.host_id, subjectOf(enrolled.certificate));
  }

  private async call<T>(host: Obj, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const fingerprint = await this.fingerprint(host);
    if (!fingerprint) throw conflict(`The agent of host ${String(host.name)} is not enrolled`);
    try {
      return await (await this.client()).request<T>(addressOf(host), fingerprint, method, path, body, timeoutMs);
    } catch (e) {
      // Another engine process may have enrolled the host again: the next call reads the database.
      this.fingerprints.delete(String(host.id));
      throw e;
    }
  }

  /** Enrolls the host's agent when it is not yet, then reads what the host has. */
  async install(host: Obj): Promise<HostFacts> {
    const enrolled = await this.fingerprint(host);
    const answers = enrolled ? await this.call<Capabilities>(host, 'GET', '/capabilities').catch(() => undefined) : undefined;
    if (!answers) {
      const secret = host.root_password;
      if (typeof secret !== 'string' || !secret) throw conflict(`The agent of host ${String(host.name)} is not enrolled: give its enrollment secret as the host's root_password`);
      const certificate = await (await this.client()).enroll(addressOf(host), secret, (csr) => certifyAgent(this.db, csr, String(host.name), addressOf(host).address));
      const row = { host_id: String(host.id), certificate, fingerprint: fingerprintOf(certificate) };
      await this.db('host_agents').insert(row).onConflict('host_id').merge();
      this.remember(row);
    }
    const caps = answers ?? (await this.firstAnswer(host));
    this.capabilities.set(String(host.id), caps);
    return factsOf(host, caps);
  }

  /** An agent just enrolled restarts its server with its new certificate: it is asked until it answers. */
  private async firstAnswer(host: Obj): Promise<Capabilities> {
    const until = Date.now() + ENROLLED_RESTART_MS;
    for (let delay = 50; ; delay = Math.min(2 * delay, 1000)) {
      try {
        return await this.call<Capabilities>(host, 'GET', '/capabilities');
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async survey(hosts: Obj[]): Promise<Map<string, GuestState[]>> {
    const out = new Map<string, GuestState[]>();
    await Promise.all(hosts.map(async (host) => {
      const id = String(host.id);
      try {
        const [caps, states] = await Promise.all([
          this.call<Capabilities>(host, 'GET', '/capabilities', undefined, this.answerWithin),
          this.call<GuestState[]>(host, 'GET', '/guests', undefined, this.answerWithin),
        ]);
        this.capabilities.set(id, caps);
        this.states.set(id, states);
        await Promise.all(states.filter((g) => g.status !== 'down').map((g) => this.sample(host, g.id)));
        out.set(id, states);
      } catch {
        this.states.delete(id);
      }
    }));
    return out;
  }

  /** How long a host has to answer a poll before it counts as not responding: a busy host is slow, not gone. */
  private get answerWithin(): number {
    return Math.max(4 * this.s.pollMs, MIN_ANSWER_MS);
  }

  private async sample(host: Obj, vmId: string): Promise<void> {
    const stats = await this.call<GuestStatistics>(host, 'GET', `/guests/${vmId}/statistics`).catch(() => undefined);
    if (!stats) return;
    this.samples.set(vmId, [this.samples.get(vmId)?.[1], { at: Date.now(), stats }]);
  }

  async responsive(hosts: Obj[]): Promise<Set<string>> {
    return new Set((await this.survey(hosts)).keys());
  }

  async command(host: Obj, vmId: string, c: GuestCommand): Promise<GuestState | undefined> {
    const { op, ...args } = c;
    try {
      if (c.op === 'start') return await this.call<GuestState>(host, 'PUT', `/guests/${vmId}`, c.spec, 120_000);
      await this.call(host, 'POST', `/guests/${vmId}/${op}`, args, 120_000);
      return undefined;
    } catch (e) {
      throw conflict(`Host ${String(host.name)} could not ${op} VM ${vmId}: ${(e as Error).message}`);
    }
  }

  state(host: Obj, vmId: string): Promise<GuestState> {
    return this.call<GuestState>(host, 'GET', `/guests/${vmId}`);
  }

  async forget(host: Obj, vmId: string): Promise<void> {
    await this.call(host, 'DELETE', `/guests/${vmId}`);
    this.samples.delete(vmId);
  }

  serial(host: Obj, vmId: string, offset: number): Promise<{ offset: number; size: number; text: string }> {
    return this.call(host, 'GET', `/guests/${vmId}/serial?offset=${offset}`);
  }

  duration(phase: Phase): number {
    return TIMEOUTS[phase];
  }

  get monitorInterval(): number {
    return this.s.pollMs;
  }

  private stateOf(vmId: string): GuestState | undefined {
    for (const states of this.states.values()) {
      const found = states.find((g) => g.id === vmId && g.status !== 'down');
      if (found) return found;
    }
    return undefined;
  }

  nics(host: Obj): Obj[] {
    const caps = this.capabilities.get(String(host.id));
    return (caps?.nics ?? []).map((n, i) => ({
      id: hardwareId(host, 3, i), name: n.name, mac: { address: n.mac },
      ...(n.address ? { ip: { address: n.address, version: 'v4' }, boot_protocol: 'dhcp' } : { boot_protocol: 'none' }),
      mtu: n.mtu, ...(n.speed ? { speed: n.speed } : {}), status: n.up ? 'up' : 'down', host: { id: host.id },
    }));
  }

  async unmanagedNetworks(): Promise<UnmanagedNetwork[]> {
    // The agent makes no networks of its own, and reports none it did not make.
    return [];
  }

  async removeUnmanagedNetwork(): Promise<void> {
    // Nothing is unmanaged: see unmanagedNetworks.
  }

  traffic(): { rx: number; tx: number } {
    // Guests use QEMU's user networking, which keeps no counters the host reports.
    return { rx: 0, tx: 0 };
  }

  /** A figure's rate per second between the last two samples of a guest. */
  private rate(vmId: string, read: (s: GuestStatistics) => number): number {
    const [before, last] = this.samples.get(vmId) ?? [];
    if (!before || !last || last.at <= before.at) return 0;
    return Math.max(0, (read(last.stats) - read(before.stats)) / ((last.at - before.at) / 1000));
  }

  diskIo(disk: Obj): { read: number; write: number; readLatency: number; writeLatency: number; flushLatency: number } {
    const id = String(disk.id);
    const vmId = [...this.samples.entries()].find(([, [, last]]) => last.stats.disks.some((d) => d.id === id))?.[0];
    const of = (s: GuestStatistics) => s.disks.find((d) => d.id === id);
    if (!vmId) return { read: 0, write: 0, readLatency: 0, writeLatency: 0, flushLatency: 0 };
    return {
      read: Math.round(this.rate(vmId, (s) => of(s)?.readBytes ?? 0)), write: Math.round(this.rate(vmId, (s) => of(s)?.writeBytes ?? 0)),
      readLatency: 0, writeLatency: 0, flushLatency: 0,
    };
  }

  nicIo(vm: Obj, nicId: string): NicIo {
    const vmId = String(vm.id);
    const of = (s: GuestStatistics) => s.nics.find((n) => n.id === nicId);
    const last = this.samples.get(vmId)?.[1];
    return {
      rx: Math.round(this.rate(vmId, (s) => of(s)?.rxBytes ?? 0)), tx: Math.round(this.rate(vmId, (s) => of(s)?.txBytes ?? 0)),
      rxTotal: (last && of(last.stats)?.rxBytes) ?? 0, txTotal: (last && of(last.stats)?.txBytes) ?? 0,
    };
  }

  load(kind: 'host' | 'vm', obj: Obj): { cpuPercent: number; memoryUsed: number } {
    if (kind === 'host') {
      const caps = this.capabilities.get(String(obj.id));
      return caps ? { cpuPercent: caps.cpuLoad, memoryUsed: caps.memory - caps.freeMemory } : { cpuPercent: 0, memoryUsed: 0 };
    }
    const vmId = String(obj.id);
    const last = this.samples.get(vmId)?.[1];
    const topology = isObj(obj.cpu) && isObj(obj.cpu.topology) ? obj.cpu.topology : {};
    const vcpus = (Number(topology.sockets ?? 1) || 1) * (Number(topology.cores ?? 1) || 1) * (Number(topology.threads ?? 1) || 1);
    return {
      cpuPercent: Math.min(100, Math.round((100 * this.rate(vmId, (s) => s.cpuSeconds)) / vcpus)),
      memoryUsed: last ? (last.stats.memory.balloon ?? last.stats.memory.total) : 0,
    };
  }

  console(vm: Obj, host: Obj, protocol: 'spice' | 'vnc'): ConsoleEndpoint {
    const consoles = this.stateOf(String(vm.id))?.consoles ?? {};
    const endpoint = { address: String(host.address), port: consoles[protocol] ?? 0 };
    // SPICE's TLS port serves the certificate the host's agent was enrolled with.
    const subject = this.subjects.get(String(host.id));
    return protocol === 'spice' && consoles.spiceTls !== undefined && subject ? { ...endpoint, tls: { port: consoles.spiceTls, subject } } : endpoint;
  }

  guest(vm: Obj): GuestReport {
    const facts = this.stateOf(String(vm.id))?.guestAgent;
    // Logons and file-system freezes are not asked of qemu-guest-agent: those actions stay refused.
    return { agent: false, reported_devices: facts ? reportedDevicesOf(String(vm.id), facts) : [], applications: [], sessions: [] };
  }

  hooks(): Obj[] {
    return [];
  }

  devices(host: Obj): Obj[] {
    return [{ id: Buffer.from('computer').toString('hex'), name: 'computer', capability: 'system', product: { name: this.capabilities.get(String(host.id))?.hostname ?? 'host' }, placeholder: false, host: { id: host.id } }];
  }

  numaNodes(host: Obj): Obj[] {
    const caps = this.capabilities.get(String(host.id));
    if (!caps) return [];
    const cpus = caps.cpu.sockets * caps.cpu.cores * caps.cpu.threads;
    return [{
      id: hardwareId(host, 1, 0), name: 'node 0', index: 0, memory: Math.floor(caps.memory / 2 ** 20), node_distance: '10',
      cpu: { cores: Array.from({ length: cpus }, (_, i) => ({ index: i })) }, host: { id: host.id },
    }];
  }

  cpuUnits(host: Obj): Obj[] {
    const caps = this.capabilities.get(String(host.id));
    if (!caps) return [];
    const perSocket = caps.cpu.cores * caps.cpu.threads;
    return Array.from({ length: caps.cpu.sockets * perSocket }, (_, i) => ({
      id: hardwareId(host, 2, i), socket_id: Math.floor(i / perSocket), core_id: Math.floor((i % perSocket) / caps.cpu.threads), cpu_id: i, runs_vdsm: false,
    }));
  }

  blockStorage(): Obj[] {
    // Storage domains are directories: the agent reports no LUNs.
    return [];
  }

  async updatesAvailable(): Promise<boolean> {
    // The agent does not manage the host's packages.
    return false;
  }

  async powerStatus(): Promise<'on' | 'off'> {
    // Without fence agents, a host whose agent runs is on.
    return 'on';
  }

  async setPower(host: Obj): Promise<void> {
    throw conflict(`Host ${String(host.name)} has no fence agent the engine can drive: power it on or off by hand`);
  }

  availableMemory(host: Obj): number | undefined {
    return this.capabilities.get(String(host.id))?.freeMemory;
  }

  close(): void {
    void this.link?.then((l) => l.close());
  }
}

/** The host as the engine shows it, from what its agent read off the machine. */
function factsOf(host: Obj, caps: Capabilities): HostFacts {
  const intel = caps.cpu.flags.includes('vmx') || /intel/i.test(caps.cpu.model);
  return {
    memory: caps.memory,
    cpu: {
      name: caps.cpu.model, speed: caps.cpu.speedMhz,
      topology: { sockets: caps.cpu.sockets, cores: caps.cpu.cores, threads: caps.cpu.threads },
      type: intel ? 'Intel Nehalem Family' : 'AMD Opteron G3',
    },
    os: { type: caps.os.name, version: { full_version: `${caps.os.name} ${caps.os.version} (kernel ${caps.kernel})`, major: Number.parseInt(caps.os.version, 10) || 0 } },
    version: { major: 4, minor: 5, build: 0, revision: 0, full_version: `hangar-agent, QEMU ${caps.qemuVersion}` },
    hardware_information: {
      manufacturer: 'Hangar', family: caps.kvm ? 'KVM' : 'TCG',
      product_name: caps.kvm ? `QEMU/KVM host ${caps.hostname}` : `QEMU host ${caps.hostname} (TCG software emulation: /dev/kvm is not usable)`,
      uuid: String(host.id),
    },
  };
}
