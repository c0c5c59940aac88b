// A template of the engine made from an OVF document (register from a domain's OVF store, import
// from an OVA): its settings, CD-ROM and console, and its NICs on the vNIC profiles their networks
// map to, as a base version. Its disks are the caller's: where their images come from differs.
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call } from './behaviour';
import { refTo } from './refs';
import { conflict } from './fault';
import { OvfRead } from './ovf';
import { Mappings, profileOf } from './ovf-vm';
import { configurationOf } from './templates';
import { CDROM_ID, displayConsole } from './store/devices';

type ClusterObj = ObjOf<typeof T.Cluster>;

/** Stores the template of the document as `id` named `name` in `cluster`; refuses a name or id the engine has. */
export async function addTemplateOf(call: Call, read: OvfRead, cluster: ClusterObj, given: { id: string; name: string }, mappings: Mappings): Promise<void> {
  const { id, name } = given;
  if (await call.repo.get(T.Template, id)) throw conflict(`Cannot add template ${name}: the engine has template ${id} already`);
  if ((await call.repo.count(T.Template, {}, { name })) > 0) throw conflict(`Cannot add template ${id}: the name '${name}' is already in use`);
  const template = {
    ...configurationOf(read.vm), id, name, ...(read.vm.description ? { description: read.vm.description } : {}),
    cluster: refTo(cluster), status: 'ok' as const, creation_time: new Date().toISOString(),
    version: { version_number: 1, version_name: 'base version', base_template: { id } },
  };
  await call.repo.insert(T.Template, template);
  await call.repo.insert(T.Cdrom, { id: CDROM_ID, template: { id } });
  await call.repo.insert(T.GraphicsConsole, displayConsole('template', template));
  for (const n of read.nics) {
    const profile = await profileOf(call, mappings, cluster, n);
    await call.repo.insert(T.Nic, {
      id: randomUUID(), name: n.name, interface: n.interface as ObjOf<typeof T.Nic>['interface'], linked: n.linked, plugged: n.plugged,
      ...(profile ? { vnic_profile: { id: String(profile.id) } } : {}), template: { id },
    });
  }
}
