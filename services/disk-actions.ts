// What one does to a disk's image as a whole: copy it to a domain, move it there, convert its
// format or allocation, and give back the blocks that hold only zeros. The rows change in the
// request's transaction; the volume work runs after it (`ChainWork`), and a failure puts them back.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call } from './behaviour';
import { load } from './stored';
import { badRequest, conflict } from './fault';
import { refTo } from './refs';
import { EventCode, recordEvent } from './events';
import { StoredDisk, activeDataDomain, domainOfDisk, flattened, heldDisk } from './disk-rows';
import { ChainWork } from './chain-work';
import { RecordingRepo } from './store/recording-repo';
import { qcow2Compat, qcowVersion } from './storage';

type DiskObj = ObjOf<typeof T.Disk>;
type DomainObj = ObjOf<typeof T.StorageDomain>;

/** The disk of the call, with its domain, refused while a VM that uses it is not down. */
async function idleDisk(call: Call, verb: string): Promise<{ disk: StoredDisk; sd: DomainObj }> {
  const disk = heldDisk(await load(call, S.Disks));
  const sd = await domainOfDisk(call.repo, disk);
  if (!sd) throw conflict(`Cannot ${verb} disk ${disk.alias ?? disk.name}: it has no storage domain`);
  if (disk.status === 'locked') throw conflict(`Cannot ${verb} disk ${disk.alias ?? disk.name}: it is locked`);
  for (const a of await call.repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } })) {
    const vm = a.vm && (await call.repo.get(T.Vm, String(a.vm.id)));
    if (vm && vm.status !== 'down') throw conflict(`Cannot ${verb} disk ${disk.alias ?? disk.name}: VM ${vm.name} is ${vm.status}`);
  }
  return { disk, sd };
}

const hasSnapshots = async (call: Call, disk: DiskObj) => (await call.repo.count(T.DiskSnapshot, { disk: String(disk.id) })) > 0;

/** Runs `change` on a recording repo and queues its volume work, as snapshot changes do. */
async function onImage(call: Call, what: string, change: (c: Call, work: ChainWork) => Promise<Obj>): Promise<Obj> {
  const repo = new RecordingRepo(call.repo.db);
  const work = new ChainWork(call.engine.storage);
  const result = await change({ ...call, repo }, work);
  work.queue(call.files, what, repo);
  return result;
}

const event = (c: Call, disk: DiskObj, description: string) =>
  recordEvent(c.repo, { code: EventCode.OBJECT_UPDATED, severity: 'normal', description, about: { disk: refTo(disk) } });

async function copy(call: Call, body: ActionBody): Promise<Obj> {
  const { disk, sd } = await idleDisk(call, 'copy');
  const to = await activeDataDomain(call.repo, body.storage_domain, 'storage_domain');
  return onImage(call, `copying disk ${disk.alias ?? disk.name}`, async (c, work) => {
    const named = body.disk ?? {};
    const made: DiskObj = {
      ...flattened(disk),
      id: randomUUID(),
      image_id: randomUUID(),
      name: named.name ?? named.alias ?? disk.name,
      alias: named.alias ?? named.name ?? disk.alias,
      storage_domains: [refTo(to)],
      storage_domain: refTo(to),
      ...(disk.format === 'cow' ? { qcow_version: qcowVersion(qcow2Compat(to)) } : {}),
    };
    work.copy(sd, disk, to, made);
    await c.repo.insert(T.Disk, made);
    await event(c, made, `Disk ${made.alias ?? made.name} was copied from disk ${disk.alias ?? disk.name} to storage domain ${to.name}.`);
    return { status: 'complete', disk: refTo(made) };
  });
}

/** A disk with its snapshots moves by copying its chain volume by volume: not served, so refused. */
async function move(call: Call, body: ActionBody): Promise<Obj> {
  const { disk, sd } = await idleDisk(call, 'move');
  const to = await activeDataDomain(call.repo, body.storage_domain, 'storage_domain');
  if (to.id === sd.id) throw conflict(`Disk ${disk.alias ?? disk.name} is already on storage domain ${to.name}`);
  if (await hasSnapshots(call, disk)) throw conflict(`Cannot move disk ${disk.alias ?? disk.name}: it has snapshots; remove them or copy the disk`);
  // Its volume reads through its template's, which stays on this domain.
  if (disk.template_volume) throw conflict(`Cannot move disk ${disk.alias ?? disk.name}: it is based on a template's disk on storage domain ${sd.name}; copy the disk`);
  return onImage(call, `moving disk ${disk.alias ?? disk.name}`, async (c, work) => {
    const moved: DiskObj = { ...disk, storage_domains: [refTo(to)], storage_domain: refTo(to) };
    work.copy(sd, disk, to, moved);
    work.leave(sd, String(disk.id), String(disk.image_id));
    await c.repo.update(T.Disk, moved);
    await event(c, moved, `Disk ${disk.alias ?? disk.name} was moved from storage domain ${sd.name} to ${to.name}.`);
    return { status: 'complete' };
  });
}

/** A new volume in the asked format and allocation takes the place of the disk's only one. */
async function convert(call: Call, body: ActionBody): Promise<Obj> {
  const { disk, sd } = await idleDisk(call, 'convert');
  if (await hasSnapshots(call, disk)) throw conflict(`Cannot convert disk ${disk.alias ?? disk.name}: it has snapshots`);
  const format = body.disk?.format ?? disk.format;
  const sparse = body.disk?.sparse ?? (format === 'cow' ? true : disk.sparse);
  // As in oVirt: a qcow2 volume on file storage is always thin.
  if (format === 'cow' && sparse === false) throw badRequest('A cow disk on file storage is always sparse');
  if (format === disk.format && sparse === disk.sparse) throw conflict(`Disk ${disk.alias ?? disk.name} already has that format and allocation`);
  return onImage(call, `converting disk ${disk.alias ?? disk.name}`, async (c, work) => {
    // The new volume holds all the disk reads: a thin disk no longer reads through its template's.
    const converted: DiskObj = { ...flattened(disk), format, sparse, image_id: randomUUID(), ...(format === 'cow' ? { qcow_version: qcowVersion(qcow2Compat(sd)) } : {}) };
    if (format === 'raw') delete converted.qcow_version;
    work.convert(sd, disk, converted);
    work.leave(sd, String(disk.id), String(disk.image_id));
    await c.repo.update(T.Disk, converted);
    await event(c, converted, `Disk ${disk.alias ?? disk.name} was converted to ${format}${sparse ? ', thin' : ', preallocated'}.`);
    return { status: 'complete' };
  });
}

/** oVirt sparsifies thin disks only, whose VMs are down. */
async function sparsify(call: Call): Promise<Obj> {
  const { disk, sd } = await idleDisk(call, 'sparsify');
  if (disk.sparse === false) throw conflict(`Cannot sparsify disk ${disk.alias ?? disk.name}: it is preallocated`);
  return onImage(call, `sparsifying disk ${disk.alias ?? disk.name}`, async (c, work) => {
    work.sparsify(sd, disk);
    await event(c, disk, `Disk ${disk.alias ?? disk.name} was sparsified.`);
    return { status: 'complete' };
  });
}

/**
 * oVirt reduces only a volume on block storage, a logical volume larger than its image, and only
 * while no running VM writes to it; every Hangar domain is a directory, whose files take only
 * what their image uses, so the engine answers as oVirt's does for file domains, after the same
 * earlier checks.
 */
async function reduce(call: Call): Promise<Obj> {
  const disk = heldDisk(await load(call, S.Disks));
  const name = disk.alias ?? disk.name;
  if (disk.shareable === true) throw conflict(`Cannot reduce disk ${name}: reduce image is not supported for shareable disks`);
  const sd = await domainOfDisk(call.repo, disk);
  if (!sd) throw conflict(`Cannot reduce disk ${name}: it has no storage domain`);
  throw conflict(`Cannot reduce disk ${name}: reduce image isn't required for file based domains (storage domain ${sd.name} is ${sd.storage?.type})`);
}

export const diskActions = { copy, move, convert, sparsify, reduce };
