// The tiny test guest under plain QEMU, without the engine: booted from its ISO in a CD-ROM and
// from its kernel directly, it writes its marker to its virtio disk, prints the ready line and
// ticks on the serial console, boots again on a reset and powers off on the ACPI power button.
// KVM is used where it runs guests (the agent's probe), TCG otherwise or with HANGAR_AGENT_KVM=off.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { kvmUsable, probeRuns } from '../agent/capabilities';
import { TinyGuest, hasQemu, tinyGuest } from './support/tiny-guest';
import { until } from './support/until';

/** Generous: a boot takes seconds under KVM and tens of seconds under TCG on a busy machine. */
const BOOT_MS = 120_000;
const MiB = 2 ** 20;


/** A QEMU process of the tiny guest, with its serial log and QMP socket. */
class Vm {
  readonly log: string;
  readonly qmpSocket: string;
  readonly started = Date.now();
  private readonly child: ChildProcess;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(dir: string, accel: string[], boot: string[], disk: string) {
    this.log = path.join(dir, 'serial.log');
    this.qmpSocket = path.join(dir, 'qmp.sock');
    // The data disk as JSON, so that no path needs QEMU's comma escaping.
    const data = JSON.stringify({ driver: 'raw', 'node-name': 'data', file: { driver: 'file', filename: disk } });
    this.child = spawn('qemu-system-x86_64', [
      '-machine', 'q35', ...accel, '-m', '256', '-nodefaults', '-display', 'none',
      '-serial', `file:${this.log}`, '-qmp', `unix:${this.qmpSocket},server=on,wait=off`,
      ...boot, '-blockdev', data, '-device', 'virtio-blk-pci,drive=data',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  serial(): string {
    return fs.existsSync(this.log) ? fs.readFileSync(this.log, 'latin1') : '';
  }

  /** How many times `line` was printed, as a whole line. */
  count(line: string): number {
    return this.serial().split('\n').filter((l) => l.trim() === line).length;
  }

  /** Waits until `line` was printed `times` times, failing early if QEMU is gone. */
  async waitFor(line: string, times = 1): Promise<void> {
    await until(async () => {
      if (this.child.exitCode !== null) throw new Error(`QEMU exited (${this.child.exitCode}): ${this.stderr}`);
      return this.count(line) >= times;
    }, BOOT_MS).catch((e: Error) => {
      throw new Error(`${e.message}: no "${line}" (${times}); serial log ends: ${this.serial().slice(-2000)}`);
    });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs one QMP command after the capabilities handshake, and answers its return value. */
function qmp(socketPath: string, execute: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const sent: string[] = [];
    let buffered = '';
    socket.on('error', reject);
    // After an answer this rejects nothing; before one, QEMU went away.
    socket.on('close', () => reject(new Error(`QMP closed before ${execute} was answered`)));
    socket.on('data', (c: Buffer) => {
      buffered += c.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffered.slice(0, nl)) as { QMP?: unknown; return?: unknown; error?: { desc: string } };
        buffered = buffered.slice(nl + 1);
        if (message.error) reject(new Error(`QMP ${sent[sent.length - 1]}: ${message.error.desc}`));
        // The greeting asks for the handshake; the handshake's return lets the command go.
        const next = message.QMP ? 'qmp_capabilities' : 'return' in message && sent.length === 1 ? execute : undefined;
        if (next) {
          sent.push(next);
          socket.write(`${JSON.stringify({ execute: next })}\n`);
        } else if ('return' in message && sent.length === 2) {
          socket.end();
          resolve(message.return);
        }
      }
    });
  });
}

(hasQemu ? describe : describe.skip)('the tiny test guest under QEMU', function () {
  this.timeout(3 * BOOT_MS);
  let guest: TinyGuest;
  let accel: string[];
  let dir: string;
  let vm: Vm | undefined;
  let disk: string;

  before(async function () {
    // The first build downloads the kernel package and makes the ISO.
    this.timeout(600_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-tiny-guest-test-'));
    guest = await tinyGuest();
    const kvm = process.env.HANGAR_AGENT_KVM !== 'off' && (await kvmUsable(dir));
    accel = kvm ? ['-accel', 'kvm', '-accel', 'tcg'] : ['-accel', 'tcg'];
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeEach(function () {
    const run = fs.mkdtempSync(path.join(dir, 'run-'));
    disk = path.join(run, 'data.raw');
    fs.writeFileSync(disk, Buffer.alloc(MiB));
  });

  afterEach(() => vm?.kill());

  /** Boots, and reports the time to the ready line, which the brief's timings compare. */
  const boot = async (title: string, args: string[]): Promise<Vm> => {
    vm = new Vm(path.dirname(disk), accel, args, disk);
    await vm.waitFor(guest.readyLine);
    console.log(`      ${title} (${accel.join(' ')}): ready line after ${((Date.now() - vm.started) / 1000).toFixed(1)} s`);
    await vm.waitFor(`${guest.tickPrefix}2`);
    return vm;
  };

  /** Presses the power button and checks the guest went down by itself, its marker on its disk. */
  const powerOff = async (v: Vm) => {
    await qmp(v.qmpSocket, 'system_powerdown');
    const code = await Promise.race([v.exited, new Promise((r) => setTimeout(() => r('still running'), BOOT_MS))]);
    assert.equal(code, 0);
    const head = fs.readFileSync(disk).subarray(0, guest.diskMarker.length + 1).toString('latin1');
    assert.equal(head, `${guest.diskMarker}\n`);
  };

  it('boots from the ISO in a CD-ROM and powers off on the power button', async () => {
    const v = await boot('CD-ROM', ['-drive', `file=${guest.iso},media=cdrom,if=none,id=cd0`, '-device', 'ide-cd,drive=cd0,bootindex=0']);
    await powerOff(v);
  });

  it('boots its kernel directly, boots again on a reset, and powers off', async () => {
    const v = await boot('kernel', ['-kernel', guest.kernel, '-initrd', guest.initrd, '-append', guest.cmdline]);
    await qmp(v.qmpSocket, 'system_reset');
    await v.waitFor(guest.readyLine, 2);
    await powerOff(v);
  });

  it('has a KVM probe that is a real 64-bit guest: it runs to its end under QEMU\'s emulation', async () => {
    assert.equal(await probeRuns(dir, 'tcg'), true);
  });
});
