// Templates: VM configurations new VMs are made from. Blank is the built-in one.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { Call, implement } from './behaviour';
import { mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { refTo, resolve } from './refs';
import { CDROM_ID, copyDevices } from './store/devices';
import { Repo, StoredObj } from './store/repo';
import { BLANK_TEMPLATE_ID } from './store/seed';
import { copyVmDisks, templateDisks } from './template-disks';
import { removeDisk } from './disks';
import { exportTemplateToPathOnHost } from './ova';
import { exportTemplate } from './export-domains';
import { addTemplateFromConfiguration } from './ovf-template';

/**
 * The configuration a template gives the VMs made from it: what both types have from VmBase,
 * but for identity, links and what the engine computes.
 */
const SHARED_CONFIGURATION = T.VmBase.attributes
  .filter((a) => !a.readOnly && !a.link && !['name', 'description', 'comment'].includes(a.name))
  .map((a) => a.name);

export function configurationOf(source: Obj): Obj {
  const out: Obj = {};
  for (const k of SHARED_CONFIGURATION) if (source[k] !== undefined) out[k] = structuredClone(source[k]);
  return out;
}

/**
 * The version a new template is: of the base `version.base_template` names, the number after its
 * latest, with the base's name (as oVirt names a template's versions); else a base of its own
 * (linked once it has its id), whose name no template has.
 */
async function versionOf(call: Call, body: Obj): Promise<Obj> {
  const version = isObj(body.version) ? body.version : {};
  if (version.base_template === undefined) {
    if ((await call.repo.count(T.Template, {}, { name: String(body.name) })) > 0) {
      throw conflict(`Cannot save Template: the name '${String(body.name)}' is already in use`);
    }
    return { version: { version_number: 1, version_name: version.version_name ?? 'base version' } };
  }
  const base = await resolve(call.repo, T.Template, version.base_template, 'version.base_template');
  if (base.version?.base_template?.id !== base.id) throw badRequest(`Template ${base.name} is a version of another template, not a base`);
  if (base.id === BLANK_TEMPLATE_ID) throw badRequest('The Blank template has no versions');
  const numbers = (await versionsOf(call.repo, base.id)).map((t) => Number(t.version?.version_number ?? 1));
  return {
    name: base.name,
    version: { version_number: Math.max(...numbers) + 1, ...(version.version_name ? { version_name: version.version_name } : {}), base_template: refTo(base) },
  };
}

/** The versions of a base template, itself first. */
const versionsOf = async (repo: Repo, baseId: string) =>
  (await repo.list(T.Template)).filter((t) => t.version?.base_template?.id === baseId);

/** The latest version of the base template `template` is a version of: what VMs that use the latest get. */
export async function latestVersion(repo: Repo, template: StoredObj<typeof T.Template>): Promise<StoredObj<typeof T.Template>> {
  const versions = await versionsOf(repo, String(template.version?.base_template?.id ?? template.id));
  return versions.reduce((a, b) => (Number(b.version?.version_number) > Number(a.version?.version_number) ? b : a), template);
}

async function prepare(call: Call, body: Obj): Promise<Obj> {
  const vm = await resolve(call.repo, T.Vm, body.vm, 'vm');
  const { vm: _vm, version: _version, ...rest } = body;
  return {
    ...configurationOf(vm),
    ...rest,
    // The VM it was made from, as oVirt links it.
    vm: refTo(vm),
    cluster: vm.cluster,
    status: 'ok',
    creation_time: new Date().toISOString(),
    ...(await versionOf(call, body)),
  };
}

/** A template takes the devices of the VM it is made from: its consoles, watchdog, mediated devices, NICs (without addresses) and CD-ROM drive. */
async function created(call: Call, template: StoredObj<typeof T.Template>, vmId: string): Promise<void> {
  await copyDevices(call.repo, { vm: vmId }, { template: template.id }, { consoles: true });
  for (const nic of await call.repo.list(T.Nic, { vm: vmId })) {
    const { vm: _vm, mac: _mac, ...rest } = nic;
    await call.repo.insert(T.Nic, { ...rest, id: randomUUID(), template: refTo(template) });
  }
  await call.repo.insert(T.Cdrom, { id: CDROM_ID, template: refTo(template) });
}

const stored = storedCollection(S.Templates, {
  prepare, created: (call, template) => created(call, template, String(template.vm?.id)),
});
export const templates = implement(S.Templates, {
  ...stored,
  async add(call, body) {
    if (body.initialization?.configuration?.data !== undefined) return addTemplateFromConfiguration(call, body);
    let template = (await stored.add!(call, body)) as StoredObj<typeof T.Template>;
    if (template.version?.base_template === undefined) {
      template = { ...template, version: { ...template.version, base_template: refTo(template) } };
      await call.repo.update(T.Template, template);
    }
    return copyVmDisks(call, template, await resolve(call.repo, T.Vm, template.vm, 'vm'), body);
  },
});
export const templateEntity = implement(S.TemplateEntity, {
  // To an export domain, or its OVA, as the SDK's export_to_path_on_host asks.
  actions: { export: { inspect: (call, body) => (body.host ? exportTemplateToPathOnHost : exportTemplate).inspect(call, body) } },
  ...storedEntity(S.Templates, S.TemplateEntity, {
  uniqueName: () => ({}),
  // As in oVirt, a version has the name of its base: the base's new name is theirs too, and a version is not renamed.
  apply(_call, current, changes) {
    const isVersion = current.version?.base_template?.id !== undefined && current.version.base_template.id !== current.id;
    if (isVersion && changes.name !== undefined && changes.name !== current.name) {
      throw conflict(`Cannot rename Template ${String(current.name)}: a template version has the name of its base template; rename the base`);
    }
    return mergeInto(T.Template, current, changes);
  },
  async updated(call, template, previous) {
    if (template.name === previous.name) return;
    for (const version of await versionsOf(call.repo, template.id)) {
      if (version.id !== template.id) await call.repo.update(T.Template, { ...version, name: template.name });
    }
  },
  async removing(call, template) {
    if (template.id === BLANK_TEMPLATE_ID) throw conflict('Cannot remove the Blank template');
    if (template.status === 'locked') throw conflict(`Cannot remove Template ${String(template.name)}: it is locked`);
    const versions = (await versionsOf(call.repo, template.id)).filter((t) => t.id !== template.id);
    if (versions.length) {
      throw conflict(`Cannot remove Template ${String(template.name)}: it is the base of versions ${versions.map((v) => v.version?.version_number).join(', ')}; remove them first`);
    }
    const vms = await call.repo.list(T.Vm, { template: template.id });
    if (vms.length) {
      throw conflict(`Cannot remove Template ${String(template.name)}: the following virtual machines are based on it: ${vms.map((v) => v.name).join(', ')}`);
    }
    if ((await call.repo.count(T.VmPool, { template: template.id })) > 0) {
      throw conflict(`Cannot remove Template ${String(template.name)}: VM pools are based on it`);
    }
    // Its disks go with it, their volumes after the commit.
    const disks = await templateDisks(call.repo, template.id);
    await call.repo.removeOwned(T.DiskAttachment, { template: template.id });
    for (const disk of disks) await removeDisk(call, disk);
  },
  }),
});

