// Live figures of a running guest: CPU time from its QEMU process, memory and balloon, and the
// block counters QEMU keeps per disk.
import fs from 'node:fs';
import { GuestStatistics } from '../model/agent-protocol';
import { Guest } from './guest';
import { tapCounters } from './taps';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the command name (which may hold spaces, so it is skipped by its parenthesis).
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

interface BlockStats {
  qdev?: string;
  stats: { rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number; flush_operations: number };
}

export async function guestStatistics(guest: Guest): Promise<GuestStatistics> {
  const blocks = await guest.execute<BlockStats[]>('query-blockstats');
  const balloon = await guest.execute<{ actual: number }>('query-balloon').catch(() => undefined);
  const disks = guest.spec.disks.map((d) => {
    const s = blocks.find((b) => b.qdev === `dev-${d.id}` || b.qdev?.endsWith(`/dev-${d.id}/virtio-backend`))?.stats;
    return {
      id: d.id, readBytes: s?.rd_bytes ?? 0, writeBytes: s?.wr_bytes ?? 0,
      readOps: s?.rd_operations ?? 0, writeOps: s?.wr_operations ?? 0, flushOps: s?.flush_operations ?? 0,
    };
  });
  return {
    cpuSeconds: cpuSeconds(guest.pid),
    memory: { total: guest.spec.memoryMiB * 2 ** 20, ...(balloon ? { balloon: balloon.actual } : {}) },
    disks,
    // User-mode networking keeps no counters QEMU reports; a tap has the host's.
    nics: guest.spec.nics.map((n) => ({ id: n.id, ...(n.tap ? tapCounters(n.tap) : { rxBytes: 0, txBytes: 0 }) })),
  };
}
