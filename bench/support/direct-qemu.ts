// Guests the runtime benchmark runs itself, as the baseline the engine and its host agent are
// measured against: the very command line the agent builds for the same spec (agent/qemu-argv.ts),
// with the monitor and serial log on files of the bench's own.
import fs from 'node:fs';
import path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { GuestSpec } from '../../model/agent-protocol';
import { QEMU } from '../../agent/guest';
import { Qmp } from '../../agent/qmp';
import { qemuArgv } from '../../agent/qemu-argv';
import { TestAgent } from '../../test/support/agents';
import { until } from '../../test/support/until';

/** How long QEMU has to open its monitor. */
const LAUNCH_MS = 30_000;

/** Every QEMU the bench started and has not seen end. */
const running = new Set<ChildProcess>();

/** Kills what the bench's own QEMUs left running (a round that failed half-way). */
export function killDirectGuests(): void {
  for (const proc of running) proc.kill('SIGKILL');
}

/** The spec the agent launched a VM's guest with, as it keeps it in the guest's run directory. */
export function agentSpec(agent: TestAgent, vmId: string): GuestSpec {
  return JSON.parse(fs.readFileSync(path.join(agent.guestDir(vmId), 'spec.json'), 'utf8')) as GuestSpec;
}

/**
 * `spec` on copies (in `dir`) of its writable disks: QEMU locks what it writes, and the agent's
 * guest of the same VM may be running on the originals.
 */
export function withOwnDisks(spec: GuestSpec, dir: string): GuestSpec {
  fs.mkdirSync(dir, { recursive: true });
  const disks = spec.disks.map((d) => {
    if (d.readOnly) return d;
    const copy = path.join(dir, `${d.id}.${d.format}`);
    fs.copyFileSync(d.file, copy);
    return { ...d, file: copy };
  });
  return { ...spec, disks };
}

export interface MigrationStats {
  status: string;
  'total-time'?: number;
  downtime?: number;
  'error-desc'?: string;
  ram?: { transferred: number; total: number };
}

export class DirectGuest {
  private constructor(readonly spec: GuestSpec, readonly dir: string, readonly qmp: Qmp, private readonly ended: Promise<void>, readonly port?: number) {}

  /**
   * Runs `spec` in `dir` and answers once the guest runs, or, for an incoming one, once it waits
   * for its state on a loopback port. The agent's argv holds a guest paused (`-S`) until the
   * monitor says `cont`, as the agent does.
   */
  static async launch(spec: GuestSpec, dir: string, kvm: boolean): Promise<DirectGuest> {
    fs.mkdirSync(dir, { recursive: true });
    const files = { qmp: path.join(dir, 'qmp.sock'), serialLog: path.join(dir, 'serial.log'), guestAgent: path.join(dir, 'qga.sock') };
    const proc = spawn(QEMU, qemuArgv(spec, files, { kvm, consoleBind: '127.0.0.1' }), { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(proc);
    let complaint = '';
    proc.stderr!.on('data', (c: Buffer) => (complaint += c.toString()));
    let exited = false;
    const ended = new Promise<void>((resolve) => {
      const end = () => {
        exited = true;
        running.delete(proc);
        resolve();
      };
      proc.once('exit', end);
      proc.once('error', end);
    });
    let qmp: Qmp | undefined;
    await until(async () => {
      if (exited) throw new Error(`QEMU ended at once: ${complaint.trim()}`);
      qmp = await Qmp.connect(files.qmp).catch(() => undefined);
      return qmp !== undefined;
    }, LAUNCH_MS);
    if (!qmp) throw new Error('QEMU opened no monitor');
    if (!spec.incoming) {
      await qmp.execute('cont');
      return new DirectGuest(spec, dir, qmp, ended);
    }
    // As the agent does: QEMU takes a free port itself and says which.
    await qmp.execute('migrate-incoming', { uri: 'tcp:127.0.0.1:0' });
    const listening = await qmp.execute<{ 'socket-address'?: { port?: string | number }[] }>('query-migrate');
    const port = Number(listening['socket-address']?.[0]?.port);
    if (!port) throw new Error('QEMU did not say which port it waits for the migration on');
    return new DirectGuest(spec, dir, qmp, ended, port);
  }

  /** What the guest wrote on its serial console so far. */
  serial(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'serial.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async runState(): Promise<string> {
    return (await this.qmp.execute<{ status: string }>('query-status')).status;
  }

  /** Sends the running guest to `target` and answers QEMU's figures of the completed migration. */
  async migrateTo(target: DirectGuest): Promise<MigrationStats> {
    await this.qmp.execute('migrate', { uri: `tcp:127.0.0.1:${String(target.port)}` });
    let stats: MigrationStats = { status: 'setup' };
    await until(async () => {
      stats = await this.qmp.execute<MigrationStats>('query-migrate');
      if (stats.status === 'failed' || stats.status === 'cancelled') throw new Error(`the migration ${stats.status}: ${stats['error-desc'] ?? ''}`);
      return stats.status === 'completed';
    }, 600_000);
    return stats;
  }

  /** Ends QEMU and answers once it has ended. */
  async quit(): Promise<void> {
    await this.qmp.execute('quit').catch(() => undefined);
    await this.ended;
  }
}
