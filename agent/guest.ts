// One guest of the host: its QEMU process, watched through QMP. The process is started in a
// session of its own, so it outlives the agent; a restarted agent adopts it again from its run
// directory (spec, pid, monitor socket) without touching the guest. When it ends, why it ended is
// written beside it, for the engine to read before it forgets the guest.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { GuestDisk, GuestExit, GuestNic, GuestSpec, GuestState, GuestStatus } from '../model/agent-protocol';
import { Qmp, QmpEvent } from './qmp';
import { GuestFiles, LaunchOptions, RunningNic, blockdevOf, diskDeviceOf, netdevName, netdevOf, nicDeviceOf, nodeName, portLayout, portName, qemuArgv } from './qemu-argv';
import { makeTap, removeTap } from './taps';
import { seedIso } from './seed';
import { GuestAgentWatch } from './guest-agent';
import { QemuUser, handOver } from './qemu-user';
import { StateChannel, restoreState, sendState } from './state-file';

export const QEMU = process.env.HANGAR_AGENT_QEMU || 'qemu-system-x86_64';

/** How long QEMU has to open its monitor after it is started. */
const LAUNCH_MS = 30_000;

/** How long a failed migration is reported: several polls of the engine. */
const FAILED_MIGRATION_TOLD_MS = 10_000;

/** How long a guest has to let a device go when it is unplugged. */
const UNPLUG_MS = 30_000;

/** How long a closed monitor waits for its QEMU's exit status. */
const CHILD_EXIT_MS = 2000;

/** How often a migration's progress is read. */
const MIGRATION_POLL_MS = 200;

const filesIn = (dir: string) => ({
  spec: path.join(dir, 'spec.json'),
  pid: path.join(dir, 'pid'),
  exit: path.join(dir, 'exit.json'),
  qemuLog: path.join(dir, 'qemu.log'),
  qmp: path.join(dir, 'qmp.sock'),
  guestAgent: path.join(dir, 'qga.sock'),
  serialLog: path.join(dir, 'serial.log'),
  seed: path.join(dir, 'seed.iso'),
  state: path.join(dir, 'state.sock'),
});

/** QEMU's run states, as the guest's status (the agent's own operations are told apart below). */
const RUN_STATES: Record<string, GuestStatus> = {
  running: 'up',
  paused: 'paused',
  'io-error': 'paused',
  'internal-error': 'paused',
  'guest-panicked': 'paused',
  watchdog: 'paused',
  suspended: 'paused',
  prelaunch: 'powering_up',
  inmigrate: 'migrating_in',
  'finish-migrate': 'migrating_out',
  postmigrate: 'migrating_out',
  'restore-vm': 'restoring_state',
  'save-vm': 'saving_state',
  shutdown: 'powering_down',
};

function alive(pid: number, qmpPath: string): boolean {
  try {
    // The pid must still be this guest's QEMU, not a process that took the number since.
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(qmpPath);
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, ms: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const got = await attempt();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** QEMU's last complaints in its log (its notices, such as where VNC listens, left out). */
function tail(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => l && !l.startsWith('VNC server running')).slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

export class Guest {
  private qmp?: Qmp;
  private status: GuestStatus = 'starting';
  private exit?: GuestExit;
  /** Why the agent itself ends the process, when it does. */
  private ending?: GuestExit;
  /** The last SHUTDOWN event QEMU sent. */
  private shutdownEvent?: QmpEvent;
  /** The agent's operation under way, which QEMU's run state alone does not tell. */
  private operation?: 'powering_down' | 'saving_state' | 'migrating_out';
  private migration?: GuestState['migration'];
  /** When the last outgoing migration failed: told for a while, so that a later one is not taken for it. */
  private migrationFailedAt = 0;
  private consoles: GuestState['consoles'] = {};
  private childExit?: string;
  /** Resolves when the QEMU this agent started has exited (not known for an adopted one). */
  private childDone?: Promise<void>;
  private readonly ended: Promise<void>;
  private markEnded!: () => void;
  private forcedStop?: NodeJS.Timeout;
  /** A live snapshot pauses the guest for a moment; it is still up to whoever asks. */
  private snapshotting = false;
  private readonly guestAgent: GuestAgentWatch;
  /** QEMU's own migration bandwidth limit, in bytes per second, read before one is set. */
  private ownBandwidth?: number;

  private constructor(readonly dir: string, public spec: RunningSpec, readonly pid: number | undefined, private readonly accelerator: 'kvm' | 'tcg', private readonly runAs?: QemuUser) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.guestAgent = new GuestAgentWatch(filesIn(dir).guestAgent);
  }

  get id(): string {
    return this.spec.id;
  }

  get files() {
    return filesIn(this.dir);
  }

  /** Starts QEMU for `spec` in `dir`; answers once the monitor answers and the guest runs (or waits for its state). */
  static async launch(dir: string, asked: GuestSpec, o: LaunchOptions, bindMigration: string): Promise<Guest> {
    // The layout is kept with the spec: devices plugged later take its free ports.
    const spec: RunningSpec = { ...asked, ports: portLayout(asked) };
    const f = filesIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // QEMU makes sockets there after it dropped to its user (a saved state's), and reads its disks again on a snapshot.
    handOver(o.runAs, dir, ...spec.disks.map((d) => d.file));
    const guestFiles: GuestFiles = { qmp: f.qmp, serialLog: f.serialLog, guestAgent: f.guestAgent };
    if (spec.display === 'spice') {
      const [port, tlsPort] = await freePorts(o.consoleBind, 2);
      guestFiles.spice = { port, tlsPort, x509Dir: o.x509Dir };
    }
    if (spec.cloudInit) guestFiles.seed = await seedIso(dir, spec.cloudInit, f.seed);
    // The taps come last: once they are made, QEMU is started, and its end removes them.
    spec.nics = await withTaps(asked.nics, o.runAs);
    fs.writeFileSync(f.spec, JSON.stringify(spec));
    const log = fs.openSync(f.qemuLog, 'a');
    const child = spawn(QEMU, qemuArgv(spec, guestFiles, o), { detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const guest = new Guest(dir, spec, child.pid, o.kvm ? 'kvm' : 'tcg', o.runAs);
    guest.childDone = new Promise((resolve) => child.once('exit', (code, signal) => {
      guest.childExit = signal ? `killed by ${signal}` : `exited with code ${String(code)}`;
      // Without a monitor there is nothing else to tell the end by.
      if (!guest.qmp) guest.finish();
      resolve();
    }));
    child.once('error', (e) => {
      guest.childExit = e.message;
      guest.finish();
    });
    child.unref();
    if (child.pid) fs.writeFileSync(f.pid, String(child.pid));
    try {
      const qmp = await waitFor('QEMU opening its monitor', LAUNCH_MS, async () => {
        if (guest.exit) throw new Error('QEMU ended at once');
        return Qmp.connect(f.qmp).catch(() => undefined);
      });
      await guest.attach(qmp);
      if (!spec.incoming) {
        await qmp.execute('cont');
      } else if ('file' in spec.incoming) {
        guest.status = 'restoring_state';
        await restoreState(spec.incoming.file, f.state, async (uri) => void (await qmp.execute('migrate-incoming', { uri })));
        void guest.runWhenRestored(qmp, spec.incoming.consumed ? spec.incoming.file : undefined);
      } else {
        // QEMU takes a free port itself (port 0) and says which: no other process can take it meanwhile.
        await qmp.execute('migrate-incoming', { uri: `tcp:${bindMigration}:0` });
        const listening = await qmp.execute<{ 'socket-address'?: { port?: string | number }[] }>('query-migrate');
        const port = Number(listening['socket-address']?.[0]?.port);
        if (!port) throw new Error('QEMU did not say which port it waits for the migration on');
        guest.migration = { port };
      }
      await guest.refresh();
    } catch (e) {
      if (guest.exit) throw new Error(`${(e as Error).message}: ${guest.exit.message}`);
      guest.kill();
      throw e;
    }
    return guest;
  }

  /**
   * Runs the guest once its saved state is in: a state saved from a paused guest (a snapshot's
   * memory) would leave it paused. Then removes `consumed`, the file a suspend saved, which the
   * running guest has left behind.
   */
  private async runWhenRestored(qmp: Qmp, consumed?: string): Promise<void> {
    for (;;) {
      const state = await qmp.execute<{ status: string }>('query-status').catch(() => undefined);
      if (!state) return;
      if (state.status === 'paused' || state.status === 'postmigrate') await qmp.execute('cont').catch(() => undefined);
      if (state.status !== 'inmigrate') {
        if (consumed) await fs.promises.rm(consumed, { force: true });
        return;
      }
      await new Promise((r) => setTimeout(r, MIGRATION_POLL_MS));
    }
  }

  /** Takes back the guest in `dir` after the agent restarted: running, or ended while no agent watched. */
  static async adopt(dir: string, kvm: boolean, runAs?: QemuUser): Promise<Guest | undefined> {
    const f = filesIn(dir);
    let spec: RunningSpec;
    try {
      spec = JSON.parse(fs.readFileSync(f.spec, 'utf8')) as RunningSpec;
    } catch {
      return undefined;
    }
    const pid = Number(fs.readFileSync(f.pid, 'utf8').trim()) || undefined;
    const guest = new Guest(dir, spec, pid, kvm ? 'kvm' : 'tcg', runAs);
    const recorded = fs.existsSync(f.exit) ? (JSON.parse(fs.readFileSync(f.exit, 'utf8')) as GuestExit) : undefined;
    if (recorded) {
      guest.exit = recorded;
      guest.status = 'down';
      guest.markEnded();
      return guest;
    }
    if (pid === undefined || !alive(pid, f.qmp)) {
      guest.childExit = 'ended while the host agent was not running';
      guest.finish();
      return guest;
    }
    await guest.attach(await Qmp.connect(f.qmp));
    await guest.refresh();
    return guest;
  }

  private async attach(qmp: Qmp): Promise<void> {
    this.qmp = qmp;
    qmp.on('event', (e) => this.event(e));
    qmp.on('close', () => void this.closed());
    this.guestAgent.start();
  }

  /** The monitor closed; a QEMU this agent started says how it ended before the end is told. */
  private async closed(): Promise<void> {
    if (this.childDone) await Promise.race([this.childDone, new Promise((r) => setTimeout(r, CHILD_EXIT_MS))]);
    this.finish();
  }

  private event(e: QmpEvent): void {
    if (e.event === 'SHUTDOWN') this.shutdownEvent = e;
    if (['STOP', 'RESUME', 'RESET', 'MIGRATION'].includes(e.event)) void this.refresh().catch(() => undefined);
  }

  /** Reads QEMU's run state and the console's port. */
  private async refresh(): Promise<void> {
    const qmp = this.qmp;
    if (!qmp || qmp.isClosed) return;
    const state = await qmp.execute<{ status: string }>('query-status');
    const status = RUN_STATES[state.status] ?? 'up';
    // A guest coming back from a saved state is restoring, not migrating.
    this.status = status === 'migrating_in' && this.spec.incoming && 'file' in this.spec.incoming ? 'restoring_state' : status;
    if (this.spec.display === 'vnc' && this.consoles.vnc === undefined) {
      const vnc = await qmp.execute<{ service?: string }>('query-vnc');
      if (vnc.service) this.consoles = { vnc: Number(vnc.service) };
    }
    if (this.spec.display === 'spice' && this.consoles.spice === undefined) {
      const spice = await qmp.execute<{ port?: number; 'tls-port'?: number }>('query-spice');
      if (spice.port) this.consoles = { spice: spice.port, spiceTls: spice['tls-port'] };
    }
  }

  /** The monitor closed: QEMU has ended. Says why, once, and keeps it beside the guest. */
  private finish(): void {
    if (this.exit) return;
    clearTimeout(this.forcedStop);
    this.guestAgent.stop();
    this.removeTaps();
    const data = this.shutdownEvent?.data ?? {};
    if (this.ending) this.exit = this.ending;
    else if (data.guest === true) this.exit = { reason: 'shutdown', message: `the guest powered off (${String(data.reason)})` };
    else if (this.shutdownEvent) this.exit = { reason: 'stopped', message: `QEMU was asked to quit (${String(data.reason)})` };
    else {
      const log = tail(this.files.qemuLog);
      this.exit = {
        reason: this.qmp ? 'crashed' : 'failed',
        message: `the QEMU process ended without shutting down (${this.childExit ?? 'killed or crashed'})${log ? `: ${log}` : ''}`,
      };
    }
    this.status = 'down';
    this.operation = undefined;
    try {
      fs.writeFileSync(this.files.exit, JSON.stringify(this.exit));
    } catch {
      // The run directory is gone: the guest was forgotten meanwhile.
    }
    this.markEnded();
  }

  state(): GuestState {
    return {
      id: this.id,
      status: this.status === 'down' ? 'down' : (this.operation ?? (this.snapshotting ? 'up' : this.status)),
      accelerator: this.accelerator,
      ...(this.pid && this.status !== 'down' ? { pid: this.pid } : {}),
      ...(this.exit ? { exit: this.exit } : {}),
      consoles: this.status === 'down' ? {} : this.consoles,
      ...(this.status === 'down' ? {} : { ports: this.spec.ports }),
      ...(this.migration && !(this.migration.failed && Date.now() - this.migrationFailedAt > FAILED_MIGRATION_TOLD_MS) ? { migration: this.migration } : {}),
      ...(this.guestAgent.facts && this.status !== 'down' ? { guestAgent: this.guestAgent.facts } : {}),
    };
  }

  get running(): boolean {
    return this.status !== 'down';
  }

  private monitor(): Qmp {
    if (!this.qmp || this.qmp.isClosed || !this.running) throw new GuestNotRunning(this.id);
    return this.qmp;
  }

  /** Presses the ACPI power button; QEMU quits after `timeoutMs` if the guest has not powered off. */
  async shutdown(timeoutMs: number): Promise<void> {
    await this.monitor().execute('system_powerdown');
    this.operation = 'powering_down';
    clearTimeout(this.forcedStop);
    this.forcedStop = setTimeout(() => {
      this.ending = { reason: 'stopped', message: `the guest did not power off within ${timeoutMs / 1000} s, so it was stopped` };
      void this.qmp?.execute('quit').catch(() => undefined);
    }, timeoutMs);
  }

  /** Ends QEMU now, as pulling the plug does; answers once it has ended. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.ending ??= { reason: 'stopped', message: 'the guest was stopped' };
    await this.monitor().execute('quit').catch(() => undefined);
    await this.ended;
  }

  async reboot(): Promise<void> {
    await this.monitor().execute('system_reset');
  }

  /** Saves the guest's state to `file` and ends it: the guest is suspended, to be restored from the file. */
  async suspend(file: string): Promise<void> {
    const qmp = this.monitor();
    const channel = await sendState(file, this.files.state, this.runAs);
    this.operation = 'saving_state';
    await this.limitBandwidth(qmp);
    await qmp.execute('migrate', { uri: channel.uri });
    void this.followMigration({ reason: 'saved', message: `the guest's state was saved to ${file}` }, channel);
  }

  /** Moves the running guest to the QEMU waiting at `address:port` (on another host), at most at `mbps` when given. */
  async migrate(address: string, port: number, mbps?: number): Promise<void> {
    const qmp = this.monitor();
    await this.limitBandwidth(qmp, mbps);
    this.operation = 'migrating_out';
    this.migration = { progress: 0 };
    await qmp.execute('migrate', { uri: `tcp:${address}:${port}` });
    void this.followMigration({ reason: 'migrated', message: `the guest moved to ${address}` });
  }

  /** Stops the outgoing migration; the guest runs on here, as the next report tells. */
  async cancelMigration(): Promise<void> {
    const qmp = this.monitor();
    if (this.operation !== 'migrating_out') throw new NotMigrating(`guest ${this.id} is not migrating to another host`);
    await qmp.execute('migrate_cancel');
  }

  /**
   * Sets how fast the guest's state may go, in megabits per second, or back to QEMU's own limit:
   * the limit stays with the QEMU process, and a suspend after a slow migration should not be slow.
   */
  private async limitBandwidth(qmp: Qmp, mbps?: number): Promise<void> {
    this.ownBandwidth ??= (await qmp.execute<{ 'max-bandwidth': number }>('query-migrate-parameters'))['max-bandwidth'];
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': mbps ? Math.round((mbps * 1e6) / 8) : this.ownBandwidth });
  }

  /** Reads a migration's progress until it ends; a completed one ends this QEMU for `done`'s reason. */
  private async followMigration(done: GuestExit, channel?: StateChannel): Promise<void> {
    for (;;) {
      const qmp = this.qmp;
      if (!qmp || qmp.isClosed) return;
      const m = await qmp.execute<{ status?: string; 'error-desc'?: string; ram?: { total: number; transferred: number; remaining: number } }>('query-migrate').catch(() => undefined);
      if (!m) return;
      if (m.ram && m.ram.total > 0) this.migration = { ...this.migration, progress: Math.min(99, Math.floor(100 * (1 - m.ram.remaining / m.ram.total))) };
      if (m.status === 'completed') {
        this.migration = { progress: 100 };
        // A saved state is whole only once the agent has written the last of it.
        await channel?.moved.catch(() => undefined);
        this.ending = done;
        await qmp.execute('quit').catch(() => undefined);
        return;
      }
      if (m.status === 'failed' || m.status === 'cancelled') {
        // QEMU runs the guest on where it was; the engine learns the move did not happen.
        this.operation = undefined;
        this.migration = { failed: m.status, ...(m['error-desc'] ? { error: m['error-desc'] } : {}) };
        this.migrationFailedAt = Date.now();
        await this.refresh().catch(() => undefined);
        return;
      }
      await new Promise((r) => setTimeout(r, MIGRATION_POLL_MS));
    }
  }

  /** Sets the console's one-time password, valid for `seconds`. */
  async ticket(password: string, seconds: number): Promise<void> {
    const qmp = this.monitor();
    const protocol = this.spec.display === 'spice' ? 'spice' : 'vnc';
    await qmp.execute('set_password', { protocol, password });
    await qmp.execute('expire_password', { protocol, time: `+${Math.max(1, Math.round(seconds))}` });
  }

  /** Inserts `file` in the CD-ROM drive, or ejects what it holds. */
  async changeCd(file: string | undefined): Promise<void> {
    const qmp = this.monitor();
    if (file) await qmp.execute('blockdev-change-medium', { id: 'cdrom0', filename: file, format: 'raw', 'read-only-mode': 'read-only' });
    else await qmp.execute('eject', { id: 'cdrom0', force: true });
  }

  /**
   * Takes a live snapshot: the guest pauses, its memory goes to `memoryFile` when asked, each
   * disk's new qcow2 volume (made by the engine over the current one) becomes the volume it
   * writes to, and the guest runs on. Paused throughout, the disks and memory are of one instant.
   */
  async snapshot(disks: { id: string; file: string }[], memoryFile?: string): Promise<void> {
    const qmp = this.monitor();
    const wasRunning = this.status === 'up';
    this.snapshotting = true;
    try {
      if (wasRunning) await qmp.execute('stop');
      if (memoryFile) await this.saveMemory(qmp, memoryFile);
      for (const d of disks) {
        const current = this.spec.disks.find((x) => x.id === d.id);
        if (!current) throw new NoSuchDevice(`disk ${d.id} is not plugged into guest ${this.id}`);
        const overlay = overlayNodeName(d.file);
        handOver(this.runAs, d.file);
        await qmp.execute('blockdev-add', { driver: 'qcow2', 'node-name': overlay, file: { driver: 'file', filename: d.file }, backing: null });
        await qmp.execute('blockdev-snapshot', { node: topNode(current), overlay });
        this.keepSpec({ ...this.spec, disks: this.spec.disks.map((x) => (x.id === d.id ? { ...x, file: d.file, format: 'qcow2' as const, overlays: [...(x.overlays ?? []), overlay] } : x)) });
      }
    } finally {
      if (wasRunning) await qmp.execute('cont').catch(() => undefined);
      this.snapshotting = false;
    }
  }

  /** Writes the paused guest's memory to `file`, as a suspend does, without ending it. */
  private async saveMemory(qmp: Qmp, file: string): Promise<void> {
    const channel = await sendState(file, this.files.state, this.runAs);
    await this.limitBandwidth(qmp);
    await qmp.execute('migrate', { uri: channel.uri });
    for (;;) {
      const m = await qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (m.status === 'completed') break;
      if (m.status === 'failed' || m.status === 'cancelled') throw new Error(`the guest's memory could not be saved: ${m['error-desc'] ?? m.status}`);
      await new Promise((r) => setTimeout(r, MIGRATION_POLL_MS));
    }
    await channel.moved;
  }

  /** Plugs a disk into the running guest: its block node, then its device (a virtio one on a free PCIe port). */
  async plugDisk(disk: GuestDisk): Promise<void> {
    const qmp = this.monitor();
    if (disk.interface === 'sata' || disk.interface === 'ide') throw new Error(`a ${disk.interface} disk cannot be plugged into a running guest: use virtio or virtio_scsi`);
    if (this.spec.disks.some((d) => d.id === disk.id)) throw new GuestInUse(`disk ${disk.id} is plugged in already`);
    const port = disk.interface === 'virtio' ? this.freePort() : undefined;
    handOver(this.runAs, disk.file);
    await this.plugIn(qmp, diskDeviceOf({ ...disk, bootIndex: undefined }, port === undefined ? '' : portName(port)),
      ['blockdev-add', blockdevOf(disk)], ['blockdev-del', { 'node-name': nodeName(disk.id) }]);
    this.keepSpec({ ...this.spec, disks: [...this.spec.disks, disk], ports: this.portsWith(port, disk.id) });
  }

  /** Unplugs a disk: the guest lets its device go, then its block nodes are closed, the top one first. */
  async unplugDisk(diskId: string): Promise<void> {
    const qmp = this.monitor();
    const disk = this.spec.disks.find((d) => d.id === diskId);
    if (!disk) throw new NoSuchDevice(`disk ${diskId} is not plugged into guest ${this.id}`);
    const nodes = [nodeName(diskId), ...(disk.overlays ?? [])].reverse();
    await this.unplug(qmp, `dev-${diskId}`, ...nodes.map((node): QmpCall => ['blockdev-del', { 'node-name': node }]));
    this.keepSpec({ ...this.spec, disks: this.spec.disks.filter((d) => d.id !== diskId), ports: this.portsWithout(diskId) });
  }

  /** Plugs a NIC into the running guest, on its bridge's tap or user-mode networking, on a free PCIe port. */
  async plugNic(asked: GuestNic): Promise<void> {
    const qmp = this.monitor();
    if (this.spec.nics.some((n) => n.id === asked.id)) throw new GuestInUse(`NIC ${asked.id} is plugged in already`);
    const port = this.freePort();
    const [nic] = await withTaps([asked], this.runAs);
    try {
      await this.plugIn(qmp, nicDeviceOf(nic, portName(port)), ['netdev_add', netdevOf(nic)], ['netdev_del', { id: netdevName(nic.id) }]);
    } catch (e) {
      if (nic.tap) await removeTap(nic.tap);
      throw e;
    }
    this.keepSpec({ ...this.spec, nics: [...this.spec.nics, nic], ports: this.portsWith(port, nic.id) });
  }

  /** Unplugs a NIC once the guest lets it go. */
  async unplugNic(nicId: string): Promise<void> {
    const qmp = this.monitor();
    const nic = this.spec.nics.find((n) => n.id === nicId);
    if (!nic) throw new NoSuchDevice(`NIC ${nicId} is not plugged into guest ${this.id}`);
    await this.unplug(qmp, `nic-${nicId}`, ['netdev_del', { id: netdevName(nicId) }]);
    if (nic.tap) await removeTap(nic.tap);
    this.keepSpec({ ...this.spec, nics: this.spec.nics.filter((n) => n.id !== nicId), ports: this.portsWithout(nicId) });
  }

  /** Removes the taps of the guest's NICs, once QEMU has let them go. */
  private removeTaps(): void {
    for (const n of this.spec.nics) if (n.tap) void removeTap(n.tap);
  }

  /** Adds a device's backend (block node, netdev), then the device; a refused device takes its backend away again. */
  private async plugIn(qmp: Qmp, device: Record<string, unknown>, addBackend: QmpCall, removeBackend: QmpCall): Promise<void> {
    await qmp.execute(...addBackend);
    try {
      await qmp.execute('device_add', device);
    } catch (e) {
      await qmp.execute(...removeBackend).catch(() => undefined);
      throw e;
    }
  }

  /** Asks the guest to let a device go, waits until it has, then removes the device's backend. */
  private async unplug(qmp: Qmp, device: string, ...removeBackend: QmpCall[]): Promise<void> {
    const deleted = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the guest did not let ${device} go within ${UNPLUG_MS / 1000} s`)), UNPLUG_MS);
      const seen = (e: QmpEvent) => {
        if (e.event !== 'DEVICE_DELETED' || e.data?.device !== device) return;
        clearTimeout(timer);
        qmp.off('event', seen);
        resolve();
      };
      qmp.on('event', seen);
    });
    await qmp.execute('device_del', { id: device });
    await deleted;
    for (const call of removeBackend) await qmp.execute(...call);
  }

  /** The first root port with nothing plugged into it. */
  private freePort(): number {
    const port = this.spec.ports.indexOf(null);
    if (port < 0) throw new GuestInUse(`guest ${this.id} has no free port to plug a device into: all its ${this.spec.ports.length} root ports hold one`);
    return port;
  }

  /** The layout once `device` sits on `port` (a device on no port, such as a SCSI disk, leaves it as it is). */
  private portsWith(port: number | undefined, device: string): (string | null)[] {
    return this.spec.ports.map((p, i) => (i === port ? device : p));
  }

  /** The layout once `device` has left its port. */
  private portsWithout(device: string): (string | null)[] {
    return this.spec.ports.map((p) => (p === device ? null : p));
  }

  /** Keeps the guest's configuration as it now runs, for adoption and reports. */
  private keepSpec(spec: RunningSpec): void {
    this.spec = spec;
    fs.writeFileSync(this.files.spec, JSON.stringify(spec));
  }

  /** Runs a monitor command for another part of the agent (hot-plug, statistics, snapshots). */
  execute<R>(command: string, args?: Record<string, unknown>): Promise<R> {
    return this.monitor().execute<R>(command, args);
  }

  /** Kills QEMU outright (a launch that failed half-way). */
  private kill(): void {
    if (this.pid) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Waits until QEMU has ended. */
  whenEnded(): Promise<void> {
    return this.ended;
  }
}

/** A QMP command and its arguments. */
type QmpCall = [command: string, args: Record<string, unknown>];

/** A disk's block node once a snapshot put a new volume over it, named after the volume's file. */
const overlayNodeName = (file: string) => `snap-${path.basename(file).replace(/-/g, '').slice(0, 24)}`;

/** A disk as the guest has it: with the block nodes live snapshots put over its own, oldest first. */
export type PluggedDisk = GuestDisk & { overlays?: string[] };

/** The block node the guest writes a disk through: its newest overlay, else its own. */
const topNode = (disk: PluggedDisk) => disk.overlays?.at(-1) ?? nodeName(disk.id);

/** A guest's configuration as it now runs, with what its root ports hold. */
type RunningSpec = Omit<GuestSpec, 'disks' | 'ports' | 'nics'> & { disks: PluggedDisk[]; ports: (string | null)[]; nics: RunningNic[] };

/** The NICs with the taps made for those on a bridge of this host; if one cannot be made, none is left. */
async function withTaps(nics: GuestNic[], user: QemuUser | undefined): Promise<RunningNic[]> {
  const made: RunningNic[] = [];
  try {
    for (const n of nics) {
      const tap = await makeTap(n, user);
      made.push(tap ? { ...n, tap } : n);
    }
    return made;
  } catch (e) {
    for (const n of made) if (n.tap) await removeTap(n.tap);
    throw e;
  }
}

export class NoSuchDevice extends Error {}
export class GuestInUse extends Error {}
export class NotMigrating extends Error {}

export class GuestNotRunning extends Error {
  constructor(id: string) {
    super(`guest ${id} is not running`);
  }
}

/** `count` distinct TCP ports free on `bind` now, for a SPICE console (QEMU picks no port for SPICE itself). */
async function freePorts(bind: string, count: number): Promise<number[]> {
  // All are held open together, so that the system cannot give one port twice.
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, bind, () => resolve(server));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
