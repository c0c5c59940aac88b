// What a VM made from a template gets of the template's disks. Thin (oVirt's default): a qcow2
// disk over each template disk's volume, on that volume's domain, so that the VM writes only to
// its own volumes while the template's stays as it is. A clone (`clone=true`): an independent
// copy of each (qemu-img convert), in the format and on the domain its `disk_attachments` ask;
// the clone's template is Blank, its `original_template` the one it came from, which may then
// go. Either way the volumes are made as a job while the VM is `image_locked`; when one fails
// the VM goes, with what was made.
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call } from './behaviour';
import { badRequest, conflict } from './fault';
import { refTo } from './refs';
import { StoredObj } from './store/repo';
import { activeDataDomain, domainOfDisk, heldDisk, StoredDisk } from './disk-rows';
import { EventCode, recordEvent } from './events';
import { ImageCopy, imageJobKind, startImageJob } from './image-jobs';
import { removeOwnedBy } from './ownership';
import { BLANK_TEMPLATE_ID } from './store/seed';
import { copiedDisk, fullCopy, nameOf, setStatus } from './template-disks';

type DiskObj = ObjOf<typeof T.Disk>;
type AttachmentObj = ObjOf<typeof T.DiskAttachment>;
type VmObj = StoredObj<typeof T.Vm>;
type DomainObj = ObjOf<typeof T.StorageDomain>;

/** A thin disk over the template disk `base`: its first volume is a qcow2 image backed by the template's. */
async function thinDisk(call: Call, base: StoredDisk, sd: DomainObj, wanted: DiskObj): Promise<StoredDisk> {
  if (wanted.format === 'raw') throw badRequest(`A disk of a VM based on a template is a qcow2 overlay of the template's; a raw one needs clone=true`);
  const disk = await copiedDisk(call, base, sd, { ...wanted, format: 'cow', sparse: true });
  return { ...disk, template_volume: { disk: String(base.id), volume: String(base.image_id), format: String(base.format) } };
}

/** What a job making a VM's disks from its template keeps of itself: the VM, its template and the disks it makes. */
interface VmJob {
  vm: { id: string; name: string };
  template: { id: string };
  disks: string[];
}

/** A VM whose disks could not be made goes, with them. */
const vmFromTemplate = imageJobKind('vm-from-template', async (repo, p: VmJob, reason) => {
  for (const id of p.disks) await repo.remove(T.Disk, id);
  await repo.remove(T.Vm, p.vm.id);
  await removeOwnedBy(repo, T.Vm, p.vm.id);
  await recordEvent(repo, {
    code: EventCode.VM_CREATION_FAILED, severity: 'error', about: { template: { id: p.template.id } },
    description: `Failed to complete VM ${p.vm.name} creation: ${reason}`,
  });
});

/**
 * Gives the new VM its disks from its template's, as the request's `disk_attachments` (by the
 * template disk's id) ask; answers the VM, locked while they are made.
 */
export async function disksFromTemplate(call: Call, vm: VmObj, asked: AttachmentObj[]): Promise<VmObj> {
  const template = await call.repo.get(T.Template, String(vm.template?.id));
  if (!template) return vm;
  const clone = call.params.clone === true;
  // A clone keeps where it came from, as oVirt's `original_template`, and is of no template.
  const made: VmObj = clone && template.id !== BLANK_TEMPLATE_ID ? { ...vm, template: { id: BLANK_TEMPLATE_ID } } : vm;
  const attachments = await call.repo.list(T.DiskAttachment, { template: template.id });
  for (const a of asked) {
    if (!attachments.some((b) => b.disk?.id === a.disk?.id)) throw badRequest(`Template ${template.name} has no disk '${String(a.disk?.id)}'`);
  }
  if (!attachments.length) {
    if (made !== vm) await call.repo.update(T.Vm, made);
    return made;
  }
  if (template.status === 'locked') throw conflict(`Cannot create VM ${vm.name}: template ${template.name} is locked`);
  const copies: ImageCopy[] = [];
  const disks: string[] = [];
  for (const attachment of attachments) {
    const base = heldDisk((await call.repo.get(T.Disk, String(attachment.disk?.id)))!);
    const sd = await domainOfDisk(call.repo, base);
    if (!sd) throw conflict(`Cannot create VM ${vm.name}: disk ${nameOf(base)} of template ${template.name} has no storage domain`);
    const wanted = (asked.find((a) => a.disk?.id === base.id)?.disk ?? {}) as DiskObj;
    const toRef = wanted.storage_domains?.[0];
    const to = toRef ? await activeDataDomain(call.repo, toRef, 'disk_attachments.disk.storage_domains') : sd;
    let disk: StoredDisk;
    if (clone) {
      disk = await copiedDisk(call, base, to, wanted);
      copies.push(fullCopy(call, sd, base, to, disk));
    } else {
      if (to.id !== sd.id) {
        throw conflict(`Cannot create VM ${vm.name}: disk ${nameOf(base)} of template ${template.name} has no copy on storage domain ${to.name}; clone it (clone=true)`);
      }
      disk = await thinDisk(call, base, sd, wanted);
      const { storage } = call.engine;
      const thin = disk;
      copies.push({
        description: `Creating disk ${nameOf(disk)} over disk ${nameOf(base)} of template ${template.name}`,
        run: (signal) => storage.createVolumeOver(sd, thin, thin.template_volume!, signal),
        remove: () => storage.removeVolume(sd, thin),
      });
    }
    await call.repo.insert(T.Disk, disk);
    const { template: _template, ...attached } = attachment;
    await call.repo.insert(T.DiskAttachment, { ...attached, id: disk.id, disk: refTo(disk), vm: refTo(vm) });
    disks.push(String(disk.id));
  }
  const locked: VmObj = { ...made, status: 'image_locked' };
  await call.repo.update(T.Vm, locked);
  const params: VmJob = { vm: { id: vm.id, name: String(vm.name) }, template: { id: template.id }, disks };
  await startImageJob(call, {
    description: `Creating VM ${vm.name} from template ${template.name}`,
    kind: vmFromTemplate, params, madeDisks: disks, copies,
    async done(repo) {
      await setStatus(repo, T.Disk, disks, 'ok');
      await setStatus(repo, T.Vm, [vm.id], 'down', 'image_locked');
      await recordEvent(repo, {
        code: EventCode.VM_CREATED, severity: 'normal', about: { vm: refTo(vm), template: refTo(template) },
        description: `VM ${vm.name} creation has been completed.`,
      });
    },
  });
  return locked;
}
