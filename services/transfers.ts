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
import { Obj, isObj } from '../model/codec';
import { Call, Engine, implement } from './behaviour';
import { load } from './stored';
import { badRequest, conflict } from './fault';
import { refTo } from './refs';
import { Repo } from './store/repo';
import { holdsCompat, qemuFormat, qcowVersion } from './storage';
import { domainOfDisk, removeDiskRows } from './disks';
import { withinTime } from './file-work';
import { EventCode, recordEvent } from './events';
import { ensureNbdServer, stopNbdServer } from './nbd-server';
import { TicketStatus, Tickets, monotonicSeconds } from '../proxy/tickets';

const run = promisify(execFile);

export const FINAL = ['finished_success', 'finished_failure'];
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
const KEEP_MS = { finished_success: 15 * 60_000, finished_failure: 30 * 60_000 } as Record<string, number>;

/** What a transfer moves: a disk, and the volume of its chain (with that volume's format). */
interface Target {
  disk: Obj;
  volume: string;
  volumeFormat: string;
}

async function diskOfSnapshot(call: Call, id: string): Promise<Target> {
  const [row] = await call.repo.list(T.DiskSnapshot, {}, { where: { id } });
  const disk = row && (await call.repo.getForUpdate(T.Disk, String((row.disk as Obj).id)));
  if (!disk) throw badRequest(`Disk snapshot '${id}' does not exist`);
  return { disk, volume: id, volumeFormat: String(row.format) };
}

async function add(call: Call, body: Obj): Promise<Obj> {
  const direction = String(body.direction ?? 'upload');
  const target = isObj(body.disk) ? body.disk : isObj(body.image) ? body.image : undefined;
  const snapshotRef = isObj(body.snapshot) ? body.snapshot : undefined;
  // Incremental backups (VM backup entities) are not part of this engine, so none can be named.
  if (isObj(body.backup)) throw badRequest(`Backup '${String(body.backup.id)}' does not exist: this engine keeps no VM backups`);
  const { disk, volume, volumeFormat } = snapshotRef?.id
    ? await diskOfSnapshot(call, String(snapshotRef.id))
    : await (async (): Promise<Target> => {
        // Locked: the disk's status is checked here and set to locked below.
        const d = await call.repo.getForUpdate(T.Disk, String(target!.id));
        if (!d) throw badRequest(`Disk '${String(target!.id)}' does not exist`);
        return { disk: d, volume: String(d.image_id), volumeFormat: String(d.format) };
      })();
  if (snapshotRef && direction === 'upload') throw badRequest('Uploads go to a disk, not to a disk snapshot');
  if (snapshotRef && target?.id !== undefined && String(target.id) !== String(disk.id)) {
    throw badRequest(`Disk snapshot '${volume}' is not a snapshot of disk '${String(target.id)}'`);
  }
  if (disk.status === 'locked') throw conflict(`Disk ${String(disk.name ?? disk.id)} is locked by another operation`);
  if (disk.status === 'illegal') throw conflict(`Disk ${String(disk.name ?? disk.id)} is illegal`);
  if (!snapshotRef) {
    for (const a of await call.repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } })) {
      const vm = await call.repo.get(T.Vm, String((a.vm as Obj).id));
      if (vm && vm.status !== 'down') throw conflict(`Disk ${String(disk.name ?? disk.id)} is used by VM ${String(vm.name)}, which is not down`);
    }
  }
  const sd = await domainOfDisk(call.repo, disk);
  if (sd?.data_center && sd.status !== 'active') throw conflict(`Storage domain ${String(sd.name)} is not active`);
  const format = String(body.format ?? volumeFormat);
  // Raw over qcow2 is guest data (through NBD); qcow2 bytes cannot stand for a raw volume.
  if (format === 'cow' && volumeFormat === 'raw') throw conflict('A raw volume cannot be transferred in cow format: use format=raw');
  const transfer: Obj = {
    id: randomUUID(),
    direction,
    format,
    inactivity_timeout: Number(body.inactivity_timeout ?? 60),
    timeout_policy: String(body.timeout_policy ?? 'legacy'),
    phase: 'initializing',
    active: false,
    transferred: 0,
    shallow: body.shallow === true,
    disk: refTo(disk),
    // oVirt reports the disk in `image` too.
    image: refTo(disk),
    ...(snapshotRef ? { snapshot: { id: snapshotRef.id } } : {}),
    ...(isObj(body.host) && body.host.id ? { host: { id: body.host.id } } : {}),
    volume,
    volume_format: volumeFormat,
    last_updated: Date.now(),
  };
  await call.repo.insert(T.ImageTransfer, transfer);
  await call.repo.update(T.Disk, { ...disk, status: 'locked' });
  return transfer;
}

/** An action records the phase asked for; the monitor acts on it. */
function phaseAction(allowed: string[], next: string, what: string, uploadOnly = false) {
  return async (call: Call): Promise<Obj> => {
    const transfer = await load(call, S.ImageTransfers);
    if (uploadOnly && transfer.direction !== 'upload') throw badRequest(`Only uploads can be ${what}`);
    if (!allowed.includes(String(transfer.phase))) throw conflict(`Cannot ${what} a transfer in phase ${String(transfer.phase)}`);
    await call.repo.update(T.ImageTransfer, { ...transfer, phase: next, last_updated: Date.now() });
    return { status: 'complete' };
  };
}

implement(S.ImageTransfers, {
  list: (call, o) => call.repo.list(T.ImageTransfer, {}, o),
  add,
});

implement(S.ImageTransferEntity, {
  get: (call) => load(call, S.ImageTransfers),
  actions: {
    async extend(call) {
      const transfer = await load(call, S.ImageTransfers);
      // The ticket lives its full timeout again, even if it had run out.
      if (transfer.ticket) await new Tickets(call.repo.db).extend(String(transfer.ticket), TICKET_TIMEOUT);
      await call.repo.update(T.ImageTransfer, { ...transfer, last_updated: Date.now() });
      return { status: 'complete' };
    },
    pause: phaseAction(['initializing', 'transferring', 'resuming'], 'paused_user', 'paused', true),
    resume: phaseAction(['paused_user', 'paused_system'], 'resuming', 'resume'),
    cancel: phaseAction(['initializing', 'transferring', 'resuming', 'paused_user', 'paused_system'], 'cancelled_user', 'cancel'),
    finalize: phaseAction(['transferring'], 'finalizing_success', 'finalize'),
  },
});

// --- the monitor -----------------------------------------------------------------

interface Context {
  engine: Engine;
  repo: Repo;
  transfer: Obj;
  disk: Obj;
  sd: Obj;
}

/** The file of the volume the transfer moves. */
const volumeFile = (c: Context) => c.engine.storage.volumeFile(c.sd, String(c.disk.id), String(c.transfer.volume));

/** Where clients reach a ticket: this process's proxy (which may have moved since a restart). */
const proxyAddress = (c: Context, ticket: string) => `https://${c.engine.config.publicHost}:${c.engine.config.proxyPort}/images/${ticket}`;

/** Bytes a ticket may address (oVirt's rules for file storage). */
function ticketSize(c: Context): number {
  const virtual = Number(c.disk.provisioned_size);
  if (c.transfer.format === 'raw') return virtual;
  if (c.transfer.direction === 'upload') return Math.ceil(virtual * 1.1) + 1024 * 1024;
  return fs.statSync(volumeFile(c)).size;
}

async function chooseHost(c: Context): Promise<Obj | undefined> {
  if (isObj(c.transfer.host)) {
    const asked = await c.repo.get(T.Host, String(c.transfer.host.id));
    return asked?.status === 'up' ? asked : undefined;
  }
  if (!isObj(c.sd.data_center)) return undefined;
  for (const cluster of await c.repo.list(T.Cluster, { data_center: String(c.sd.data_center.id) })) {
    const [host] = await c.repo.list(T.Host, { cluster: String(cluster.id) }, { where: { status: 'up' } });
    if (host) return host;
  }
  return undefined;
}

async function setPhase(c: Context, phase: string, extra: Obj = {}): Promise<void> {
  c.transfer = { ...c.transfer, ...extra, phase, last_updated: Date.now() };
  await c.repo.update(T.ImageTransfer, c.transfer);
}

/** Whether the transfer moves guest data of a qcow2 volume, through an NBD server. */
function throughNbd(c: Context): boolean {
  return c.transfer.format === 'raw' && String(c.transfer.volume_format ?? c.disk.format) === 'cow';
}

/**
 * Makes the ticket's backend ready and answers its URL: the volume file, or (guest data) the NBD
 * server serving the volume, started here unless it runs already.
 */
async function prepareBackend(c: Context): Promise<string> {
  const file = volumeFile(c);
  if (!throughNbd(c)) return pathToFileURL(file).href;
  const download = c.transfer.direction !== 'upload';
  // The server runs on this machine: only processes here may drive the transfer from now on.
  c.transfer = { ...c.transfer, nbd_host: os.hostname() };
  const socket = await ensureNbdServer(String(c.transfer.id), { image: file, format: 'qcow2', readOnly: download, shallow: download && c.transfer.shallow === true });
  return `nbd:unix:${socket}`;
}

/** The system stops a transfer that lost its data plane: uploads wait paused, downloads end (oVirt's rule). */
const stopBySystem = (c: Context) => setPhase(c, c.transfer.direction === 'upload' ? 'paused_system' : 'cancelled_system');

/** The transfer cannot reach its volume. */
async function backendFailed(c: Context, e: unknown): Promise<void> {
  console.error(`transfer ${String(c.transfer.id)}: the NBD server did not start`, e);
  await stopBySystem(c);
}

async function installTicket(c: Context): Promise<void> {
  const host = await chooseHost(c);
  if (!host) {
    await finish(c, false, 'no host that is up can reach its storage domain');
    return;
  }
  let url: string;
  try {
    url = await prepareBackend(c);
  } catch (e) {
    return backendFailed(c, e);
  }
  const id = randomUUID();
  await new Tickets(c.repo.db).install({
    uuid: id, transfer_id: String(c.transfer.id), url, size: ticketSize(c), ops: [c.transfer.direction === 'upload' ? 'write' : 'read'],
    timeout: TICKET_TIMEOUT, inactivity_timeout: Number(c.transfer.inactivity_timeout), sparse: c.disk.sparse === true, dirty: false,
  });
  const address = proxyAddress(c, id);
  await setPhase(c, 'transferring', { host: refTo(host), proxy_url: address, transfer_url: address, ticket: id });
}

async function ticketOf(c: Context): Promise<TicketStatus | undefined> {
  return c.transfer.ticket ? new Tickets(c.repo.db).status(String(c.transfer.ticket)) : undefined;
}

/**
 * Whether the data plane is done with the ticket: it takes no new request from the first call
 * on, and requests under way may finish (for up to a minute) before the ticket goes.
 */
async function settled(c: Context): Promise<boolean> {
  if (!c.transfer.ticket) return true;
  return (await new Tickets(c.repo.db).cancel(String(c.transfer.ticket))) || Date.now() - Number(c.transfer.last_updated) > SETTLE_MS;
}

/** Ends data-plane access: the ticket goes, and the NBD server (if any) flushes and stops. */
async function removeTicket(c: Context): Promise<void> {
  if (c.transfer.ticket) await new Tickets(c.repo.db).remove(String(c.transfer.ticket));
  await stopNbdServer(String(c.transfer.id));
  // The URLs exist only while a ticket does; the next phase change stores this.
  const { ticket: _ticket, proxy_url: _proxy, transfer_url: _host, ...rest } = c.transfer;
  c.transfer = rest;
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
    const policy = String(c.transfer.timeout_policy);
    const upload = c.transfer.direction === 'upload';
    const pause = policy === 'pause' || (policy === 'legacy' && upload);
    await setPhase(c, pause ? 'paused_system' : 'cancelled_system');
  } else if (ticket.expires - monotonicSeconds() < 240) {
    await new Tickets(c.repo.db).extend(ticket.uuid, TICKET_TIMEOUT);
  }
}

/** Checks an uploaded volume as an untrusted image; the reason it is refused, if it is. */
async function verify(c: Context): Promise<string | undefined> {
  const file = volumeFile(c);
  let info: Record<string, unknown>;
  try {
    info = JSON.parse((await run('qemu-img', ['info', '--output=json', file])).stdout) as Record<string, unknown>;
  } catch {
    return 'the image cannot be read';
  }
  const expected = qemuFormat(String(c.disk.format));
  if (info.format !== expected) return `the data is ${String(info.format)}, the disk is ${expected}`;
  if (Number(info['virtual-size']) > Number(c.disk.provisioned_size)) return 'the image is larger than the disk';
  if (expected === 'qcow2') {
    const compat = String((info['format-specific'] as { data?: { compat?: string } } | undefined)?.data?.compat);
    if (!holdsCompat(c.sd, compat)) return `qcow2 compat ${compat} is not supported by storage format ${String(c.sd.storage_format)}`;
    const parent = await parentVolume(c);
    const backing = info['backing-filename'] as string | undefined;
    if (!parent && backing !== undefined) return 'the image names a backing file the volume does not have';
    if (parent && backing === undefined) return `the image has no backing file, but the volume has parent ${parent}`;
    if (parent && backing !== undefined && path.basename(backing) !== parent) return `the image names backing file ${backing}, not the volume's parent ${parent}`;
    try {
      await run('qemu-img', ['check', '-q', '-f', 'qcow2', file]);
    } catch {
      return 'qemu-img check finds the qcow2 image damaged';
    }
    // The engine records what the upload made of the disk.
    c.disk = { ...c.disk, qcow_version: qcowVersion(compat) };
  }
  return undefined;
}

/** The volume under the one the transfer moves, if any: its parent in the disk's chain. */
async function parentVolume(c: Context): Promise<string | undefined> {
  if (c.transfer.volume === c.disk.image_id) return c.disk.backing_volume === undefined ? undefined : String(c.disk.backing_volume);
  const [snapshot] = await c.repo.list(T.DiskSnapshot, {}, { where: { id: String(c.transfer.volume) } });
  return isObj(snapshot?.parent) ? String(snapshot.parent.id) : undefined;
}

/** Ends a transfer: the disk is usable again, or (failed upload) illegal and removed. */
async function finish(c: Context, success: boolean, reason?: string): Promise<void> {
  await removeTicket(c);
  const upload = c.transfer.direction === 'upload';
  if (success || !upload) {
    await c.repo.update(T.Disk, { ...c.disk, status: 'ok' });
  } else {
    await c.repo.update(T.Disk, { ...c.disk, status: 'illegal' });
    const attached = await c.repo.count(T.DiskAttachment, {}, { id: String(c.disk.id) });
    if (!attached) {
      const step = await removeDiskRows(c, c.disk);
      if (step) await withinTime(c.engine.config.fsTimeout, step.what, step.run());
    }
  }
  await setPhase(c, success ? 'finished_success' : 'finished_failure');
  await recordEvent(c.repo, {
    code: success ? EventCode.TRANSFER_FINISHED : EventCode.TRANSFER_FAILED,
    severity: success ? 'normal' : 'error',
    description: `${upload ? 'Upload to' : 'Download of'} disk ${String(c.disk.name ?? c.disk.id)} ${success ? 'finished' : `failed${reason ? `: ${reason}` : ''}`}.`,
  });
}

const STEPS: Record<string, (c: Context) => Promise<void>> = {
  initializing: installTicket,
  transferring: watch,
  resuming: async (c) => {
    const ticket = await ticketOf(c);
    if (!ticket) return installTicket(c);
    // The NBD server may have stopped with the machine; it comes back on the same socket.
    try {
      await prepareBackend(c);
    } catch (e) {
      return backendFailed(c, e);
    }
    await new Tickets(c.repo.db).revive(ticket.uuid, TICKET_TIMEOUT);
    const address = proxyAddress(c, ticket.uuid);
    await setPhase(c, 'transferring', { proxy_url: address, transfer_url: address });
  },
  cancelled_user: async (c) => {
    await removeTicket(c);
    await setPhase(c, 'finalizing_cleanup');
  },
  finalizing_cleanup: (c) => setPhase(c, 'finished_cleanup'),
  finished_cleanup: (c) => finish(c, false, 'cancelled'),
  cancelled_system: async (c) => {
    await removeTicket(c);
    await setPhase(c, 'finalizing_failure');
  },
  finalizing_failure: (c) => finish(c, false),
  finalizing_success: async (c) => {
    if (!(await settled(c))) return;
    await removeTicket(c);
    const refused = c.transfer.direction === 'upload' ? await verify(c) : undefined;
    if (refused) await setPhase(c, 'finalizing_failure', { failure: refused });
    else await finish(c, true);
  },
};

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

/**
 * After the engine starts, uploads whose proxy no longer answers come back paused, as oVirt's
 * do when their data-plane ticket is lost: the client resumes them (and gets a live URL) and goes
 * on from its last flush. Uploads that another running process serves go on undisturbed.
 */
export async function pauseInterruptedUploads(engine: Engine): Promise<void> {
  const repo = new Repo(engine.db);
  for (const transfer of await repo.list(T.ImageTransfer, {}, { where: { phase: 'transferring' } })) {
    if (transfer.direction !== 'upload' || (await proxyAnswers(String(transfer.proxy_url)))) continue;
    await repo.update(T.ImageTransfer, { ...transfer, phase: 'paused_system', active: false, last_updated: Date.now() });
    await recordEvent(repo, { code: EventCode.TRANSFER_PAUSED, severity: 'warning', description: `Upload ${String(transfer.id)} was paused: its image proxy stopped with an engine process; resume it to go on.` });
  }
}

/**
 * Whether this process may drive a transfer: any may, unless the transfer's NBD server runs on
 * another machine (only there can it be flushed, stopped or started again).
 */
function drivenHere(transfer: Obj): boolean {
  return transfer.nbd_host === undefined || transfer.nbd_host === os.hostname();
}

/** One pass over the transfers that have work to do; run by the scheduler. */
export async function monitorTransfers(engine: Engine): Promise<void> {
  const repo = new Repo(engine.db);
  for (const [phase, step] of Object.entries(STEPS)) {
    for (const transfer of await repo.list(T.ImageTransfer, {}, { where: { phase } })) {
      if (!drivenHere(transfer)) continue;
      await engine.db.transaction(async (trx) => {
        const r = new Repo(trx);
        const current = await r.getForUpdate(T.ImageTransfer, String(transfer.id));
        if (current?.phase !== phase) return;
        // Locked too: the step may set the disk's status, which must not undo a concurrent change.
        const disk = await r.getForUpdate(T.Disk, String((current.disk as Obj).id));
        const sd = disk && (await domainOfDisk(r, disk));
        if (!disk || !sd) {
          await r.update(T.ImageTransfer, { ...current, phase: 'finished_failure' });
          return;
        }
        await step({ engine, repo: r, transfer: current, disk, sd });
      });
    }
  }
  for (const phase of FINAL) {
    for (const transfer of await repo.list(T.ImageTransfer, {}, { where: { phase } })) {
      if (Date.now() - Number(transfer.last_updated) > KEEP_MS[phase]) await repo.remove(T.ImageTransfer, String(transfer.id));
    }
  }
}
