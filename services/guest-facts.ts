// What a guest's agent reports, as oVirt's engine shows it: the VM's `fqdn`,
// `guest_operating_system` and `guest_time_zone`, and a reported device per network interface.
import { createHash } from 'node:crypto';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { GuestAgentFacts } from '../model/agent-protocol';

type VmObj = ObjOf<typeof T.Vm>;

/** The VM's members that come from its guest agent: gone when no agent answers (or the VM is down). */
export const GUEST_FACTS = ['fqdn', 'guest_operating_system', 'guest_time_zone'] as const satisfies readonly (keyof VmObj)[];

type Facts = Pick<VmObj, (typeof GUEST_FACTS)[number]>;

/** "6.1.0-57-amd64" → 6, 1, 0, 57: the numbers oVirt splits a version into. */
function versionOf(text: string | undefined): ObjOf<typeof T.Version> | undefined {
  if (!text) return undefined;
  const [major, minor, build, revision] = (text.match(/\d+/g) ?? []).map(Number);
  return { full_version: text, major, minor, build, revision };
}

/** Seconds east of UTC as oVirt writes them: "+02:00". */
function utcOffset(seconds: number): string {
  const minutes = Math.abs(Math.round(seconds / 60));
  return `${seconds < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function vmFactsOf(facts: GuestAgentFacts): Facts {
  const { os } = facts;
  return {
    ...(facts.hostname ? { fqdn: facts.hostname } : {}),
    guest_operating_system: {
      architecture: os.machine,
      codename: os.version,
      distribution: os.name,
      // As vdsm tells them apart: Windows guests say so, the others are Linux.
      family: os.id === 'mswindows' ? 'Windows' : 'Linux',
      kernel: { version: versionOf(os.kernelRelease) },
      version: versionOf(os.versionId),
    },
    ...(facts.timezone ? { guest_time_zone: { name: facts.timezone.zone ?? '', utc_offset: utcOffset(facts.timezone.offset) } } : {}),
  };
}

/** A stable id for what a guest reports of one of its devices. */
function reportedId(vmId: string, name: string): string {
  const h = createHash('sha256').update(`${vmId}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The guest's network interfaces, as oVirt lists them under `reporteddevices`. */
export function reportedDevicesOf(vmId: string, facts: GuestAgentFacts): Obj[] {
  return facts.interfaces.map((i) => ({
    id: reportedId(vmId, i.name), name: i.name, description: 'guest reported data', type: 'network',
    ...(i.mac ? { mac: { address: i.mac } } : {}),
    ips: i.addresses.map((a) => ({ address: a.address, version: a.version })),
  }));
}
