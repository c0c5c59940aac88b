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
 * A boot sector that writes `K` to the first serial port and halts: the smallest guest that
 * shows the CPU really runs guest code (a nested KVM may open and create VMs, yet never run one).
 */
const PROBE_SECTOR = Buffer.concat([
  Buffer.from([0xba, 0xf8, 0x03, 0xb0, 0x4b, 0xee, 0xfa, 0xf4, 0xeb, 0xfd]), // mov dx,0x3f8; mov al,'K'; out dx,al; cli; hlt; jmp $-1
  Buffer.alloc(500),
  Buffer.from([0x55, 0xaa]),
]);

/** Whether KVM can be used: the device opens, and a probe guest under it runs. */
export async function kvmUsable(runDir: string): Promise<boolean> {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', fs.constants.O_RDWR));
  } catch {
    return false;
  }
  const image = path.join(runDir, 'kvm-probe.img');
  fs.writeFileSync(image, PROBE_SECTOR);
  return new Promise((resolve) => {
    const probe = spawn(QEMU, ['-machine', 'pc,accel=kvm', '-m', '16', '-nodefaults', '-display', 'none', '-serial', 'stdio', '-drive', `file=${image},format=raw,if=floppy`], { stdio: ['ignore', 'pipe', 'ignore'] });
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
