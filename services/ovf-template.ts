// A template of the engine made from an OVF document (register from a domain's OVF store, import
// from an OVA or an export domain, add from a configuration): its settings, CD-ROM and console,
// and its NICs on the vNIC profiles their networks map to, as a base version. Its disks are the
// caller's: where their images come from differs.
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { Call } from './behaviour';
import { refTo, resolve } from './refs';
import { conflict } from './fault';
import { OvfRead } from './ovf';
import { Mappings, attachDiskOf, configurationRead, profileOf } from './ovf-vm';
import { configurationOf } from './templates';
import { CDROM_ID, displayConsole } from './store/devices';

type ClusterObj = ObjOf<typeof T.Cluster>;
type TemplateObj = ObjOf<typeof T.Template>;

/** Stores the template of the document as `id` named `name` in `cluster`; refuses a name or id the engine has. */
export async function addTemplateOf(call: Call, read: OvfRead, cluster: ClusterObj, given: { id: string; name: string } & Obj, mappings: Mappings): Promise<void> {
  const { id, name } = given;
  if (await call.repo.get(T.Template, id)) throw conflict(`Cannot add template ${name}: the engine has template ${id} already`);
  if ((await call.repo.count(T.Template, {}, { name })) > 0) throw conflict(`Cannot add template ${id}: the name '${name}' is already in use`);
  const template = {
    ...configurationOf(read.vm), ...(read.vm.description ? { description: read.vm.description } : {}), ...given,
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

/**
 * `POST /templates` with `initialization.configuration` (type ovf or ova): a template with the
 * document's settings (under those the body gives, its name too), NICs and the disks it names, which
 * must exist and be free (upload_ova_as_vm_or_template.py --template uploads them first).
 */
export async function addTemplateFromConfiguration(call: Call, body: TemplateObj): Promise<TemplateObj> {
  const read = await configurationRead(call, body);
  const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
  const id = randomUUID();
  const { initialization: _initialization, ...settings } = body;
  const given = { ...configurationOf(settings), ...(body.description ? { description: body.description } : {}) };
  await addTemplateOf(call, read, cluster, { ...given, id, name: String(body.name ?? read.vm.name) }, {});
  for (const d of read.disks) await attachDiskOf(call, d, d.id, { template: { id } });
  return (await call.repo.get(T.Template, id))!;
}
