// Uploads and downloads of disks, as the oVirt SDK's examples and imageio's client do them: a
// disk to receive the image (made and waited for unless given), an image transfer of guest data
// (`format=raw`) waited for until it transfers, the data moved over the imageio protocol, then
// finalize and wait for the transfer to succeed and the disk to be usable. A failed upload is
// cancelled (the engine removes its disk), a failed download finalized (its disk stays).
// When the data plane fails or refuses the ticket, the transfer is read again: one the system
// paused (its proxy went away) is resumed and the data goes on to its new URL.
import path from 'node:path';
import * as T from '../model/types';
import type { ObjOf } from '../model/meta';
import type { Connection } from './connection';
import { NotFoundError } from './errors';
import { WaitOptions, waitFor } from './wait';
import { LocalFormat, MoveOptions, MoveStats, Progress, TransferStopped, downloadImage, imageInfo, uploadImage } from './imageio';

type Transfer = ObjOf<typeof T.ImageTransfer>;
type Disk = ObjOf<typeof T.Disk>;
type Phase = NonNullable<Transfer['phase']>;

export interface TransferOptions extends WaitOptions, Pick<MoveOptions, 'workers' | 'requestSize' | 'retryForMs' | 'onRetry' | 'unixSocket'> {
  /** Seconds the engine lets the transfer go without data before its timeout policy applies. */
  inactivityTimeout?: number;
}

export interface UploadOptions extends TransferOptions {
  /** The disk to write (id): its guest data becomes the image's. Without it, a disk is made. */
  disk?: string;
  /** The storage domain (name or id) of the disk made. */
  storageDomain?: string;
  /** Name of the disk made (default: the file's name without its extension). */
  name?: string;
  /** Format of the disk made (default: the image's, qcow2 as cow). */
  format?: NonNullable<Disk['format']>;
  /** Whether the disk made is thin (default true). */
  sparse?: boolean;
}

export interface DownloadOptions extends TransferOptions {
  /** Format of the local image (default: raw for `.raw`, `.img` and `.iso` files, else qcow2). */
  format?: LocalFormat;
}

export interface TransferResult {
  disk: Disk;
  /** The transfer as it finished. */
  transfer: Transfer;
  stats: MoveStats;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A link to an object given by id or by name. */
const refTo = (idOrName: string) => (UUID.test(idOrName) ? { id: idOrName } : { name: idOrName });

/** Phases the engine leaves on its own: a wait goes on through them. */
const PASSING: Phase[] = ['initializing', 'resuming'];

const urlOf = (t: Transfer) => {
  const url = t.proxy_url ?? t.transfer_url;
  if (!url) throw new TransferStopped(`Transfer ${String(t.id)} has no data-plane URL`);
  return url;
};

/** Waits until `disk` is usable; an illegal disk will not become so. */
function usable(conn: Connection, id: string, o: WaitOptions): Promise<Disk> {
  return waitFor(conn.system().disks().disk(id), (d) => {
    if (d.status === 'illegal') throw new Error(`Disk ${id} is illegal`);
    return d.status === 'ok';
  }, o);
}

/** Creates a transfer of the disk's guest data and waits until it transfers (cancelling it if it will not). */
async function begin(conn: Connection, disk: Disk, direction: 'upload' | 'download', o: TransferOptions) {
  const transfers = conn.system().imagetransfers();
  const made = await transfers.add({
    disk: { id: disk.id }, direction, format: 'raw', ...(o.inactivityTimeout === undefined ? {} : { inactivity_timeout: o.inactivityTimeout }),
  });
  const loc = transfers.imageTransfer(String(made.id));
  const now = await waitFor(loc, (t) => !PASSING.includes(t.phase!), o);
  if (now.phase !== 'transferring') {
    await loc.cancel().catch(() => undefined);
    throw new TransferStopped(`Transfer ${String(now.id)} is ${now.phase}, not transferring`);
  }
  return { loc, url: urlOf(now) };
}

type TransferLocator = Awaited<ReturnType<typeof begin>>['loc'];

/** Where the data goes on after the data plane failed: the transfer's URL, resuming it if the system paused it. */
function refresher(loc: TransferLocator, o: WaitOptions): () => Promise<string> {
  return async () => {
    let now: Transfer;
    try {
      now = await waitFor(loc, (t) => !PASSING.includes(t.phase!), o);
      // (Read before the engine has seen the loss, it still transfers: the data plane is tried again, and this runs again.)
      if (now.phase === 'paused_system') {
        await loc.resume();
        now = await waitFor(loc, (t) => !PASSING.includes(t.phase!), o);
      }
    } catch (e) {
      if (e instanceof NotFoundError) throw new TransferStopped('The transfer is gone');
      throw e;
    }
    if (now.phase !== 'transferring') throw new TransferStopped(`Transfer ${String(now.id)} is ${now.phase}`);
    return urlOf(now);
  };
}

/** Finalizes and waits for the end: a transfer that fails to finish is an error. */
async function finalize(loc: TransferLocator, o: WaitOptions): Promise<Transfer> {
  await loc.finalize();
  const end = await waitFor(loc, (t) => t.phase === 'finished_success' || t.phase === 'finished_failure', o);
  if (end.phase !== 'finished_success') throw new TransferStopped(`Transfer ${String(end.id)} failed as it finished`);
  return end;
}

const moveOptions = (conn: Connection, loc: TransferLocator, o: TransferOptions, progress?: Progress): MoveOptions => ({
  workers: o.workers, requestSize: o.requestSize, retryForMs: o.retryForMs, onRetry: o.onRetry, unixSocket: o.unixSocket,
  progress, refresh: refresher(loc, o), ca: conn.ca, insecure: conn.insecure,
});

/** Makes the disk an upload fills, sized for the image's guest data, and waits until it is usable. */
async function newDisk(conn: Connection, file: string, o: UploadOptions): Promise<Disk> {
  if (o.storageDomain === undefined) throw new TypeError('An upload needs a disk, or a storage domain to make one in');
  const image = await imageInfo(file);
  const made = await conn.system().disks().add({
    name: o.name ?? path.basename(file).replace(/\.[^.]*$/, ''),
    format: o.format ?? (image.format === 'qcow2' ? 'cow' : 'raw'),
    provisioned_size: image.virtualSize,
    sparse: o.sparse ?? true,
    storage_domains: [refTo(o.storageDomain)],
  });
  return usable(conn, String(made.id), o);
}

/**
 * Uploads the guest data of a local raw or qcow2 image to a disk: `o.disk`, or one made in
 * `o.storageDomain`. Only the image's data moves (a disk just made reads as zeros elsewhere).
 */
export async function upload(conn: Connection, file: string, o: UploadOptions, progress?: Progress): Promise<TransferResult> {
  const fresh = o.disk === undefined;
  const disk = fresh ? await newDisk(conn, file, o) : await conn.system().disks().disk(o.disk!).get();
  const { loc, url } = await begin(conn, disk, 'upload', o);
  let stats: MoveStats;
  let transfer: Transfer;
  try {
    stats = await uploadImage(url, file, { ...moveOptions(conn, loc, o, progress), fresh });
    transfer = await finalize(loc, o);
  } catch (e) {
    await loc.cancel().catch(() => undefined);
    throw e;
  }
  return { disk: await usable(conn, String(disk.id), o), transfer, stats };
}

const RAW_NAMES = /\.(raw|img|iso)$/i;

/** Downloads a disk's guest data into a new local image (qcow2 unless told or named otherwise). */
export async function download(conn: Connection, diskId: string, file: string, o: DownloadOptions = {}, progress?: Progress): Promise<TransferResult> {
  const disk = await conn.system().disks().disk(diskId).get();
  const { loc, url } = await begin(conn, disk, 'download', o);
  let stats: MoveStats;
  try {
    stats = await downloadImage(url, file, { ...moveOptions(conn, loc, o, progress), format: o.format ?? (RAW_NAMES.test(file) ? 'raw' : 'qcow2') });
  } catch (e) {
    // A download is always finalized: its disk is left as it was.
    await finalize(loc, o).catch(() => undefined);
    throw e;
  }
  const transfer = await finalize(loc, o);
  return { disk: await usable(conn, diskId, o), transfer, stats };
}
