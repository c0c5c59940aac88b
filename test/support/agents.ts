// Host agents for tests: each a `dist/agent/main.js` process on its own port and run directory,
// on loopback, with a one-time secret of the test's choosing.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';

const AGENT = path.join(__dirname, '..', '..', 'agent', 'main.js');

/** A TCP port free on loopback now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export class TestAgent {
  private proc?: ChildProcess;
  output = '';

  private constructor(readonly name: string, readonly dir: string, readonly port: number, readonly secret: string, private readonly env: Record<string, string>) {}

  static async start(name: string, env: Record<string, string> = {}): Promise<TestAgent> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hangar-agent-${name}-`));
    const agent = new TestAgent(name, dir, await freePort(), `secret-of-${name}`, env);
    await agent.run().catch((e: unknown) => {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    });
    return agent;
  }

  /** Starts the agent process and waits until it listens. */
  async run(): Promise<void> {
    this.output = '';
    const proc = spawn(process.execPath, [AGENT], {
      env: {
        ...process.env, HANGAR_AGENT_DIR: this.dir, HANGAR_AGENT_PORT: String(this.port), HANGAR_AGENT_SECRET: this.secret,
        HANGAR_AGENT_BIND: '127.0.0.1', HANGAR_AGENT_GUEST_BIND: '127.0.0.1', ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (/Hangar host agent (on|waiting)/.test(this.output)) resolve();
      };
      proc.stdout!.on('data', seen);
      proc.stderr!.on('data', seen);
      proc.once('exit', (code) => reject(new Error(`agent ${this.name} exited (${String(code)}): ${this.output}`)));
    });
  }

  /** The agent's guests' run directories. */
  guestDir(vmId: string): string {
    return path.join(this.dir, 'guests', vmId);
  }

  /** What a guest wrote on its serial console so far. */
  serial(vmId: string): string {
    try {
      return fs.readFileSync(path.join(this.guestDir(vmId), 'serial.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** The pid of a guest's QEMU. */
  qemuPid(vmId: string): number {
    return Number(fs.readFileSync(path.join(this.guestDir(vmId), 'pid'), 'utf8'));
  }

  /** Ends the agent as a crash does, leaving its guests running. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const ended = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await ended;
  }

  /** Stops the agent and every QEMU it started, and removes its run directory. */
  async destroy(): Promise<void> {
    await this.kill();
    for (const id of fs.existsSync(path.join(this.dir, 'guests')) ? fs.readdirSync(path.join(this.dir, 'guests')) : []) {
      try {
        process.kill(this.qemuPid(id), 'SIGKILL');
      } catch {
        // Ended already.
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
