// A template's disks: its own copies of the disks of the VM it is made from, each copied with
// `qemu-img convert` in the format and to the domain the request asks (else the source's), as a
// job. Until the copies are done the template, its disks, the VM and the VM's disks are locked;
// when one fails the template and what was copied go, and the job and an event say why.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load, storedEntity } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { refTo } from './refs';
import { Repo, StoredObj } from './store/repo';
import { activeDataDomain, domainOfDisk, flattened, heldDisk } from './disk-rows';
import { diskProfileFor } from './profiles';
import { qcow2Compat, qcowVersion } from './storage';
import { EventCode, recordEvent } from './events';
import { ImageCopy, imageJobKind, startImageJob } from './image-jobs';
import { notDuringBackup } from './backups';
import { removeDisk } from './disks';
import { removeOwnedBy } from './ownership';

type DiskObj = ObjOf<typeof T.Disk>;
type AttachmentObj = ObjOf<typeof T.DiskAttachment>;
type TemplateObj = StoredObj<typeof T.Template>;
type VmObj = StoredObj<typeof T.Vm>;

export const nameOf = (disk: DiskObj) => String(disk.alias ?? disk.name ?? disk.id);

/** The template's disks, by their attachments. */
export async function templateDisks(repo: Repo, templateId: string): Promise<StoredObj<typeof T.Disk>[]> {
  const out: StoredObj<typeof T.Disk>[] = [];
  for (const a of await repo.list(T.DiskAttachment, { template: templateId })) {
    const disk = await repo.get(T.Disk, String(a.disk?.id));
    if (disk) out.push(disk);
  }
  return out;
}

/** Sets the status of the objects of `type` that still exist. */
export async function setStatus(repo: Repo, type: typeof T.Disk | typeof T.Vm | typeof T.Template, ids: string[], status: string, only?: string): Promise<void> {
  for (const id of ids) {
    const obj = await repo.getForUpdate(type, id);
    if (obj && (only === undefined || obj.status === only)) await repo.update(type, { ...obj, status } as Obj);
  }
}

/**
 * A new disk with a copy of what `source` reads, on `to`, locked until the copy is made: in the
 * format, allocation and alias `wanted` asks, else the source's.
 */
export async function copiedDisk(call: Call, source: DiskObj, to: ObjOf<typeof T.StorageDomain>, wanted: DiskObj): Promise<DiskObj> {
  const format = wanted.format ?? source.format;
  if (format !== 'raw' && format !== 'cow') throw badRequest("disk.format must be 'raw' or 'cow'");
  // As in oVirt: a qcow2 volume on file storage is always thin.
  if (format === 'cow' && wanted.sparse === false) throw badRequest('A cow disk on file storage is always sparse');
  const { quota: _quota, qcow_version: _version, ...rest } = flattened(source);
  const alias = wanted.alias ?? wanted.name ?? nameOf(source);
  return {
    ...rest,
    id: randomUUID(),
    image_id: randomUUID(),
    alias,
    name: alias,
    format,
    sparse: format === 'cow' ? true : wanted.sparse ?? source.sparse,
    ...(format === 'cow' ? { qcow_version: qcowVersion(qcow2Compat(to)) } : {}),
    status: 'locked',
    storage_domains: [refTo(to)],
    storage_domain: refTo(to),
    disk_profile: await diskProfileFor(call, { id: String(to.id), name: to.name }, undefined),
  };
}

/** The job's step that copies what `source` reads into the volume of `copy` (qemu-img convert). */
export function fullCopy(call: Call, from: ObjOf<typeof T.StorageDomain>, source: DiskObj, to: ObjOf<typeof T.StorageDomain>, copy: DiskObj): ImageCopy {
  const { storage } = call.engine;
  return {
    description: `Copying disk ${nameOf(copy)} to storage domain ${to.name}`,
    run: (signal) => storage.copyVolume(from, source, to, copy, signal),
    remove: () => storage.removeVolume(to, copy),
  };
}

/** What a job making a template from a VM keeps of itself: the two, the VM's disks it locked and the template's it makes. */
interface TemplateJob {
  template: { id: string; name: string };
  vm: { id: string; name: string };
  sources: string[];
  made: string[];
}

/** The VM and its disks usable again. */
async function released(repo: Repo, p: TemplateJob): Promise<void> {
  await setStatus(repo, T.Disk, p.sources, 'ok', 'locked');
  await setStatus(repo, T.Vm, [p.vm.id], 'down', 'image_locked');
}

/** A template that could not be made goes, with its disks; its VM is usable again. */
const templateFromVm = imageJobKind('template-from-vm', async (repo, p: TemplateJob, reason) => {
  await released(repo, p);
  for (const id of p.made) await repo.remove(T.Disk, id);
  await repo.removeOwned(T.DiskAttachment, { template: p.template.id });
  await repo.remove(T.Template, p.template.id);
  await removeOwnedBy(repo, T.Template, p.template.id);
  await recordEvent(repo, {
    code: EventCode.TEMPLATE_CREATION_FAILED, severity: 'error', about: { vm: { id: p.vm.id } },
    description: `Failed to create template ${p.template.name} from VM ${p.vm.name}: ${reason}`,
  });
});

/**
 * Copies the VM's disks into the new template: each disk as the request's `vm.disk_attachments`
 * asks (format, allocation, alias, domain; the request's `storage_domain` for all the listed ones,
 * as oVirt's documentation says), the others as they are. Answers the template, locked while
 * its disks are copied.
 */
export async function copyVmDisks(call: Call, template: TemplateObj, vm: VmObj, body: ObjOf<typeof T.Template>): Promise<TemplateObj> {
  const attachments = await call.repo.list(T.DiskAttachment, { vm: vm.id });
  if (!attachments.length) return template;
  if (vm.status !== 'down') throw conflict(`Cannot create template ${template.name}: VM ${vm.name} is ${vm.status}, not down`);
  await notDuringBackup(call.repo, vm, 'make a template of');
  const asked = ((isObj(body.vm) ? body.vm.disk_attachments : undefined) ?? []) as AttachmentObj[];
  for (const a of asked) {
    if (!attachments.some((b) => b.disk?.id === a.disk?.id)) throw badRequest(`VM ${vm.name} has no disk '${String(a.disk?.id)}'`);
  }
  const copies: ImageCopy[] = [];
  const sources: string[] = [];
  for (const attachment of attachments) {
    const source = heldDisk((await call.repo.getForUpdate(T.Disk, String(attachment.disk?.id)))!);
    const from = await domainOfDisk(call.repo, source);
    if (!from) throw conflict(`Cannot create template ${template.name}: disk ${nameOf(source)} has no storage domain`);
    if (source.status === 'locked') throw conflict(`Cannot create template ${template.name}: disk ${nameOf(source)} is locked`);
    const wanted = (asked.find((a) => a.disk?.id === source.id)?.disk ?? {}) as DiskObj;
    const toRef = asked.length && body.storage_domain ? body.storage_domain : wanted.storage_domains?.[0];
    const to = toRef ? await activeDataDomain(call.repo, toRef, 'storage_domain') : from;
    const copy = await copiedDisk(call, source, to, wanted);
    await call.repo.insert(T.Disk, copy);
    const { vm: _vm, ...attached } = attachment;
    await call.repo.insert(T.DiskAttachment, { ...attached, id: copy.id, disk: refTo(copy), template: refTo(template) });
    await call.repo.update(T.Disk, { ...source, status: 'locked' });
    sources.push(String(source.id));
    copies.push(fullCopy(call, from, source, to, copy));
  }
  const locked: TemplateObj = { ...template, status: 'locked' };
  await call.repo.update(T.Template, locked);
  await call.repo.update(T.Vm, { ...vm, status: 'image_locked' });
  const made = (await call.repo.list(T.DiskAttachment, { template: template.id })).map((a) => String(a.disk?.id));
  const params: TemplateJob = { template: { id: template.id, name: String(template.name) }, vm: { id: vm.id, name: String(vm.name) }, sources, made };
  await startImageJob(call, {
    description: `Creating template ${template.name} from VM ${vm.name}`,
    kind: templateFromVm, params, madeDisks: made, copies,
    async done(repo) {
      await released(repo, params);
      await setStatus(repo, T.Disk, made, 'ok');
      await setStatus(repo, T.Template, [template.id], 'ok');
      await recordEvent(repo, {
        code: EventCode.TEMPLATE_CREATED, severity: 'normal', about: { template: refTo(template), vm: refTo(vm) },
        description: `Creation of template ${template.name} from VM ${vm.name} has been completed.`,
      });
    },
  });
  return locked;
}

/** The VMs whose disks read through the template disk's volume, by name. */
export async function vmsOver(repo: Repo, templateId: string, diskId: string): Promise<string[]> {
  const names: string[] = [];
  for (const vm of await repo.list(T.Vm, { template: templateId })) {
    for (const a of await repo.list(T.DiskAttachment, { vm: vm.id })) {
      const disk = await repo.get(T.Disk, String(a.disk?.id));
      if (disk && heldDisk(disk).template_volume?.disk === diskId) names.push(String(vm.name));
    }
  }
  return [...new Set(names)];
}

export const templateDiskAttachments = implement(S.TemplateDiskAttachments, {
  list: (call, o) => call.repo.list(T.DiskAttachment, { template: call.scope[0] }, o),
});

export const templateDiskAttachment = implement(S.TemplateDiskAttachment, {
  ...storedEntity(S.TemplateDiskAttachments, S.TemplateDiskAttachment),
  async remove(call) {
    const template = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Templates);
    const attachment = await load(call, S.TemplateDiskAttachments);
    const disk = await call.repo.getForUpdate(T.Disk, String(attachment.disk?.id));
    if (!disk) throw notFound(`Template ${template.name} has no disk '${call.scope[1]}'`);
    const sdId = call.params.storage_domain;
    if (sdId !== undefined && sdId !== disk.storage_domain?.id) {
      throw notFound(`Disk ${nameOf(disk)} of template ${template.name} has no copy on storage domain '${String(sdId)}'`);
    }
    if (template.status === 'locked') throw conflict(`Cannot remove disk ${nameOf(disk)}: template ${template.name} is locked`);
    const users = await vmsOver(call.repo, template.id, String(disk.id));
    if (users.length) throw conflict(`Cannot remove disk ${nameOf(disk)} of template ${template.name}: the following VMs are based on it: ${users.join(', ')}`);
    await call.repo.remove(T.DiskAttachment, attachment.id, { template: template.id });
    await removeDisk(call, disk);
  },
});
