// What this host has, read from the machine: CPUs and their flags, memory, KVM, NICs, QEMU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { HostCapabilities } from '../model/agent-protocol';
import { QEMU } from './guest';

/** How long the KVM probe guest has to say it runs. */
const PROBE_MS = 5000;

/**
 * A boot sector that switches the CPU to 64-bit long mode, counts down from 20 million, writes `K`
 * to the first serial port and halts: the smallest guest that shows the CPU runs what a Linux
 * kernel needs at the hardware's speed (a nested KVM may open and create VMs, and even run them,
 * a thousand times slower than QEMU's own emulation: a kernel then never finishes booting). The
 * loop takes milliseconds under a working KVM, a tenth of a second under TCG. Its source, for
 * `as --32` and `ld -m elf_i386 -Ttext 0x7c00 --oformat binary`:
 *   cli; zero ds, es, ss; sp = 0x7c00; zero 0x1000-0x3fff; PML4[0] = 0x2003, PDPT[0] = 0x3003,
 *   PD[0] = 0x83 (one 2 MiB identity page); lgdt (null, code32, data, code64); cr0.PE; ljmp code32
 *   ds = ss = data; cr4.PAE; cr3 = 0x1000; EFER.LME; cr0.PG; ljmp code64
 *   ecx = 20000000; 1: add eax, ecx; dec ecx; jnz 1b
 *   mov dx, 0x3f8; mov al, 'K'; out dx, al; hlt loop
 */
const PROBE_CODE = [
  'fa31c08ed88ed0bc007cbf00108ec0b90018f3ab66c70600100320000066c70600200330000066c7060030830000000f',
  '0116b87c0f20c06683c8010f22c0ea437c080066b810008ed88ed00f20e083c8200f22e0b8001000000f22d8b9800000',
  'c00f320d000100000f300f20c00d000000800f22c0ea7c7c00001800b9002d310131ff01c8ffc975fa66baf803b04bee',
  'f4ebfd8d742600900000000000000000ffff0000009acf00ffff00000092cf00ffff0000009aaf001f00987c',
].join('');
const PROBE_SECTOR = Buffer.concat([Buffer.from(PROBE_CODE, 'hex'), Buffer.alloc(510 - PROBE_CODE.length / 2), Buffer.from([0x55, 0xaa])]);

/** Whether KVM can be used: the device opens, and the probe guest runs under it in time. */
export async function kvmUsable(runDir: string): Promise<boolean> {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', fs.constants.O_RDWR));
  } catch {
    return false;
  }
  return probeRuns(runDir, 'kvm');
}

/** Whether the probe guest says it ran within PROBE_MS under `accel`. */
export function probeRuns(runDir: string, accel: 'kvm' | 'tcg'): Promise<boolean> {
  const image = path.join(runDir, `${accel}-probe.img`);
  fs.writeFileSync(image, PROBE_SECTOR);
  return new Promise((resolve) => {
    const probe = spawn(QEMU, ['-machine', `pc,accel=${accel}`, '-m', '16', '-nodefaults', '-display', 'none', '-serial', 'stdio', '-drive', `file=${image},format=raw,if=floppy`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => probe.kill('SIGKILL'), PROBE_MS);
    let ran = false;
    probe.stdout.on('data', (c: Buffer) => {
      if (c.includes('K')) {
        ran = true;
        probe.kill('SIGKILL');
      }
    });
    probe.once('error', () => resolve(false));
    probe.once('exit', () => {
      clearTimeout(timer);
      fs.rmSync(image, { force: true });
      resolve(ran);
    });
  });
}

function cpuInfo() {
  const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const first = text.split('\n\n')[0];
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim() ?? '';
  const sockets = new Set([...text.matchAll(/^physical id\s*:\s*(\d+)/gm)].map((m) => m[1])).size || 1;
  const logical = os.cpus().length;
  const coresPerSocket = Number(field('cpu cores')) || logical / sockets;
  return {
    model: field('model name') || os.cpus()[0]?.model || 'unknown',
    speedMhz: Math.round(Number(field('cpu MHz')) || os.cpus()[0]?.speed || 0),
    sockets,
    cores: coresPerSocket,
    threads: Math.max(1, Math.round(logical / (sockets * coresPerSocket))),
    flags: field('flags').split(/\s+/).filter(Boolean),
  };
}

/** Memory the kernel says can be given out without swapping. */
function availableMemory(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : os.freemem();
}

function osRelease(): { name: string; version: string } {
  const text = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
  const value = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { name: value('NAME') || os.type(), version: value('VERSION_ID') || os.release() };
}

function nics(): HostCapabilities['nics'] {
  const out: HostCapabilities['nics'] = [];
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (!addresses || name === 'lo') continue;
    const read = (f: string) => {
      try {
        return fs.readFileSync(`/sys/class/net/${name}/${f}`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    const v4 = addresses.find((a) => a.family === 'IPv4');
    const speed = Number(read('speed'));
    out.push({
      name, mac: addresses[0].mac, address: v4?.address, mtu: Number(read('mtu')) || 1500,
      ...(speed > 0 ? { speed: speed * 1_000_000 } : {}), up: read('operstate') !== 'down',
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

let qemuVersion: string | undefined;

let lastTimes = os.cpus().map((c) => c.times);

/** The share of CPU time the host spent busy since the last call. */
function cpuLoad(): number {
  const now = os.cpus().map((c) => c.times);
  let busy = 0;
  let all = 0;
  now.forEach((t, i) => {
    const p = lastTimes[i] ?? { user: 0, nice: 0, sys: 0, irq: 0, idle: 0 };
    const b = t.user + t.nice + t.sys + t.irq - (p.user + p.nice + p.sys + p.irq);
    busy += b;
    all += b + t.idle - p.idle;
  });
  lastTimes = now;
  return all > 0 ? Math.round((100 * busy) / all) : 0;
}

export function capabilities(kvm: boolean): HostCapabilities {
  qemuVersion ??= execFileSync(QEMU, ['--version'], { encoding: 'utf8' }).split('\n')[0].replace(/^QEMU emulator version\s*/, '');
  return {
    hostname: os.hostname(),
    memory: os.totalmem(),
    freeMemory: availableMemory(),
    cpu: cpuInfo(),
    kvm,
    qemuVersion,
    kernel: os.release(),
    os: osRelease(),
    nics: nics(),
    cpuLoad: cpuLoad(),
  };
}
