// What happens to a VM's disk images: snapshots (each one freezes every disk's active volume
// and continues on a new qcow2 overlay), previews, commits, undos and restores, removal by
// merging a volume into its child, and clones (copies of whole chains).
//
// A disk's chain: the `DiskSnapshot` rows of the disk are its frozen volumes, each with its
// `parent` (backing) volume; the disk's `image_id` is the active volume, and its own
// `backing_volume` the volume under it.
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call, implement } from './behaviour';
import { load } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { refTo, resolve } from './refs';
import { configurationOf } from './templates';
import { EventCode, recordEvent } from './events';
import { endJob, startJob } from './jobs';
import { StoredAttachment, StoredDisk, domainOfDisk, flattened, heldDisk } from './disk-rows';
import { CDROM_ID, copyDevices } from './store/devices';
import { freeMac } from './mac-pools';
import { ChainWork } from './chain-work';
import { RecordingRepo } from './store/recording-repo';
import { invalidateCheckpoints, notDuringBackup } from './backups';

/** One disk's volume a snapshot froze. */
type Frozen = {
  disk: string;
  volume: string;
};

/** What a disk was before a preview put an overlay on a snapshot's volume. */
type KeptDisk = Pick<StoredDisk, 'image_id' | 'backing_volume' | 'format'>;

/** What a VM previewing a snapshot keeps aside to come back to: each disk and its configuration. */
type Preview = {
  snapshot: string;
  disks: Record<string, KeptDisk>;
  configuration: Obj;
};

/** A VM as the engine keeps it; `preview` is the engine's own, never on the wire. */
type StoredVm = ObjOf<typeof T.Vm> & { preview?: Preview; saved_state?: string };
/** A snapshot as the engine keeps it; `volumes` (what it froze) and `memory_state` (the file of a real guest's memory) are the engine's own. */
type StoredSnapshot = ObjOf<typeof T.Snapshot> & { volumes?: Frozen[]; memory_state?: string };

/** The host of a VM whose guest really runs, and the driver to tell it with. */
async function liveGuest(call: Call, vm: StoredVm) {
  const guests = call.engine.runtime.guests;
  const host = guests && vm.host?.id ? await call.repo.get(T.Host, String(vm.host.id)) : undefined;
  return guests && host ? { guests, host } : undefined;
}
type Located = { disk: StoredDisk; sd: ObjOf<typeof T.StorageDomain> };

const now = () => new Date().toISOString();

async function vmOf(call: Call): Promise<StoredVm> {
  return load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);
}

/**
 * Runs an operation on a VM's disk chains: its rows are written through a repo that records them,
 * its volume files are worked on after the commit (`what` names that work), and when that work
 * fails the rows are put back.
 */
async function onChains<R>(call: Call, what: (vm: StoredVm) => string, operation: (call: Call, vm: StoredVm, work: ChainWork) => Promise<R>): Promise<R> {
  const repo = new RecordingRepo(call.repo.db);
  const recorded = { ...call, repo };
  const vm = await vmOf(recorded);
  const work = new ChainWork(call.engine.storage);
  const result = await operation(recorded, vm, work);
  work.queue(call.files, what(vm), repo);
  return result;
}

/** The attached disks of a VM with their storage domains; locked in a write, which may change them. */
async function disksOf(call: Call, vmId: string): Promise<Located[]> {
  const out: Located[] = [];
  for (const a of await call.repo.list(T.DiskAttachment, { vm: vmId })) {
    const disk = await call.repo.getForUpdate(T.Disk, String(a.disk?.id));
    const sd = disk && (await domainOfDisk(call.repo, disk));
    if (disk && sd) out.push({ disk: heldDisk(disk), sd });
  }
  return out;
}

async function diskAndDomain(call: Call, diskId: string): Promise<Located> {
  const disk = await call.repo.getForUpdate(T.Disk, diskId);
  const sd = disk && (await domainOfDisk(call.repo, disk));
  if (!disk || !sd) throw conflict(`Disk ${diskId} of the snapshot is gone`);
  return { disk: heldDisk(disk), sd };
}

/** The "Active VM" snapshot oVirt lists first: the VM as it is now. */
function activeSnapshot(vm: StoredVm): StoredSnapshot {
  const id = createHash('sha1').update(`active:${vm.id}`).digest('hex');
  return {
    ...configurationOf(vm),
    id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
    description: 'Active VM',
    snapshot_type: 'active',
    snapshot_status: 'ok',
    date: vm.creation_time ?? now(),
    vm: refTo(vm),
  };
}

const frozen = (snapshot: StoredSnapshot): Frozen[] => snapshot.volumes ?? [];

async function snapshotOf(call: Call, vm: StoredVm, id: string): Promise<StoredSnapshot> {
  if (id === activeSnapshot(vm).id) return activeSnapshot(vm);
  const snapshot = await call.repo.get(T.Snapshot, id, { vm: String(vm.id) });
  if (!snapshot) throw notFound(`Snapshot '${id}' does not exist`);
  return snapshot;
}

function notInPreview(vm: StoredVm, what: string): void {
  if (vm.preview) throw conflict(`Cannot ${what}: VM ${vm.name} is previewing a snapshot; commit or undo it first`);
}

function down(vm: StoredVm, what: string): void {
  if (vm.status !== 'down') throw conflict(`Cannot ${what}: VM ${vm.name} is ${vm.status}, not down`);
}

// --- a snapshot's disks attached to another VM ------------------------------

/**
 * Checks that `diskId` has a volume in snapshot `snapshotId` that another VM may be given, as
 * backup software attaches a snapshot's disks to its own VM: one that is done and not previewed.
 */
export async function checkSnapshotDisk(call: Call, diskId: string, snapshotId: string): Promise<void> {
  const [snapshot]: StoredSnapshot[] = await call.repo.list(T.Snapshot, {}, { where: { id: snapshotId } });
  if (!snapshot) throw notFound(`Snapshot '${snapshotId}' does not exist`);
  if (snapshot.snapshot_status !== 'ok') throw conflict(`Snapshot ${snapshot.description} is ${snapshot.snapshot_status}`);
  if (!frozen(snapshot).some((f) => f.disk === diskId)) throw badRequest(`Disk '${diskId}' has no volume in snapshot ${snapshot.description}`);
}

/** Refuses to remove a snapshot while a disk of it is attached to another VM, as oVirt does. */
async function notAttachedElsewhere(call: Call, snapshot: StoredSnapshot): Promise<void> {
  const held: string[] = [];
  for (const f of frozen(snapshot)) {
    const attachments: StoredAttachment[] = await call.repo.list(T.DiskAttachment, {}, { where: { id: f.disk } });
    for (const a of attachments) if (a.from_snapshot === snapshot.id) held.push(`disk ${f.disk} to VM ${String(a.vm?.id)}`);
  }
  if (held.length) throw conflict(`Cannot remove snapshot ${snapshot.description}: its disks are attached to other VMs (${held.join(', ')}); detach them first`);
}

// --- making and listing snapshots --------------------------------------------

async function createSnapshot(call: Call, vm: StoredVm, work: ChainWork, body: ObjOf<typeof T.Snapshot>): Promise<StoredSnapshot> {
  notInPreview(vm, 'take a snapshot');
  await notDuringBackup(call.repo, vm, 'take a snapshot of');
  const job = await startJob(call.repo, `Creating snapshot of VM ${vm.name}`, call.principal.userId);
  const id = randomUUID();
  const volumes: Frozen[] = [];
  const running = vm.status !== 'down' && vm.status !== 'suspended';
  const guest = running ? await liveGuest(call, vm) : undefined;
  const switched: { id: string; file: string }[] = [];
  let memoryFile: string | undefined;
  for (const { disk, sd } of await disksOf(call, String(vm.id))) {
    const volume = randomUUID();
    work.overlay(sd, String(disk.id), String(disk.image_id), String(disk.format), volume, guest !== undefined);
    switched.push({ id: String(disk.id), file: call.engine.storage.volumeFile(sd, String(disk.id), volume) });
    memoryFile ??= path.join(call.engine.storage.domainDir(sd), 'memory', `${id}.state`);
    await call.repo.insert(T.DiskSnapshot, {
      ...disk,
      id: disk.image_id,
      image_id: disk.image_id,
      description: body.description ?? '',
      disk: refTo(disk),
      snapshot: { id },
      ...(disk.backing_volume ? { parent: { id: disk.backing_volume } } : {}),
    });
    const overlaid: StoredDisk = { ...disk, image_id: volume, backing_volume: disk.image_id, format: 'cow' };
    await call.repo.update(T.Disk, overlaid);
    volumes.push({ disk: String(disk.id), volume: String(disk.image_id) });
  }
  const withMemory = running && body.persist_memorystate === true;
  // A running guest goes on writing to the new volumes (from the same instant as its memory, when kept).
  if (guest) {
    const memory = withMemory && memoryFile ? { memoryFile } : {};
    work.then(async () => void (await guest.guests.command(guest.host, String(vm.id), { op: 'snapshot', disks: switched, ...memory })));
  }
  const snapshot: StoredSnapshot = {
    ...configurationOf(vm),
    id,
    description: body.description,
    date: now(),
    persist_memorystate: withMemory,
    snapshot_status: 'ok',
    snapshot_type: 'regular',
    vm: refTo(vm),
    volumes,
    ...(guest && withMemory && memoryFile ? { memory_state: memoryFile } : {}),
  };
  await call.repo.insert(T.Snapshot, snapshot);
  await recordEvent(call.repo, { code: EventCode.OBJECT_ADDED, severity: 'normal', description: `Snapshot '${body.description ?? id}' of VM ${vm.name} was taken.`, about: { vm: refTo(vm) } });
  await endJob(call.repo, job.id, 'finished');
  return snapshot;
}

export const vmSnapshots = implement(S.VmSnapshots, {
  async list(call, o) {
    const vm = await vmOf(call);
    const stored = await call.repo.list(T.Snapshot, { vm: String(vm.id) });
    return [activeSnapshot(vm), ...stored].slice(0, o.max);
  },
  add: (call, body) => onChains(call, (vm) => `taking a snapshot of VM ${vm.name}`, (c, vm, work) => createSnapshot(c, vm, work, body)),
});

export const snapshotDisks = implement(S.SnapshotDisks, {
  async list(call, o) {
    const vm = await vmOf(call);
    const snapshot = await snapshotOf(call, vm, call.scope[1]);
    if (snapshot.snapshot_type === 'active') return (await disksOf(call, String(vm.id))).map((d) => d.disk).slice(0, o.max);
    const out: Obj[] = [];
    for (const f of frozen(snapshot)) {
      const row = await call.repo.get(T.DiskSnapshot, f.volume, { disk: f.disk });
      if (row) out.push({ ...row, id: f.disk, image_id: f.volume, snapshot: refTo(snapshot) });
    }
    return out.slice(0, o.max);
  },
});
export const snapshotDisk = implement(S.SnapshotDisk, {
  async get(call) {
    const disks = await call.engine.behaviours.collection(S.SnapshotDisks).list({ ...call, scope: call.scope.slice(0, 2) }, {});
    const disk = disks.find((d) => d.id === call.scope[2]);
    if (!disk) throw notFound(`The snapshot has no disk '${call.scope[2]}'`);
    return disk;
  },
});

export const diskSnapshots = implement(S.DiskSnapshots, { list: (call, o) => call.repo.list(T.DiskSnapshot, { disk: call.scope[0] }, o) });
export const diskSnapshotEntity = implement(S.DiskSnapshotEntity, {
  async get(call) {
    const row = await call.repo.get(T.DiskSnapshot, call.scope[1], { disk: call.scope[0] });
    if (!row) throw notFound(`Disk snapshot '${call.scope[1]}' does not exist`);
    return row;
  },
});

// --- removing a snapshot: merging its volumes away ---------------------------

/** Merges a frozen volume into the volume over it, then deletes it. */
async function mergeAway(call: Call, work: ChainWork, f: Frozen): Promise<void> {
  const { disk, sd } = await diskAndDomain(call, f.disk);
  const row = await call.repo.get(T.DiskSnapshot, f.volume, { disk: f.disk });
  if (!row) return;
  const parent = row.parent?.id;
  const parentRow = parent ? await call.repo.get(T.DiskSnapshot, parent, { disk: f.disk }) : undefined;
  const [childRow] = (await call.repo.list(T.DiskSnapshot, { disk: f.disk })).filter((r) => r.parent?.id === f.volume);
  const child = childRow ? childRow.id : String(disk.image_id);
  // The first volume of a thin disk goes into the next over the template's volume, which stays.
  work.rebase(sd, f.disk, child, parent ? { disk: f.disk, volume: parent, format: String(parentRow?.format ?? row.format) } : disk.template_volume);
  if (childRow) {
    const next = { ...childRow };
    if (parent) next.parent = { id: parent };
    else delete next.parent;
    await call.repo.update(T.DiskSnapshot, next, { disk: f.disk });
  } else {
    const next = { ...disk };
    if (parent) next.backing_volume = parent;
    else delete next.backing_volume;
    await call.repo.update(T.Disk, next);
  }
  work.leave(sd, f.disk, f.volume);
  await call.repo.remove(T.DiskSnapshot, f.volume, { disk: f.disk });
}

export const vmSnapshot = implement(S.VmSnapshot, {
  get: async (call) => snapshotOf(call, await vmOf(call), call.scope[1]),
  remove: (call) => onChains(call, (vm) => `removing a snapshot of VM ${vm.name}`, async (c, vm, work) => {
    const snapshot = await snapshotOf(c, vm, c.scope[1]);
    if (snapshot.snapshot_type === 'active') throw conflict('The active state of a VM is not a snapshot one can remove');
    notInPreview(vm, 'remove a snapshot');
    await notAttachedElsewhere(c, snapshot);
    for (const f of frozen(snapshot)) await mergeAway(c, work, f);
    await c.repo.remove(T.Snapshot, String(snapshot.id), { vm: String(vm.id) });
  }),
  actions: {
    restore: (call) => onChains(call, (vm) => `restoring VM ${vm.name} from a snapshot`, async (c, vm, work) => {
      down(vm, 'restore a snapshot');
      notInPreview(vm, 'restore a snapshot');
      const snapshot = await snapshotOf(c, vm, c.scope[1]);
      const job = await startJob(c.repo, `Restoring VM ${vm.name} from a snapshot`, c.principal.userId);
      await preview(c, work, vm, snapshot, false);
      await commit(c, work, await vmOf(c));
      await endJob(c.repo, job.id, 'finished');
      return { status: 'complete', job: { id: job.id } };
    }),
  },
});

// --- previews ----------------------------------------------------------------

/** Runs the VM from `snapshot`: new overlays on its volumes, its configuration; the present kept aside. */
async function preview(call: Call, work: ChainWork, vm: StoredVm, snapshot: StoredSnapshot, restoreMemory: boolean): Promise<void> {
  if (snapshot.snapshot_type !== 'regular') throw badRequest('Only a regular snapshot can be previewed');
  await notDuringBackup(call.repo, vm, 'preview a snapshot of');
  const kept: Record<string, KeptDisk> = {};
  for (const f of frozen(snapshot)) {
    const { disk, sd } = await diskAndDomain(call, f.disk);
    const row = await call.repo.get(T.DiskSnapshot, f.volume, { disk: f.disk });
    const volume = randomUUID();
    work.overlay(sd, f.disk, f.volume, String(row?.format ?? 'cow'), volume);
    kept[f.disk] = { image_id: disk.image_id, backing_volume: disk.backing_volume, format: disk.format };
    const overlaid: StoredDisk = { ...disk, image_id: volume, backing_volume: f.volume, format: 'cow' };
    await call.repo.update(T.Disk, overlaid);
  }
  await call.repo.update(T.Snapshot, { ...snapshot, snapshot_status: 'in_preview' }, { vm: String(vm.id) });
  // With its memory, the next start restores the guest as it ran when the snapshot was taken.
  const memory = restoreMemory && snapshot.memory_state ? { saved_state: snapshot.memory_state } : {};
  const previewing: StoredVm = {
    ...vm,
    ...configurationOf(snapshot),
    ...memory,
    preview: { snapshot: String(snapshot.id), disks: kept, configuration: configurationOf(vm) },
  };
  await call.repo.update(T.Vm, previewing);
}

/** Keeps the previewed state: what came after the snapshot goes. */
async function commit(call: Call, work: ChainWork, vm: StoredVm): Promise<void> {
  // Run by previewAction, which checked that the VM previews a snapshot.
  const state = vm.preview!;
  const snapshot = await snapshotOf(call, vm, state.snapshot);
  for (const [diskId, kept] of Object.entries(state.disks)) {
    const { sd } = await diskAndDomain(call, diskId);
    work.leave(sd, diskId, String(kept.image_id));
  }
  for (const later of (await call.repo.list(T.Snapshot, { vm: String(vm.id) })).filter((s) => String(s.date) > String(snapshot.date))) {
    for (const f of frozen(later)) {
      const { sd } = await diskAndDomain(call, f.disk);
      work.leave(sd, f.disk, f.volume);
      await call.repo.remove(T.DiskSnapshot, f.volume, { disk: f.disk });
    }
    await call.repo.remove(T.Snapshot, later.id, { vm: String(vm.id) });
  }
  await call.repo.update(T.Snapshot, { ...snapshot, snapshot_status: 'ok' }, { vm: String(vm.id) });
  await invalidateCheckpoints(call.repo, String(vm.id));
  const { preview: _done, saved_state: _memory, ...rest } = vm;
  await call.repo.update(T.Vm, rest);
}

/** Ends a preview: the previewed overlays go, the present comes back. */
async function undo(call: Call, work: ChainWork, vm: StoredVm): Promise<void> {
  // Run by previewAction, which checked that the VM previews a snapshot.
  const state = vm.preview!;
  for (const [diskId, kept] of Object.entries(state.disks)) {
    const { disk, sd } = await diskAndDomain(call, diskId);
    work.leave(sd, diskId, String(disk.image_id));
    const next: StoredDisk = { ...disk, image_id: kept.image_id, format: kept.format };
    if (kept.backing_volume) next.backing_volume = kept.backing_volume;
    else delete next.backing_volume;
    await call.repo.update(T.Disk, next);
  }
  const snapshot = await snapshotOf(call, vm, state.snapshot);
  await call.repo.update(T.Snapshot, { ...snapshot, snapshot_status: 'ok' }, { vm: String(vm.id) });
  const { preview: _done, ...rest } = vm;
  await call.repo.update(T.Vm, { ...rest, ...state.configuration });
}

function previewAction(run: (call: Call, work: ChainWork, vm: StoredVm, body: ActionBody) => Promise<void>, what: string, needsPreview: boolean) {
  const title = `${what[0].toUpperCase()}${what.slice(1)}`;
  return (call: Call, body: ActionBody): Promise<Obj> => onChains(call, (vm) => `${title} of VM ${vm.name}`, async (c, vm, work) => {
    down(vm, what);
    if (needsPreview !== isObj(vm.preview)) {
      throw conflict(needsPreview ? `Cannot ${what}: VM ${vm.name} is not previewing a snapshot` : `Cannot ${what}: VM ${vm.name} is already previewing a snapshot`);
    }
    const job = await startJob(c.repo, `${title} of VM ${vm.name}`, c.principal.userId);
    await run(c, work, vm, body);
    await endJob(c.repo, job.id, 'finished');
    return { status: 'complete', job: { id: job.id } };
  });
}

// --- clones --------------------------------------------------------------------

/** What a new VM is copied from: a configuration, the VM whose devices it takes, and the volume of each disk to copy. */
type CloneSource = { configuration: Obj; vm: StoredVm; disks: { attachment: ObjOf<typeof T.DiskAttachment>; located: Located }[] };

/**
 * A new VM `wanted` names (and places, in a cluster, or the source's), with the source's
 * configuration and devices, new MAC addresses, and a copy of each disk's volume as a new disk,
 * made after the commit.
 */
async function copyVm(call: Call, work: ChainWork, source: CloneSource, wanted: ObjOf<typeof T.Vm>, verb: string): Promise<ObjOf<typeof T.Vm>> {
  if ((await call.repo.list(T.Vm, {}, { where: { name: String(wanted.name) } })).length) {
    throw conflict(`Cannot ${verb}: the name '${wanted.name}' is already in use`);
  }
  const copy: ObjOf<typeof T.Vm> = {
    ...source.configuration,
    id: randomUUID(),
    name: wanted.name,
    description: wanted.description ?? source.vm.description,
    cluster: wanted.cluster ?? source.vm.cluster,
    template: source.vm.template,
    original_template: source.vm.original_template,
    status: 'down',
    creation_time: now(),
  };
  await call.repo.insert(T.Vm, copy);
  await call.repo.insert(T.Cdrom, { id: CDROM_ID, vm: refTo(copy) });
  await copyDevices(call.repo, { vm: String(source.vm.id) }, { vm: String(copy.id) }, { consoles: true });
  for (const { attachment, located: { disk, sd } } of source.disks) {
    const newDisk: ObjOf<typeof T.Disk> = { ...flattened(disk), id: randomUUID(), image_id: randomUUID(), name: `${disk.name ?? 'disk'}_${wanted.name}` };
    work.copy(sd, disk, sd, newDisk);
    await call.repo.insert(T.Disk, newDisk);
    await call.repo.insert(T.DiskAttachment, { ...attachment, id: newDisk.id, disk: refTo(newDisk), vm: refTo(copy) });
  }
  for (const nic of await call.repo.list(T.Nic, { vm: String(source.vm.id) })) {
    await call.repo.insert(T.Nic, { ...nic, id: randomUUID(), mac: { address: await freeMac(call, copy) }, vm: refTo(copy) });
  }
  return copy;
}

async function clone(call: Call, vm: StoredVm, work: ChainWork, body: ActionBody): Promise<Obj> {
  down(vm, 'clone');
  const job = await startJob(call.repo, `Cloning VM ${vm.name}`, call.principal.userId);
  const disks = [];
  for (const attachment of await call.repo.list(T.DiskAttachment, { vm: String(vm.id) })) {
    disks.push({ attachment, located: await diskAndDomain(call, String(attachment.disk?.id)) });
  }
  const copy = await copyVm(call, work, { configuration: configurationOf(vm), vm, disks }, body.vm ?? {}, 'clone');
  await recordEvent(call.repo, { code: EventCode.OBJECT_ADDED, severity: 'normal', description: `VM ${copy.name} was cloned from VM ${vm.name}.`, about: { vm: refTo(copy) } });
  await endJob(call.repo, job.id, 'finished');
  return { status: 'complete', job: { id: job.id }, vm: refTo(copy) };
}

/**
 * A new VM from a snapshot (oVirt's clone from snapshot): the configuration the snapshot keeps,
 * the source VM's devices, and each disk copied as the snapshot holds it; the source may run.
 */
export async function addVmFromSnapshot(call: Call, wanted: ObjOf<typeof T.Vm>): Promise<ObjOf<typeof T.Vm>> {
  const snapshotId = String(wanted.snapshots?.[0]?.id);
  const repo = new RecordingRepo(call.repo.db);
  const recorded = { ...call, repo };
  const [snapshot]: StoredSnapshot[] = await repo.list(T.Snapshot, {}, { where: { id: snapshotId } });
  if (!snapshot) throw notFound(`Snapshot '${snapshotId}' does not exist`);
  if (snapshot.snapshot_status !== 'ok') throw conflict(`Cannot clone from snapshot ${snapshot.description}: it is ${snapshot.snapshot_status}`);
  const vm: StoredVm = await load({ ...recorded, scope: [String(snapshot.vm?.id)] }, S.Vms);
  const disks = [];
  for (const f of frozen(snapshot)) {
    const located = await diskAndDomain(recorded, f.disk);
    const row = await repo.get(T.DiskSnapshot, f.volume, { disk: f.disk });
    const attachment = await repo.get(T.DiskAttachment, f.disk, { vm: String(vm.id) });
    if (!attachment) continue;
    disks.push({ attachment, located: { ...located, disk: { ...located.disk, image_id: f.volume, format: row?.format ?? located.disk.format } } });
  }
  const cluster = wanted.cluster === undefined ? undefined : refTo(await resolve(repo, T.Cluster, wanted.cluster, 'cluster'));
  const work = new ChainWork(call.engine.storage);
  const copy = await copyVm(recorded, work, { configuration: configurationOf(snapshot), vm, disks }, { ...wanted, cluster }, 'clone from a snapshot');
  await recordEvent(repo, { code: EventCode.OBJECT_ADDED, severity: 'normal', description: `VM ${copy.name} was cloned from snapshot '${snapshot.description}' of VM ${vm.name}.`, about: { vm: refTo(copy) } });
  work.queue(call.files, `cloning VM ${copy.name} from a snapshot of VM ${vm.name}`, repo);
  return copy;
}

export const imageActions: Record<string, (call: Call, body: ActionBody) => Promise<Obj>> = {
  clone: (call, body) => onChains(call, (vm) => `cloning VM ${vm.name}`, (c, vm, work) => clone(c, vm, work, body)),
  previewsnapshot: previewAction(async (call, work, vm, body) => {
    await preview(call, work, vm, await snapshotOf(call, vm, String(body.snapshot?.id)), body.restore_memory === true);
  }, 'preview a snapshot', false),
  commitsnapshot: previewAction(commit, 'commit a snapshot', true),
  undosnapshot: previewAction(undo, 'undo a snapshot preview', true),
};
