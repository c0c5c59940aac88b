// The device rows every VM and template has: a graphical console of its display type, and for
// templates the CD-ROM drive that VMs have too.
import { randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { ObjOf } from '../../model/meta';
import { Repo } from './repo';

/** oVirt's console ids: the protocol's name in hex (`766e63` is VNC). */
export const consoleId = (protocol: string) => Buffer.from(protocol).toString('hex');

/** Every VM and template has one CD-ROM drive, with oVirt's fixed id. */
export const CDROM_ID = '00000000-0000-0000-0000-000000000000';

type Base = ObjOf<typeof T.VmBase> & { id: string };

/** The console a VM or template has for its display type (oVirt's default is VNC). */
export function displayConsole(owner: 'vm' | 'template', obj: Base) {
  const protocol = obj.display?.type ?? 'vnc';
  return { id: consoleId(protocol), protocol, [owner]: { id: obj.id } };
}

/** Gives the VMs and templates made before consoles were kept their console, and templates their CD-ROM. */
export async function addDeviceRows(repo: Repo): Promise<void> {
  for (const vm of await repo.list(T.Vm)) {
    if ((await repo.count(T.GraphicsConsole, { vm: vm.id })) === 0) await repo.insert(T.GraphicsConsole, displayConsole('vm', vm));
  }
  for (const template of await repo.list(T.Template)) {
    if ((await repo.count(T.GraphicsConsole, { template: template.id })) === 0) await repo.insert(T.GraphicsConsole, displayConsole('template', template));
    if ((await repo.count(T.Cdrom, { template: template.id })) === 0) await repo.insert(T.Cdrom, { id: CDROM_ID, template: { id: template.id } });
  }
}

type Owner = { vm: string } | { template: string };
const ownerLink = (o: Owner) => ('vm' in o ? { vm: { id: o.vm } } : { template: { id: o.template } });

/**
 * Copies the devices a new VM or template takes from what it is made from, as oVirt copies
 * them: the watchdog and mediated devices, and the consoles unless the new one has its own.
 */
export async function copyDevices(repo: Repo, from: Owner, to: Owner, o: { consoles: boolean }): Promise<void> {
  const link = ownerLink(to);
  const strip = <D extends { vm?: unknown; template?: unknown }>(d: D) => {
    const { vm: _vm, template: _template, ...rest } = d;
    return rest;
  };
  if (o.consoles) {
    for (const c of await repo.list(T.GraphicsConsole, from)) await repo.insert(T.GraphicsConsole, { ...strip(c), ...link });
  }
  for (const w of await repo.list(T.Watchdog, from)) await repo.insert(T.Watchdog, { ...strip(w), id: randomUUID(), ...link });
  for (const m of await repo.list(T.VmMediatedDevice, from)) await repo.insert(T.VmMediatedDevice, { ...strip(m), id: randomUUID(), ...link });
}
