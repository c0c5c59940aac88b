// The guests of this host, each in its run directory `<run dir>/guests/<id>`. Those found there
// at start-up are adopted as they are; a guest that ended stays listed, with why, until the
// engine forgets it.
import fs from 'node:fs';
import path from 'node:path';
import { GuestSpec, GuestState } from '../model/agent-protocol';
import { Guest, GuestInUse } from './guest';
import { LaunchOptions } from './qemu-argv';

export class NoSuchGuest extends Error {}

export class Guests {
  private readonly guests = new Map<string, Guest>();
  /** Guests being started: their run directories are being made anew. */
  private readonly launching = new Set<string>();

  private constructor(private readonly dir: string, private readonly launch: LaunchOptions, private readonly migrationBind: string) {}

  static async open(runDir: string, launch: LaunchOptions, migrationBind: string): Promise<Guests> {
    const dir = path.join(runDir, 'guests');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // QEMU, dropped to its user, reaches its own run directory (its sockets) through these, without listing them.
    if (launch.runAs) for (const d of [runDir, dir]) fs.chmodSync(d, fs.statSync(d).mode | 0o111);
    const guests = new Guests(dir, launch, migrationBind);
    for (const id of fs.readdirSync(dir)) {
      const guest = await Guest.adopt(path.join(dir, id), launch.kvm, launch.runAs).catch((e: unknown) => {
        console.error(`guest ${id} could not be adopted:`, e);
        return undefined;
      });
      if (guest) guests.guests.set(guest.id, guest);
    }
    return guests;
  }

  list(): GuestState[] {
    return [...this.guests.values()].map((g) => g.state());
  }

  get(id: string): Guest {
    const guest = this.guests.get(id);
    if (!guest) throw new NoSuchGuest(`no guest ${id} on this host`);
    return guest;
  }

  /** Starts a guest; one that runs already under this id is refused. */
  async start(spec: GuestSpec): Promise<GuestState> {
    if (!/^[0-9a-f-]{36}$/.test(spec.id)) throw new Error(`'${spec.id}' is not a guest id`);
    if (this.guests.get(spec.id)?.running || this.launching.has(spec.id)) throw new GuestInUse(`guest ${spec.id} runs already on this host`);
    // The guest's earlier run, down, makes way: its directory is the new run's.
    this.guests.delete(spec.id);
    this.launching.add(spec.id);
    try {
      const guest = await Guest.launch(path.join(this.dir, spec.id), spec, this.launch, this.migrationBind);
      this.guests.set(spec.id, guest);
      return guest.state();
    } finally {
      this.launching.delete(spec.id);
    }
  }

  /** Forgets a guest that has ended, with its run directory. */
  forget(id: string): void {
    if (this.launching.has(id)) throw new GuestInUse(`guest ${id} is being started again`);
    const guest = this.get(id);
    if (guest.running) throw new GuestInUse(`guest ${id} is running: stop it first`);
    this.guests.delete(id);
    fs.rmSync(guest.dir, { recursive: true, force: true });
  }

  /** The memory the running guests were given, in bytes. */
  committedMemory(): number {
    return [...this.guests.values()].filter((g) => g.running).reduce((sum, g) => sum + g.spec.memoryMiB * 2 ** 20, 0);
  }
}
