// Image transfers, control plane: creating a transfer locks its disk; actions only record the
// phase asked for, and the monitor (run by the scheduler in every process) does the work:
// installs the data-plane ticket, watches activity, finalizes (checking uploads with qemu-img)
// or cleans up, and forgets finished transfers after a while.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { Call, Engine, implement } from './behaviour';
import { load } from './stored';
import { badRequest, conflict } from './fault';
import { refTo } from './refs';
import { Repo } from './store/repo';
import { holdsCompat, qemuFormat, qcowVersion } from './storage';
import { removeDisk } from './disks';
import { domainOfDisk, heldDisk } from './disk-rows';
import { FileWork, withinTime } from './file-work';
import { EventCode, recordEvent } from './events';
import { ensureNbdServer, stopNbdServer } from './nbd-server';
import { TicketStatus, Tickets, monotonicSeconds } from './tickets';
import type { StoredBackup } from './backups';
import { hostSeeing } from './storage-hosts';

const run = promisify(execFile);

export const FINAL = ['finished_success', 'finished_failure'] as const;
/** Ticket lifetime from the last activity, and how it is renewed, as oVirt's engine does. */
const TICKET_TIMEOUT = 300;
/** How long a starting engine waits for the proxy of a transfer to answer. */
const PROBE_MS = 2000;
/**
 * How long finalizing waits for requests under way, as imageio's ticket removal does (they stop
 * at their next piece; a count left by a proxy process that died would otherwise hold it forever).
 */
const SETTLE_MS = 60_000;
/** Finished transfers stay readable this long after their last change. */
const KEEP_MS: Record<(typeof FINAL)[number], number> = { finished_success: 15 * 60_000, finished_failure: 30 * 60_000 };

type Phase = NonNullable<ObjOf<typeof T.ImageTransfer>['phase']>;
type DiskObj = ObjOf<typeof T.Disk>;

/**
 * A transfer as the engine keeps it: what clients see, and in the same row what the engine needs
 * to drive it (never written on the wire, as the model does not declare it).
 */
export type StoredTransfer = ObjOf<typeof T.ImageTransfer> & {
  /** The volume of the disk's chain it moves, and that volume's format. */
  volume?: string;
  volume_format?: string;
  /** When it last changed, in ms since the epoch. */
  last_updated?: number;
  /** The data-plane ticket, while there is one. */
  ticket?: string;
  /** The machine running its NBD server, when it moves guest data. */
  nbd_host?: string;
  /** Why it failed, once finalizing has found out. */
  failure?: string;
  /** For an incremental backup, the checkpoint whose dirty bitmap tells what changed. */
  bitmap?: string;
};

/** The engine's view of a stored transfer: the same row, with the members the model does not declare. */
const held = (transfer: ObjOf<typeof T.ImageTransfer>) => transfer as StoredTransfer;

/** What a transfer moves: a disk, and the volume of its chain (with that volume's format). */
interface Target {
  disk: DiskObj;
  volume: string;
  volumeFormat: string;
}

async function diskOfSnapshot(call: Call, id: string): Promise<Target> {
  const [row] = await call.repo.list(T.DiskSnapshot, {}, { where: { id } });
  const disk = row?.disk?.id !== undefined ? await call.repo.getForUpdate(T.Disk, row.disk.id) : undefined;
  if (!disk) throw badRequest(`Disk snapshot '${id}' does not exist`);
  return { disk, volume: id, volumeFormat: String(row.format) };
}

/**
 * The backup a transfer reads a disk of: one that is ready and holds the disk (which it keeps
 * locked). Backups move guest data, through NBD.
 */
async function backupOf(call: Call, id: string, disk: DiskObj, direction: string, format: string | undefined): Promise<StoredBackup> {
  const backup = await call.repo.get(T.Backup, id);
  if (!backup) throw badRequest(`Backup '${id}' does not exist`);
  if (direction !== 'download') throw badRequest(`Backup ${id} can only be downloaded`);
  if (format === 'cow') throw badRequest('Backups are transferred as guest data: use format=raw');
  if (!backup.disks?.some((d) => d.id === disk.id)) throw badRequest(`Disk '${String(disk.id)}' is not in backup ${id}`);
  if (backup.phase !== 'ready') throw conflict(`Backup ${id} is ${backup.phase}, not ready`);
  return backup as StoredBackup;
}

async function add(call: Call, body: ObjOf<typeof T.ImageTransfer>): Promise<Obj> {
  const direction = body.direction ?? 'upload';
  const target = body.disk ?? body.image;
  const snapshotRef = body.snapshot;
  if (body.backup && snapshotRef) throw badRequest('A backup transfer names a disk of the backup, not a disk snapshot');
  const { disk, volume, volumeFormat } = snapshotRef?.id
    ? await diskOfSnapshot(call, snapshotRef.id)
    : await (async (): Promise<Target> => {
        // Locked: the disk's status is checked here and set to locked below.
        const d = await call.repo.getForUpdate(T.Disk, String(target!.id));
        if (!d) throw badRequest(`Disk '${String(target!.id)}' does not exist`);
        return { disk: d, volume: String(d.image_id), volumeFormat: String(d.format) };
      })();
  if (snapshotRef && direction === 'upload') throw badRequest('Uploads go to a disk, not to a disk snapshot');
  if (snapshotRef && target?.id !== undefined && target.id !== String(disk.id)) {
    throw badRequest(`Disk snapshot '${volume}' is not a snapshot of disk '${target.id}'`);
  }
  const backup = body.backup && (await backupOf(call, String(body.backup.id), disk, direction, body.format));
  // A backup's disks are locked by it, and read as it holds them.
  if (disk.status === 'locked' && !backup) throw conflict(`Disk ${disk.name ?? disk.id} is locked by another operation`);
  if (disk.status === 'illegal') throw conflict(`Disk ${disk.name ?? disk.id} is illegal`);
  if (!snapshotRef && !backup) {
    for (const a of await call.repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } })) {
      const vm = await call.repo.get(T.Vm, String(a.vm?.id));
      if (vm && vm.status !== 'down') throw conflict(`Disk ${disk.name ?? disk.id} is used by VM ${vm.name}, which is not down`);
    }
  }
  const sd = await domainOfDisk(call.repo, disk);
  if (sd?.data_center && sd.status !== 'active') throw conflict(`Storage domain ${sd.name} is not active`);
  const format = body.format ?? (backup ? 'raw' : (volumeFormat as NonNullable<StoredTransfer['format']>));
  // Raw over qcow2 is guest data (through NBD); qcow2 bytes cannot stand for a raw volume.
  if (format === 'cow' && volumeFormat === 'raw') throw conflict('A raw volume cannot be transferred in cow format: use format=raw');
  const transfer: StoredTransfer = {
    id: randomUUID(),
    direction,
    format,
    inactivity_timeout: body.inactivity_timeout ?? 60,
    timeout_policy: body.timeout_policy ?? 'legacy',
    phase: 'initializing',
    active: false,
    transferred: 0,
    shallow: body.shallow === true,
    disk: refTo(disk),
    // oVirt reports the disk in `image` too.
    image: refTo(disk),
    ...(snapshotRef ? { snapshot: { id: snapshotRef.id } } : {}),
    ...(body.host?.id ? { host: { id: body.host.id } } : {}),
    ...(backup ? { backup: { id: backup.id } } : {}),
    ...(backup && backup.modes?.[String(disk.id)] === 'incremental' ? { bitmap: backup.from_checkpoint_id } : {}),
    volume,
    volume_format: volumeFormat,
    last_updated: Date.now(),
  };
  await call.repo.insert(T.ImageTransfer, transfer);
  if (!backup) await call.repo.update(T.Disk, { ...disk, status: 'locked' });
  return transfer;
}

/** The transfer, marked as changed now. */
const touched = (transfer: StoredTransfer): StoredTransfer => ({ ...transfer, last_updated: Date.now() });

/** An action records the phase asked for; the monitor acts on it. */
function phaseAction(allowed: Phase[], next: Phase, what: string, uploadOnly = false) {
  return async (call: Call): Promise<Obj> => {
    const transfer = await load(call, S.ImageTransfers);
    if (uploadOnly && transfer.direction !== 'upload') throw badRequest(`Only uploads can be ${what}`);
    if (transfer.phase === undefined || !allowed.includes(transfer.phase)) throw conflict(`Cannot ${what} a transfer in phase ${transfer.phase}`);
    await call.repo.update(T.ImageTransfer, touched({ ...transfer, phase: next }));
    return { status: 'complete' };
  };
}

export const imageTransfers = implement(S.ImageTransfers, {
  list: (call, o) => call.repo.list(T.ImageTransfer, {}, o),
  listsSeen: true,
  add,
});

export const imageTransferEntity = implement(S.ImageTransferEntity, {
  get: (call) => load(call, S.ImageTransfers),
  actions: {
    async extend(call) {
      const transfer = held(await load(call, S.ImageTransfers));
      // The ticket lives its full timeout again, even if it had run out.
      if (transfer.ticket) await new Tickets(call.repo.db).extend(transfer.ticket, TICKET_TIMEOUT);
      await call.repo.update(T.ImageTransfer, touched(transfer));
      return { status: 'complete' };
    },
    pause: phaseAction(['initializing', 'transferring', 'resuming'], 'paused_user', 'paused', true),
    resume: phaseAction(['paused_user', 'paused_system'], 'resuming', 'resume'),
    cancel: phaseAction(['initializing', 'transferring', 'resuming', 'paused_user', 'paused_system'], 'cancelled_user', 'cancel'),
    finalize: phaseAction(['transferring'], 'finalizing_success', 'finalize'),
  },
});

// --- the monitor -----------------------------------------------------------------
//
// Each step works in two parts. Its file and data-plane work (starting or stopping qemu-nbd,
// checking an upload with qemu-img) runs outside any transaction and within the storage time
// bound; what it found is then written under the transfer's lock, if the transfer is still in
// the phase the work was for. File work that follows a write (removing a failed upload's volume)
// runs after that commit, as a request's does.

interface Context {
  engine: Engine;
  repo: Repo;
  files: FileWork;
  transfer: StoredTransfer;
  disk: DiskObj;
  sd: ObjOf<typeof T.StorageDomain>;
}

/** What a step's work found, written under the lock of the transfer (and its disk). */
type Outcome = (c: Context) => Promise<void>;
/** A step of the monitor: its work, which answers its outcome (none: nothing to write yet). */
type Step = (c: Context, signal: AbortSignal) => Promise<Outcome | undefined>;

/** The file of the volume the transfer moves. */
const volumeFile = (c: Context) => c.engine.storage.volumeFile(c.sd, String(c.disk.id), String(c.transfer.volume));

/** Where clients reach a ticket: this process's proxy (which may have moved since a restart). */
const proxyAddress = (c: Context, ticket: string) => `https://${c.engine.config.publicHost}:${c.engine.config.proxyPort}/images/${ticket}`;

/** Bytes a ticket may address (oVirt's rules for file storage). */
async function ticketSize(c: Context): Promise<number> {
  const virtual = Number(c.disk.provisioned_size);
  if (c.transfer.format === 'raw') return virtual;
  if (c.transfer.direction === 'upload') return Math.ceil(virtual * 1.1) + 1024 * 1024;
  return (await fs.promises.stat(volumeFile(c))).size;
}

async function chooseHost(c: Context): Promise<ObjOf<typeof T.Host> | undefined> {
  if (c.transfer.host) {
    const asked = await c.repo.get(T.Host, String(c.transfer.host.id));
    return asked?.status === 'up' ? asked : undefined;
  }
  return hostSeeing(c.repo, c.sd);
}

async function setPhase(c: Context, phase: Phase, extra: StoredTransfer = {}): Promise<void> {
  c.transfer = touched({ ...c.transfer, ...extra, phase });
  await c.repo.update(T.ImageTransfer, c.transfer);
}

/** Whether the transfer moves guest data of a qcow2 volume, through an NBD server. */
function throughNbd(c: Context): boolean {
  return c.transfer.format === 'raw' && (c.transfer.volume_format ?? c.disk.format) === 'cow';
}

/**
 * Makes the ticket's backend ready and answers its URL: the volume file, or (guest data) the NBD
 * server serving the volume, started here unless it runs already.
 */
async function prepareBackend(c: Context): Promise<string> {
  const file = volumeFile(c);
  if (!throughNbd(c)) return pathToFileURL(file).href;
  const download = c.transfer.direction !== 'upload';
  const socket = await ensureNbdServer(String(c.transfer.id), {
    image: file, format: 'qcow2', readOnly: download, shallow: download && c.transfer.shallow === true, bitmap: c.transfer.bitmap,
  });
  return `nbd:unix:${socket}`;
}

/** Where the backend runs, recorded before it starts: only processes there may drive the transfer from then on. */
const backendHost = (c: Context): StoredTransfer => (throughNbd(c) ? { nbd_host: os.hostname() } : {});

/** The system stops a transfer that lost its data plane: uploads wait paused, downloads end (oVirt's rule). */
const stopBySystem = (c: Context, extra: StoredTransfer = {}) => setPhase(c, c.transfer.direction === 'upload' ? 'paused_system' : 'cancelled_system', extra);

/** The transfer cannot reach its volume. */
function backendFailed(c: Context, err: unknown, here: StoredTransfer): Outcome {
  c.engine.log.error({ err }, `transfer ${String(c.transfer.id)}: the NBD server did not start`);
  return (l) => stopBySystem(l, here);
}

const installTicket: Step = async (c) => {
  const host = await chooseHost(c);
  if (!host) return finish(c, false, 'no host that is up can reach its storage domain');
  const here = backendHost(c);
  let url: string;
  try {
    url = await prepareBackend(c);
  } catch (e) {
    return backendFailed(c, e, here);
  }
  const size = await ticketSize(c);
  return async (l) => {
    const id = randomUUID();
    await new Tickets(l.repo.db).install({
      uuid: id, transfer_id: String(l.transfer.id), url, size, ops: [l.transfer.direction === 'upload' ? 'write' : 'read'],
      timeout: TICKET_TIMEOUT, inactivity_timeout: Number(l.transfer.inactivity_timeout), sparse: l.disk.sparse === true, dirty: l.transfer.bitmap !== undefined,
    });
    const address = proxyAddress(l, id);
    await setPhase(l, 'transferring', { ...here, host: refTo(host), proxy_url: address, transfer_url: address, ticket: id });
  };
};

async function ticketOf(c: Context): Promise<TicketStatus | undefined> {
  return c.transfer.ticket ? new Tickets(c.repo.db).status(c.transfer.ticket) : undefined;
}

/**
 * Whether the data plane is done with the ticket: it takes no new request from the first call
 * on, and requests under way may finish (for up to a minute) before the ticket goes.
 */
async function settled(c: Context): Promise<boolean> {
  if (!c.transfer.ticket) return true;
  return (await new Tickets(c.repo.db).cancel(c.transfer.ticket)) || Date.now() - Number(c.transfer.last_updated) > SETTLE_MS;
}

/** Ends data-plane access, once the NBD server (if any) has flushed and stopped: the ticket goes. */
async function removeTicket(c: Context): Promise<void> {
  if (c.transfer.ticket) await new Tickets(c.repo.db).remove(c.transfer.ticket);
  // The URLs exist only while a ticket does; the next phase change stores this.
  const { ticket: _ticket, proxy_url: _proxy, transfer_url: _host, ...rest } = c.transfer;
  c.transfer = rest;
}

/** Stops the NBD server, then has the ticket go and the transfer move to `next`. */
async function stopped(c: Context, next: Phase): Promise<Outcome> {
  await stopNbdServer(String(c.transfer.id));
  return async (l) => {
    await removeTicket(l);
    await setPhase(l, next);
  };
}

/** Follows the ticket's activity, and applies the timeout policy to an idle transfer. */
async function watch(c: Context): Promise<void> {
  const ticket = await ticketOf(c);
  // Removed under it (through the ticket control API), as when oVirt's engine finds its ticket
  // gone: an upload may be resumed, with a new ticket.
  if (!ticket) return stopBySystem(c);
  const { transferred, active } = ticket;
  if (transferred !== c.transfer.transferred || active !== c.transfer.active) {
    c.transfer = { ...c.transfer, transferred, active };
    await c.repo.update(T.ImageTransfer, c.transfer);
  }
  const timeout = Number(c.transfer.inactivity_timeout);
  if (timeout > 0 && !active && ticket.idle_time >= timeout) {
    const policy = c.transfer.timeout_policy;
    const upload = c.transfer.direction === 'upload';
    const pause = policy === 'pause' || (policy === 'legacy' && upload);
    await setPhase(c, pause ? 'paused_system' : 'cancelled_system');
  } else if (ticket.expires - monotonicSeconds() < 240) {
    await new Tickets(c.repo.db).extend(ticket.uuid, TICKET_TIMEOUT);
  }
}

/** What checking an upload found: why it is refused, or what it made of the disk. */
type Verdict = { refused: string } | { disk: DiskObj };

/** Checks an uploaded volume as an untrusted image. */
async function verify(c: Context, signal: AbortSignal): Promise<Verdict> {
  const file = volumeFile(c);
  let info: Record<string, unknown>;
  try {
    info = JSON.parse((await run('qemu-img', ['info', '--output=json', file], { signal })).stdout) as Record<string, unknown>;
  } catch {
    return { refused: 'the image cannot be read' };
  }
  const expected = qemuFormat(String(c.disk.format));
  if (info.format !== expected) return { refused: `the data is ${String(info.format)}, the disk is ${expected}` };
  if (Number(info['virtual-size']) > Number(c.disk.provisioned_size)) return { refused: 'the image is larger than the disk' };
  if (expected !== 'qcow2') return { disk: {} };
  const compat = String((info['format-specific'] as { data?: { compat?: string } } | undefined)?.data?.compat);
  if (!holdsCompat(c.sd, compat)) return { refused: `qcow2 compat ${compat} is not supported by storage format ${c.sd.storage_format}` };
  const parent = await parentVolume(c);
  const backing = info['backing-filename'] as string | undefined;
  if (!parent && backing !== undefined) return { refused: 'the image names a backing file the volume does not have' };
  if (parent && backing === undefined) return { refused: `the image has no backing file, but the volume has parent ${parent}` };
  if (parent && backing !== undefined && path.basename(backing) !== parent) return { refused: `the image names backing file ${backing}, not the volume's parent ${parent}` };
  try {
    await run('qemu-img', ['check', '-q', '-f', 'qcow2', file], { signal });
  } catch {
    return { refused: 'qemu-img check finds the qcow2 image damaged' };
  }
  // The engine records what the upload made of the disk.
  return { disk: { qcow_version: qcowVersion(compat) } };
}

/** The volume under the one the transfer moves, if any: its parent in the disk's chain, or under the first, its template's. */
async function parentVolume(c: Context): Promise<string | undefined> {
  const disk = heldDisk(c.disk);
  if (c.transfer.volume === c.disk.image_id) return disk.backing_volume ?? disk.template_volume?.volume;
  const [snapshot] = await c.repo.list(T.DiskSnapshot, {}, { where: { id: String(c.transfer.volume) } });
  return snapshot?.parent?.id ?? disk.template_volume?.volume;
}

/** Ends a transfer, once the NBD server (if any) has stopped. */
async function finish(c: Context, success: boolean, reason?: string): Promise<Outcome> {
  await stopNbdServer(String(c.transfer.id));
  return (l) => ended(l, success, reason);
}

/** Records the end of a transfer: the disk is usable again, or (failed upload) illegal and removed. */
async function ended(c: Context, success: boolean, reason?: string): Promise<void> {
  await removeTicket(c);
  const upload = c.transfer.direction === 'upload';
  if (success || !upload) {
    // A backup's disk stays locked until the backup ends.
    if (!c.transfer.backup) await c.repo.update(T.Disk, { ...c.disk, status: 'ok' });
  } else {
    c.disk = { ...c.disk, status: 'illegal' };
    await c.repo.update(T.Disk, c.disk);
    const attached = await c.repo.count(T.DiskAttachment, {}, { id: String(c.disk.id) });
    if (!attached) await removeDisk(c, c.disk);
  }
  await setPhase(c, success ? 'finished_success' : 'finished_failure');
  await recordEvent(c.repo, {
    code: success ? EventCode.TRANSFER_FINISHED : EventCode.TRANSFER_FAILED,
    severity: success ? 'normal' : 'error',
    description: `${upload ? 'Upload to' : 'Download of'} disk ${c.disk.name ?? c.disk.id} ${success ? 'finished' : `failed${reason ? `: ${reason}` : ''}`}.`,
  });
}

/** Phases that end the transfer as failed. */
const ENDING: readonly Phase[] = ['finished_cleanup', 'finalizing_failure'];

const STEPS: Partial<Record<Phase, Step>> = {
  initializing: installTicket,
  transferring: async () => watch,
  resuming: async (c, signal) => {
    const ticket = await ticketOf(c);
    if (!ticket) return installTicket(c, signal);
    // The NBD server may have stopped with the machine; it comes back on the same socket.
    const here = backendHost(c);
    try {
      await prepareBackend(c);
    } catch (e) {
      return backendFailed(c, e, here);
    }
    return async (l) => {
      await new Tickets(l.repo.db).revive(ticket.uuid, TICKET_TIMEOUT);
      const address = proxyAddress(l, ticket.uuid);
      await setPhase(l, 'transferring', { ...here, proxy_url: address, transfer_url: address });
    };
  },
  cancelled_user: (c) => stopped(c, 'finalizing_cleanup'),
  finalizing_cleanup: async () => (l) => setPhase(l, 'finished_cleanup'),
  finished_cleanup: (c) => finish(c, false, 'cancelled'),
  cancelled_system: (c) => stopped(c, 'finalizing_failure'),
  finalizing_failure: (c) => finish(c, false, c.transfer.failure),
  finalizing_success: async (c, signal) => {
    if (!(await settled(c))) return undefined;
    await stopNbdServer(String(c.transfer.id));
    const verdict: Verdict = c.transfer.direction === 'upload' ? await verify(c, signal) : { disk: {} };
    return async (l) => {
      if ('refused' in verdict) {
        await removeTicket(l);
        await setPhase(l, 'finalizing_failure', { failure: verdict.refused });
      } else {
        l.disk = { ...l.disk, ...verdict.disk };
        await ended(l, true);
      }
    };
  },
};

/** The outcome of a step whose work took longer than the storage time bound: the system ends the transfer. */
function late(phase: Phase, e: unknown): Outcome {
  const reason = e instanceof Error ? e.message : String(e);
  return ENDING.includes(phase) ? (l) => ended(l, false, reason) : (l) => setPhase(l, 'finalizing_failure', { failure: reason });
}

/** Whether an image proxy answers at the origin of `url` (a liveness check: nothing is sent). */
function proxyAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL('/images/*', url);
    } catch {
      return resolve(false);
    }
    const req = https.request(target, { method: 'OPTIONS', rejectUnauthorized: false, timeout: PROBE_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** An upload whose data plane stopped waits paused, to be resumed (with a live URL) from its last flush. */
async function pauseStopped(repo: Repo, transfer: StoredTransfer, why: string): Promise<void> {
  await repo.update(T.ImageTransfer, touched({ ...transfer, phase: 'paused_system', active: false }));
  await recordEvent(repo, { code: EventCode.TRANSFER_PAUSED, severity: 'warning', description: `Upload ${transfer.id} was paused: ${why}; resume it to go on.` });
}

/**
 * After the engine starts, uploads whose proxy no longer answers come back paused, as oVirt's
 * do when their data-plane ticket is lost: the client resumes them (and gets a live URL) and goes
 * on from its last flush. Uploads that another running process serves go on undisturbed.
 */
export async function pauseInterruptedUploads(engine: Engine): Promise<void> {
  const repo = new Repo(engine.db);
  for (const transfer of await repo.list(T.ImageTransfer, {}, { where: { phase: 'transferring' } })) {
    if (transfer.direction !== 'upload' || (await proxyAnswers(String(transfer.proxy_url)))) continue;
    await pauseStopped(repo, transfer, 'its image proxy stopped with an engine process');
  }
}

/**
 * Pauses the uploads whose URL is this process's proxy, once that proxy has stopped (the process
 * is stopping): each under its lock, unless it moved on meanwhile. Answers their ids.
 * Downloads stay as they are: their ticket is kept, and their URL answers again when a process
 * serves this proxy address.
 */
export async function pauseUploadsServedHere(engine: Pick<Engine, 'config' | 'db'>): Promise<string[]> {
  const here = new URL(`https://${engine.config.publicHost}:${engine.config.proxyPort}`).origin;
  const servedHere = (x: ObjOf<typeof T.ImageTransfer>) => x.direction === 'upload' && x.proxy_url !== undefined && new URL(String(x.proxy_url)).origin === here;
  const paused: string[] = [];
  for (const { id } of (await new Repo(engine.db).list(T.ImageTransfer, {}, { where: { phase: 'transferring' } })).filter(servedHere)) {
    await engine.db.transaction(async (trx) => {
      const repo = new Repo(trx);
      const transfer = await repo.getForUpdate(T.ImageTransfer, String(id));
      if (transfer?.phase !== 'transferring' || !servedHere(transfer)) return;
      await pauseStopped(repo, transfer, 'the engine process serving its image proxy stopped');
      paused.push(String(id));
    });
  }
  return paused;
}

/**
 * Whether this process may drive a transfer: any may, unless the transfer's NBD server runs on
 * another machine (only there can it be flushed, stopped or started again).
 */
function drivenHere(transfer: StoredTransfer): boolean {
  return transfer.nbd_host === undefined || transfer.nbd_host === os.hostname();
}

/** The transfer with its disk and the disk's domain; locked when `repo` is in a transaction that writes. */
async function contextOf(engine: Engine, repo: Repo, files: FileWork, transfer: StoredTransfer, lock: boolean): Promise<Context | undefined> {
  const diskId = String(transfer.disk?.id);
  // Locked too: the step may set the disk's status, which must not undo a concurrent change.
  const disk = lock ? await repo.getForUpdate(T.Disk, diskId) : await repo.get(T.Disk, diskId);
  const sd = disk && (await domainOfDisk(repo, disk));
  return disk && sd ? { engine, repo, files, transfer, disk, sd } : undefined;
}

/**
 * The monitor of an engine: one pass over the transfers that have work to do each time it is
 * called (by the scheduler). Work still going on past its time bound is not started again.
 */
export function transferMonitor(engine: Engine): () => Promise<void> {
  const working = new Set<string>();

  async function advance(transfer: StoredTransfer, phase: Phase, step: Step): Promise<void> {
    const id = String(transfer.id);
    const files = new FileWork(engine.config.fsTimeout);
    const c = await contextOf(engine, new Repo(engine.db), files, transfer, false);
    let outcome: Outcome | undefined;
    if (c) {
      working.add(id);
      let work: Promise<unknown> = Promise.resolve();
      let aborted = () => false;
      try {
        outcome = await withinTime(engine.config.fsTimeout, `${phase.replace('_', ' ')} of transfer ${id}`, (signal) => {
          aborted = () => signal.aborted;
          const stepping = step(c, signal);
          work = stepping.catch(() => undefined);
          return stepping;
        });
      } catch (e) {
        if (!aborted()) throw e;
        outcome = late(phase, e);
      } finally {
        void work.finally(() => working.delete(id));
      }
      if (!outcome) return;
    }
    await engine.db.transaction(async (trx) => {
      const r = new Repo(trx);
      const current = await r.getForUpdate(T.ImageTransfer, id);
      if (current?.phase !== phase) return;
      const locked = await contextOf(engine, r, files, held(current), true);
      if (!locked || !outcome) await r.update(T.ImageTransfer, { ...current, phase: 'finished_failure' });
      else await outcome(locked);
    });
    await files.run(engine.db);
  }

  return async () => {
    const repo = new Repo(engine.db);
    for (const [phase, step] of Object.entries(STEPS) as [Phase, Step][]) {
      for (const transfer of (await repo.list(T.ImageTransfer, {}, { where: { phase } })).map(held)) {
        if (drivenHere(transfer) && !working.has(String(transfer.id))) await advance(transfer, phase, step);
      }
    }
    for (const phase of FINAL) {
      for (const transfer of (await repo.list(T.ImageTransfer, {}, { where: { phase } })).map(held)) {
        if (Date.now() - Number(transfer.last_updated) > KEEP_MS[phase]) await repo.remove(T.ImageTransfer, String(transfer.id));
      }
    }
  };
}
