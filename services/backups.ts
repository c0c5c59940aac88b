// VM backups and checkpoints (oVirt 4.4+). A backup locks its disks, marks a new checkpoint on
// those that track changes (a persistent dirty bitmap in the volume, added as the backup starts,
// so it records every write after it) and is ready for image transfers to read them; finalize
// frees the disks and keeps the checkpoint, which a later backup may start from: that one is
// incremental, its transfers serving the ranges the checkpoint's bitmap marks dirty. The VM's
// disks are read as the files hold them (oVirt 4.5's cold backup): the simulated runtime runs
// no guest that could write to them meanwhile.
import os from 'node:os';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, Engine, implement } from './behaviour';
import { load, newId } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { refTo } from './refs';
import { Repo } from './store/repo';
import { domainOfDisk } from './disk-rows';
import { hostSeeing } from './storage-hosts';
import { withinTime } from './file-work';
import { EventCode, recordEvent } from './events';
import { addBitmap, chainOf, removeBitmap, trackingSince } from './bitmaps';
import { FINAL as TRANSFER_FINAL, StoredTransfer } from './transfers';

type Phase = NonNullable<ObjOf<typeof T.Backup>['phase']>;
type DiskObj = ObjOf<typeof T.Disk>;
type Mode = NonNullable<DiskObj['backup_mode']>;

/** A backup as the engine keeps it; what it found as it started is its own, never on the wire. */
export type StoredBackup = ObjOf<typeof T.Backup> & {
  /** Per disk: a full backup, or only what changed since `from_checkpoint_id`. */
  modes?: Record<string, Mode>;
  /** The disks that got the bitmap of `to_checkpoint_id`. */
  tracked?: string[];
  /** Why it failed. */
  failure?: string;
  /** The engine process that marks its disks. */
  driver?: string;
};
export const heldBackup = (backup: ObjOf<typeof T.Backup>) => backup as StoredBackup;

const FINAL: readonly Phase[] = ['succeeded', 'failed'];
/** Ended backups stay readable this long after their last change, as transfers do. */
const KEEP_MS = 15 * 60_000;

/** Whether a disk keeps checkpoints: qcow2 with incremental backup enabled, as oVirt requires. */
const tracksChanges = (disk: DiskObj) => disk.format === 'cow' && disk.backup === 'incremental';

const now = () => new Date().toISOString();

type Active = { disk: DiskObj; sd: ObjOf<typeof T.StorageDomain>; file: string };

/** The file of a disk's active volume, with the disk and its domain; undefined when the disk or its domain is gone. */
async function activeVolume(engine: Engine, repo: Repo, diskId: string): Promise<Active | undefined> {
  const disk = await repo.get(T.Disk, diskId);
  const sd = disk && (await domainOfDisk(repo, disk));
  return disk && sd ? { disk, sd, file: engine.storage.volumeFile(sd, diskId, String(disk.image_id)) } : undefined;
}

/** The host of the backup: the VM's while it runs, else one that reaches the disks' storage (oVirt 4.5's cold backup). */
async function hostOf(repo: Repo, backup: StoredBackup, first: Active): Promise<ObjOf<typeof T.Host> | undefined> {
  const vm = await repo.get(T.Vm, String(backup.vm?.id));
  const running = vm?.host?.id !== undefined ? await repo.get(T.Host, vm.host.id) : undefined;
  return running?.status === 'up' ? running : hostSeeing(repo, first.sd);
}

/** The backup of the VM that has not ended, if any: a VM has one at a time. */
export async function runningBackup(repo: Repo, vmId: string): Promise<StoredBackup | undefined> {
  return (await repo.list(T.Backup, { vm: vmId })).find((b) => !FINAL.includes(b.phase as Phase));
}

/** Refuses what would change a VM's disks under its backup, as oVirt does. */
export async function notDuringBackup(repo: Repo, vm: { id?: string; name?: string }, what: string): Promise<void> {
  const running = await runningBackup(repo, String(vm.id));
  if (running) throw conflict(`Cannot ${what} VM ${vm.name}: it is during backup ${running.id}`);
}

/**
 * A VM brought back to an older state (a snapshot committed) has disks its checkpoints no longer
 * describe: they are invalid, as oVirt marks them, and start no incremental backup.
 */
export async function invalidateCheckpoints(repo: Repo, vmId: string): Promise<void> {
  for (const checkpoint of await repo.list(T.Checkpoint, { vm: vmId })) await repo.update(T.Checkpoint, { ...checkpoint, state: 'invalid' });
}

async function add(call: Call, body: ObjOf<typeof T.Backup>): Promise<Obj> {
  const vm = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);
  if (vm.status !== 'down' && vm.status !== 'up') throw conflict(`Cannot back up VM ${vm.name}: it is ${vm.status}`);
  const running = await runningBackup(call.repo, String(vm.id));
  if (running) throw conflict(`Cannot back up VM ${vm.name}: backup ${running.id} is in progress`);
  const from = body.from_checkpoint_id;
  if (from !== undefined) {
    const checkpoint = await call.repo.get(T.Checkpoint, from, { vm: String(vm.id) });
    if (!checkpoint) throw badRequest(`Checkpoint '${from}' of VM ${vm.name} does not exist`);
    if (checkpoint.state === 'invalid') throw badRequest(`Checkpoint '${from}' of VM ${vm.name} is invalid: remove it and take a full backup`);
  }
  const attached = new Set((await call.repo.list(T.DiskAttachment, { vm: String(vm.id) })).map((a) => String(a.disk?.id)));
  const ids = [...new Set((body.disks ?? []).map((d) => String(d.id)))];
  const disks: DiskObj[] = [];
  for (const id of ids) {
    if (!attached.has(id)) throw badRequest(`Disk '${id}' is not attached to VM ${vm.name}`);
    // Locked: its status is checked here and set below.
    const disk = await call.repo.getForUpdate(T.Disk, id);
    if (!disk) throw badRequest(`Disk '${id}' does not exist`);
    if (disk.status !== 'ok') throw conflict(`Disk ${disk.name ?? id} is ${disk.status}`);
    disks.push(disk);
  }
  // A checkpoint only where a disk can keep it; the client may name it, and the backup.
  const to = disks.some(tracksChanges) ? await newId(call, T.Checkpoint, body.to_checkpoint_id) : undefined;
  const backup: StoredBackup = {
    id: await newId(call, T.Backup, body.id),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(from !== undefined ? { from_checkpoint_id: from } : {}),
    ...(to !== undefined ? { to_checkpoint_id: to } : {}),
    phase: 'initializing',
    creation_date: now(),
    modification_date: now(),
    disks: disks.map(refTo),
    vm: refTo(vm),
  };
  await call.repo.insert(T.Backup, backup);
  for (const disk of disks) await call.repo.update(T.Disk, { ...disk, status: 'locked' });
  await recordEvent(call.repo, {
    code: EventCode.VM_BACKUP_STARTED, severity: 'normal', userId: call.principal.userId, about: { vm: refTo(vm) },
    description: `Backup ${backup.id} for VM ${vm.name} started (User: ${call.principal.userName}).`,
  });
  return backup;
}

export const vmBackups = implement(S.VmBackups, {
  list: (call, o) => call.repo.list(T.Backup, { vm: call.scope[0] }, o),
  add,
});

export const vmBackup = implement(S.VmBackup, {
  get: (call) => load(call, S.VmBackups),
  actions: {
    async finalize(call) {
      const backup = await load(call, S.VmBackups);
      if (backup.phase === 'finalizing' || backup.phase === 'succeeded') return { status: 'complete' };
      if (backup.phase !== 'ready') throw conflict(`Cannot finalize backup ${backup.id}: it is ${backup.phase}`);
      await call.repo.update(T.Backup, { ...backup, phase: 'finalizing', modification_date: now() });
      return { status: 'complete' };
    },
  },
});

/** The disks of `refs` that exist, each with the members `extra` gives it. */
async function disksNamed(call: Call, refs: readonly { id?: string }[], extra: (id: string) => Obj = () => ({})): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const ref of refs) {
    const disk = await call.repo.get(T.Disk, String(ref.id));
    if (disk) out.push({ ...disk, ...extra(String(ref.id)) });
  }
  return out;
}

/** The behaviour of one disk of the list `disks` answers, addressed by the last id of the path. */
function diskAmong(disks: (call: Call) => Promise<Obj[]>, what: string) {
  return async (call: Call): Promise<Obj> => {
    const disk = (await disks(call)).find((d) => d.id === call.scope[2]);
    if (!disk) throw notFound(`The ${what} has no disk '${call.scope[2]}'`);
    return disk;
  };
}

/** The disks of a backup, each with how it is backed up once the backup has started. */
async function backupDisks(call: Call): Promise<Obj[]> {
  const backup = heldBackup(await load({ ...call, scope: call.scope.slice(0, 2) }, S.VmBackups));
  return disksNamed(call, backup.disks ?? [], (id) => (backup.modes?.[id] ? { backup_mode: backup.modes[id] } : {}));
}

export const vmBackupDisks = implement(S.VmBackupDisks, { list: async (call, o) => (await backupDisks(call)).slice(0, o.max) });
export const vmBackupDisk = implement(S.VmBackupDisk, { get: diskAmong(backupDisks, 'backup') });

// --- checkpoints ----------------------------------------------------------------

export const vmCheckpoints = implement(S.VmCheckpoints, { list: (call, o) => call.repo.list(T.Checkpoint, { vm: call.scope[0] }, o) });

export const vmCheckpoint = implement(S.VmCheckpoint, {
  get: (call) => load(call, S.VmCheckpoints),
  async remove(call) {
    const checkpoint = await load(call, S.VmCheckpoints);
    const vmId = call.scope[0];
    // Checkpoints go oldest first, as oVirt removes them: the chain keeps no gap.
    const [oldest] = await call.repo.list(T.Checkpoint, { vm: vmId }, { max: 1 });
    if (oldest.id !== checkpoint.id) throw conflict(`Only the oldest checkpoint of the VM can be removed, ${oldest.id}`);
    const running = await runningBackup(call.repo, vmId);
    if (running) throw conflict(`Cannot remove checkpoint ${checkpoint.id}: backup ${running.id} is in progress`);
    await call.repo.remove(T.Checkpoint, String(checkpoint.id));
    const next = (await call.repo.list(T.Checkpoint, { vm: vmId })).find((c) => c.parent_id === checkpoint.id);
    if (next) await call.repo.update(T.Checkpoint, { ...next, parent_id: undefined });
    const files: string[] = [];
    for (const ref of checkpoint.disks ?? []) {
      const active = await activeVolume(call.engine, call.repo, String(ref.id));
      if (active) files.push(active.file);
    }
    call.files.afterCommit({
      what: `removing the bitmaps of checkpoint ${checkpoint.id}`,
      // From every layer of the disk's chain that has it.
      run: async (signal) => {
        for (const file of files) {
          for (const layer of await chainOf(file, signal)) {
            if (layer.bitmaps.includes(String(checkpoint.id))) await removeBitmap(layer.file, String(checkpoint.id), signal);
          }
        }
      },
      // A bitmap that stays keeps its checkpoint.
      undo: async (repo) => {
        await repo.insert(T.Checkpoint, checkpoint);
        if (next) await repo.update(T.Checkpoint, next);
      },
    });
  },
});

async function checkpointDisks(call: Call): Promise<Obj[]> {
  return disksNamed(call, (await load({ ...call, scope: call.scope.slice(0, 2) }, S.VmCheckpoints)).disks ?? []);
}

export const vmCheckpointDisks = implement(S.VmCheckpointDisks, { list: async (call, o) => (await checkpointDisks(call)).slice(0, o.max) });
export const vmCheckpointDisk = implement(S.VmCheckpointDisk, { get: diskAmong(checkpointDisks, 'checkpoint') });

// --- the monitor ------------------------------------------------------------------
//
// As the transfer monitor does: a step's file work runs outside any transaction, within the
// storage time bound; what it found is written under the backup's lock if the backup is still
// in the phase the work was for.

/** What a step found, written under the backup's lock. */
type Outcome = (repo: Repo, backup: StoredBackup) => Promise<void>;
type Step = (engine: Engine, backup: StoredBackup, signal: AbortSignal) => Promise<Outcome | undefined>;

async function moveTo(repo: Repo, backup: StoredBackup, phase: Phase, extra: StoredBackup = {}): Promise<StoredBackup> {
  const next = { ...backup, ...extra, phase, modification_date: now() };
  await repo.update(T.Backup, next);
  return next;
}

/** The backup's disks are usable again. */
async function freeDisks(repo: Repo, backup: StoredBackup): Promise<void> {
  for (const ref of backup.disks ?? []) {
    const disk = await repo.getForUpdate(T.Disk, String(ref.id));
    if (disk?.status === 'locked') await repo.update(T.Disk, { ...disk, status: 'ok' });
  }
}

async function ended(repo: Repo, backup: StoredBackup, success: boolean): Promise<void> {
  const vm = await repo.get(T.Vm, String(backup.vm?.id));
  await freeDisks(repo, backup);
  await moveTo(repo, backup, success ? 'succeeded' : 'failed');
  await recordEvent(repo, {
    code: success ? EventCode.VM_BACKUP_COMPLETED : EventCode.VM_BACKUP_FAILED, severity: success ? 'normal' : 'error', about: { vm: refTo(backup.vm ?? {}) },
    description: `Backup ${backup.id} for VM ${vm?.name ?? backup.vm?.id} ${success ? 'completed successfully' : `failed${backup.failure ? `: ${backup.failure}` : ''}`}.`,
  });
}

const failed = (reason: string): Outcome => (repo, backup) => ended(repo, { ...backup, failure: reason }, false);

/** Marks the new checkpoint on the disks that track changes, and finds how each disk is backed up. */
const start: Step = async (engine, backup, signal) => {
  const repo = new Repo(engine.db);
  const modes: Record<string, Mode> = {};
  const tracked: string[] = [];
  const added: string[] = [];
  let host: ObjOf<typeof T.Host> | undefined;
  try {
    for (const ref of backup.disks ?? []) {
      const id = String(ref.id);
      const active = await activeVolume(engine, repo, id);
      if (!active) throw new Error(`disk ${id} is gone`);
      host ??= await hostOf(repo, backup, active);
      if (!host) throw new Error('no host that is up can reach its storage domain');
      modes[id] = 'full';
      if (!tracksChanges(active.disk)) continue;
      const chain = await chainOf(active.file, signal);
      // A disk whose chain does not mark every write since the checkpoint (it was not in it, or
      // got a volume without its bitmap) is backed up whole.
      const from = backup.from_checkpoint_id;
      if (from !== undefined && trackingSince(chain, from).length) modes[id] = 'incremental';
      const to = String(backup.to_checkpoint_id);
      if (!chain[0].bitmaps.includes(to)) {
        await addBitmap(active.file, to, signal);
        added.push(active.file);
      }
      tracked.push(id);
    }
  } catch (e) {
    for (const file of added) await removeBitmap(file, String(backup.to_checkpoint_id)).catch(() => undefined);
    return failed(e instanceof Error ? e.message : String(e));
  }
  return async (r, current) => {
    await moveTo(r, current, 'ready', { modes, tracked, ...(host ? { host: refTo(host) } : {}) });
  };
};

/** The backup's image transfers, as the engine keeps them. */
async function transfersOf(engine: Engine, backup: StoredBackup): Promise<StoredTransfer[]> {
  return (await new Repo(engine.db).list(T.ImageTransfer)).filter((t) => t.backup?.id === backup.id);
}

const underWay = (transfers: StoredTransfer[]) => transfers.some((t) => !(TRANSFER_FINAL as readonly string[]).includes(String(t.phase)));

/**
 * A ready backup whose client is gone (no transfer under way, and none ended, for the backup
 * timeout) fails: its new checkpoint's bitmaps go, as the checkpoint is not kept.
 */
const expire: Step = async (engine, backup, signal) => {
  const timeout = engine.config.backupTimeout * 1000;
  // Most passes end here, without a query.
  if (Date.now() - Date.parse(String(backup.modification_date)) < timeout) return undefined;
  const transfers = await transfersOf(engine, backup);
  const last = Math.max(Date.parse(String(backup.modification_date)), ...transfers.map((t) => Number(t.last_updated)));
  if (underWay(transfers) || Date.now() - last < timeout) return undefined;
  const repo = new Repo(engine.db);
  for (const id of backup.tracked ?? []) {
    const active = await activeVolume(engine, repo, id);
    // Another process may be removing it too; a bitmap left only marks writes nothing reads.
    if (active) await removeBitmap(active.file, String(backup.to_checkpoint_id), signal).catch(() => undefined);
  }
  return failed(`it was not finalized within ${engine.config.backupTimeout} s`);
};

/** Once the backup's transfers have ended: the checkpoint is kept, and the disks are free. */
const finish: Step = async (engine, backup) => {
  if (underWay(await transfersOf(engine, backup))) return undefined;
  return async (repo, current) => {
    const vmId = String(current.vm?.id);
    if (current.to_checkpoint_id !== undefined) {
      const [parent] = await repo.list(T.Checkpoint, { vm: vmId }, { newestFirst: true, max: 1 });
      await repo.insert(T.Checkpoint, {
        id: current.to_checkpoint_id,
        ...(current.description !== undefined ? { description: current.description } : {}),
        ...(parent ? { parent_id: parent.id } : {}),
        creation_date: current.creation_date,
        state: 'created',
        disks: (current.tracked ?? []).map((id) => ({ id })),
        vm: { id: vmId },
      });
    }
    await ended(repo, current, true);
  };
};

/** This engine process, as the driver of a backup. */
const ME = `${os.hostname()}:${process.pid}`;

/**
 * Whether this process drives the backup: the one that took it from initializing does, so that
 * two processes never mark its disks at once; another takes over once it has gone quiet for
 * longer than any step may take (that process stopped).
 */
function drivenHere(engine: Engine, backup: StoredBackup): boolean {
  if (backup.driver === undefined || backup.driver === ME || backup.phase === 'initializing') return true;
  return backup.phase !== 'starting' || Date.now() - Date.parse(String(backup.modification_date)) > 2 * engine.config.fsTimeout * 1000;
}

const STEPS: Partial<Record<Phase, Step>> = {
  initializing: async () => async (repo, backup) => {
    await moveTo(repo, backup, 'starting', { driver: ME });
  },
  starting: start,
  ready: expire,
  finalizing: finish,
};

/** The backup monitor of an engine: one pass over the backups with work to do, each time it is called. */
export function backupMonitor(engine: Engine): () => Promise<void> {
  return async () => {
    const repo = new Repo(engine.db);
    // One query a pass: the backups of an engine are few, and most passes find nothing to do.
    for (const backup of (await repo.list(T.Backup)).map(heldBackup)) {
      const phase = backup.phase as Phase;
      const id = String(backup.id);
      if (FINAL.includes(phase)) {
        if (Date.now() - Date.parse(String(backup.modification_date)) > KEEP_MS) await repo.remove(T.Backup, id);
        continue;
      }
      const step = STEPS[phase];
      if (!step || !drivenHere(engine, backup)) continue;
      let outcome: Outcome | undefined;
      try {
        outcome = await withinTime(engine.config.fsTimeout, `${phase} of backup ${id}`, (signal) => step(engine, backup, signal));
      } catch (e) {
        outcome = failed(e instanceof Error ? e.message : String(e));
      }
      if (!outcome) continue;
      const write = outcome;
      await engine.db.transaction(async (trx) => {
        const r = new Repo(trx);
        const current = await r.getForUpdate(T.Backup, id);
        if (current?.phase === phase) await write(r, heldBackup(current));
      });
    }
  };
}
