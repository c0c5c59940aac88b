// Disks: volumes on a data domain, floating or attached to VMs.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call, implement } from './behaviour';
import { load, newId, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { resolve, refTo } from './refs';
import { diskProfileFor } from './profiles';
import { qcow2Compat, qcowVersion } from './storage';
import { removeOwnedBy, restoreOwned } from './ownership';
import { FileStep } from './file-work';
import { domainOfDisk } from './disk-rows';
import { diskActions } from './disk-actions';
import { chargeDiskSize, namedQuota } from './quotas';

type DiskObj = ObjOf<typeof T.Disk>;

/** What clients see of a disk: the stored object with its live size on storage. */
export async function diskView(call: Call, disk: DiskObj): Promise<DiskObj> {
  const sd = await domainOfDisk(call.repo, disk);
  if (!sd) return disk;
  const actual = await call.engine.storage.actualSize(sd, disk);
  return { ...disk, actual_size: actual, total_size: actual };
}

/** Validates a new disk, creates its volume and stores it; used for floating and attached disks. */
export async function createDisk(call: Call, body: DiskObj): Promise<DiskObj> {
  const size = Number(body.provisioned_size);
  if (!Number.isSafeInteger(size) || size <= 0) throw badRequest('disk.provisioned_size must be a positive number of bytes');
  if (body.format !== 'raw' && body.format !== 'cow') throw badRequest("disk.format must be 'raw' or 'cow'");
  const domains = body.storage_domains;
  if (!Array.isArray(domains) || domains.length !== 1) throw badRequest('disk.storage_domains must name exactly one storage domain');
  const sd = await resolve(call.repo, T.StorageDomain, domains[0], 'disk.storage_domains.storage_domain');
  if (sd.type !== 'data') throw badRequest(`Storage domain ${sd.name} is not a data domain`);
  if (sd.data_center && sd.status !== 'active') throw conflict(`Storage domain ${sd.name} is not active`);
  const { quota, ...given } = body;
  const disk: DiskObj = {
    sparse: body.format === 'cow',
    shareable: false,
    wipe_after_delete: false,
    propagate_errors: false,
    content_type: 'data',
    storage_type: 'image',
    ...(body.format === 'cow' ? { qcow_version: qcowVersion(qcow2Compat(sd)) } : {}),
    ...given,
    // oVirt keeps one name for a disk, given as `alias` or as the older `name`, and shows it as both.
    ...(body.alias ?? body.name ? { alias: body.alias ?? body.name, name: body.alias ?? body.name } : {}),
    ...(await namedQuota(call, quota, String(sd.data_center?.id), `disk ${String(body.alias ?? body.name ?? '')}`)),
    // A client may choose the disk's id, as oVirt lets it (upload tools do, to find the disk again).
    id: await newId(call, T.Disk, body.id),
    image_id: randomUUID(),
    provisioned_size: size,
    status: 'ok',
    storage_domains: [refTo(sd)],
    storage_domain: refTo(sd),
    disk_profile: await diskProfileFor(call, sd, body.disk_profile),
  };
  await chargeDiskSize(call, disk, size);
  await call.repo.insert(T.Disk, disk);
  call.files.afterCommit({
    what: `creating the volume of disk ${disk.alias ?? disk.name ?? disk.id}`,
    run: (signal) => call.engine.storage.createVolume(sd, disk, signal),
    async undo(repo) {
      // A disk made with its attachment goes with it.
      for (const a of await repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } })) {
        if (a.vm) await repo.remove(T.DiskAttachment, a.id, { vm: String(a.vm.id) });
      }
      await repo.remove(T.Disk, String(disk.id));
    },
  });
  return disk;
}

/**
 * Removes a disk's rows, refused while a VM uses it; answers the step that removes its volume,
 * to run after the commit. When that step fails the disk comes back `illegal`, as oVirt shows a
 * disk whose removal failed, so that it can be removed again.
 */
export async function removeDiskRows(call: Pick<Call, 'engine' | 'repo'>, disk: DiskObj, exceptVm?: string): Promise<FileStep | undefined> {
  if (disk.status === 'locked') throw conflict(`Cannot remove Disk ${disk.name ?? disk.id}: it is locked`);
  const attachments = await call.repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } });
  if (attachments.some((a) => a.vm && a.vm.id !== exceptVm)) throw conflict(`Cannot remove Disk ${disk.name ?? disk.id}: it is attached to a virtual machine`);
  // A template's disk goes with the template, or through the template's disk attachments.
  if (attachments.some((a) => a.template)) throw conflict(`Cannot remove Disk ${disk.name ?? disk.id}: it is a disk of a template; remove it from the template`);
  await call.repo.remove(T.Disk, String(disk.id));
  const owned = await removeOwnedBy(call.repo, T.Disk, String(disk.id));
  const sd = await domainOfDisk(call.repo, disk);
  if (!sd) return undefined;
  return {
    what: `removing the volume of disk ${disk.alias ?? disk.name ?? disk.id}`,
    run: () => call.engine.storage.removeVolume(sd, disk),
    async undo(repo) {
      await repo.insert(T.Disk, { ...disk, status: 'illegal' });
      await restoreOwned(repo, owned);
    },
  };
}

/** Removes a disk's rows now and its volume after the commit. */
export async function removeDisk(call: Pick<Call, 'engine' | 'repo' | 'files'>, disk: DiskObj, exceptVm?: string): Promise<void> {
  const step = await removeDiskRows(call, disk, exceptVm);
  if (step) call.files.afterCommit(step);
}

export const disks = implement(S.Disks, {
  list: async (call, o) => Promise.all((await call.repo.list(T.Disk, {}, o)).map((d) => diskView(call, d))),
  listsSeen: true,
  view: diskView,
  add: createDisk,
});

/**
 * Applies an update's changes (what the update declares); a larger `provisioned_size` grows the
 * volume. The disk's quota, when it grows or changes quota, must hold it.
 */
export async function updateDisk(call: Call, current: DiskObj, changes: DiskObj): Promise<DiskObj> {
  const { provisioned_size: size, quota, ...members } = changes;
  const next = { ...current, ...members };
  if (quota !== undefined) {
    const sd = await resolve(call.repo, T.StorageDomain, current.storage_domain, 'disk.storage_domain');
    Object.assign(next, await namedQuota(call, quota, String(sd.data_center?.id), `disk ${String(current.alias ?? current.name ?? current.id)}`));
  }
  if ((size !== undefined && size > Number(current.provisioned_size)) || next.quota?.id !== current.quota?.id) {
    await chargeDiskSize(call, next, Math.max(Number(size ?? 0), Number(current.provisioned_size)));
  }
  if (size !== undefined) {
    if (size < Number(current.provisioned_size)) throw conflict('Cannot shrink a disk: the new size is smaller than the current one');
    if (size > Number(current.provisioned_size)) {
      const sd = await resolve(call.repo, T.StorageDomain, current.storage_domain, 'disk.storage_domain');
      call.files.afterCommit({
        what: `resizing the volume of disk ${current.alias ?? current.name ?? current.id}`,
        run: (signal) => call.engine.storage.resizeVolume(sd, current, size, signal),
        undo: async (repo) => void (await repo.update(T.Disk, current)),
      });
      next.provisioned_size = size;
    }
  }
  return next;
}

export const diskEntity = implement(S.DiskEntity, {
  ...storedEntity(S.Disks, S.DiskEntity, { view: diskView, apply: updateDisk }),
  remove: async (call) => removeDisk(call, await load(call, S.Disks)),
  actions: diskActions,
});
