// Guest NICs on the host's bridges: a NIC whose network is named as a bridge of this host gets a
// tap device the agent makes and enslaves to that bridge (oVirt's hosts name their bridges after
// their networks), where the agent may make one (as root, with iproute2's `ip`); any other NIC
// is on QEMU's user networking. The tap is the host's end of the guest's NIC: what it receives
// the guest sent.
import fs from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { GuestNic } from '../model/agent-protocol';
import { QemuUser } from './qemu-user';

const exec = promisify(execFile);

const mayMakeTaps = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A NIC's tap, named after it: interface names have at most 15 characters. */
export const tapName = (nicId: string) => `hgt${nicId.replace(/-/g, '').slice(0, 12)}`;

/** The bridge a NIC goes on: its network's, when this host has a bridge of that name. */
function bridgeOf(nic: GuestNic): string | undefined {
  if (!mayMakeTaps || !nic.network || !/^[\w.-]{1,15}$/.test(nic.network)) return undefined;
  return fs.existsSync(`/sys/class/net/${nic.network}/bridge`) ? nic.network : undefined;
}

/** Makes the NIC's tap on its bridge, owned by QEMU's user; answers its name, or undefined for user networking. */
export async function makeTap(nic: GuestNic, user: QemuUser | undefined): Promise<string | undefined> {
  const bridge = bridgeOf(nic);
  if (!bridge) return undefined;
  const tap = tapName(nic.id);
  // A tap left by a run that ended without the agent is made again.
  await removeTap(tap);
  await exec('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap', ...(user ? ['user', String(user.uid), 'group', String(user.gid)] : [])]);
  try {
    await exec('ip', ['link', 'set', 'dev', tap, 'master', bridge, 'up']);
  } catch (e) {
    await removeTap(tap);
    throw e;
  }
  return tap;
}

export async function removeTap(tap: string): Promise<void> {
  await exec('ip', ['link', 'del', 'dev', tap]).catch(() => undefined);
}

/** What the guest received and sent through its tap, in bytes (the tap's counters the other way round). */
export function tapCounters(tap: string): { rxBytes: number; txBytes: number } {
  const read = (name: string) => {
    try {
      return Number(fs.readFileSync(`/sys/class/net/${tap}/statistics/${name}`, 'utf8'));
    } catch {
      return 0;
    }
  };
  return { rxBytes: read('tx_bytes'), txBytes: read('rx_bytes') };
}
