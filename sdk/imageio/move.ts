// Moving a local image to or from an imageio data-plane URL, as imageio's client does: only the
// data extents travel (zero ranges become a PATCH zero, or nothing on a disk known to read as
// zeros), in ranged requests spread over several connections, with one flush at the end. A
// request that fails because the connection dropped or the server failed is sent again, with
// backoff, until a deadline; ranges already answered are never sent again.
import fs from 'node:fs';
import { Allocation } from '../nbd-client';
import { Endpoint, Extent, Features, ImageConnection, ImageioError, Wire, emptyWire } from './http';
import { LocalFormat, LocalImage, createImage, imageInfo } from './local';

/** Bytes of data moved so far, of those to move. */
export type Progress = (bytesDone: number, bytesTotal: number) => void;

export interface MoveOptions {
  /** Connections moving data at once, at most what the server allows (default 4, as imageio's client). */
  workers?: number;
  /** Largest range one request moves (default 16 MiB): what a dropped connection may cost again, and the step of progress. */
  requestSize?: number;
  /** How long a failing request is sent again before the move fails (default 5 minutes). */
  retryForMs?: number;
  progress?: Progress;
  /** Told of each failure that is retried (a command line shows that it resumes). */
  onRetry?: (e: Error) => void;
  /**
   * The URL to go on with after the data plane failed or refused the ticket (the transfer may
   * have to be resumed first); throw `TransferStopped` when it cannot go on.
   */
  refresh?: () => Promise<string>;
  ca?: string | Buffer;
  insecure?: boolean;
  /** Move data over the server's Unix socket when it offers one on this machine (default true). */
  unixSocket?: boolean;
}

export interface UploadOptions extends MoveOptions {
  /** The destination reads as zeros already (a disk just made): zero ranges are skipped. */
  fresh?: boolean;
}

export interface DownloadOptions extends MoveOptions {
  /** Format of the local image made (default qcow2). */
  format?: LocalFormat;
}

/** What a move did. */
export interface MoveStats extends Wire {
  /** Bytes of data extents moved (each once), and bytes of zero ranges zeroed by request. */
  dataBytes: number;
  zeroedBytes: number;
  /** Requests sent again after a failure. */
  retries: number;
  workers: number;
  /** Whether data went over the server's Unix socket. */
  local: boolean;
}

/** The transfer can no longer move data (it ended, or cannot be resumed). */
export class TransferStopped extends Error {}

const MiB = 1024 * 1024;
const DEFAULT_REQUEST = 16 * MiB;
/** PATCH zero of at most this much at once, so each answers well within timeouts. */
const ZERO_REQUEST = 1024 * MiB;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ranges cut to requests of at most `size` bytes. */
function requests(extents: Extent[], size: number): Extent[] {
  return extents.flatMap((e) => {
    const out: Extent[] = [];
    for (let at = e.start; at < e.start + e.length; at += size) out.push({ start: at, length: Math.min(size, e.start + e.length - at), zero: e.zero });
    return out;
  });
}

const total = (extents: Extent[]) => extents.reduce((n, e) => n + e.length, 0);

/** Neighbouring allocation ranges that are alike, as one. */
function merged(allocation: Allocation[]): Extent[] {
  const out: Extent[] = [];
  for (const a of allocation) {
    const last = out[out.length - 1];
    if (last && last.zero === a.zero) last.length += a.length;
    else out.push({ start: a.start, length: a.length, zero: a.zero });
  }
  return out;
}

/** One move: the endpoint its connections share, what went over the wire, retries and progress. */
class Move {
  readonly endpoint: Endpoint;
  readonly stats: MoveStats = { ...emptyWire(), dataBytes: 0, zeroedBytes: 0, retries: 0, workers: 0, local: false };
  private readonly connections: ImageConnection[] = [];
  private refreshing?: Promise<void>;
  private done = 0;
  private dataTotal = 0;

  constructor(url: string, private readonly o: MoveOptions) {
    this.endpoint = { url, ca: o.ca, insecure: o.insecure };
  }

  connection(): ImageConnection {
    const c = new ImageConnection(this.endpoint, this.stats);
    this.connections.push(c);
    return c;
  }

  /** What the server offers, and where requests go from now on: its Unix socket if it offers one here and it answers. */
  async open(control: ImageConnection): Promise<Features> {
    const features = await this.attempt(() => control.options());
    if (features.unixSocket === undefined || this.o.unixSocket === false) return features;
    this.endpoint.socket = features.unixSocket;
    try {
      await control.options();
      this.stats.local = true;
    } catch {
      this.endpoint.socket = undefined;
    }
    return features;
  }

  /** Runs `op` until it succeeds, sending it again while failures may pass, up to the deadline. */
  async attempt<T>(op: () => Promise<T>): Promise<T> {
    const since = Date.now();
    for (let delay = FIRST_BACKOFF_MS; ; delay = Math.min(2 * delay, MAX_BACKOFF_MS)) {
      try {
        return await op();
      } catch (e) {
        const passing = e instanceof ImageioError && (e.retriable || (e.refused && this.o.refresh !== undefined));
        if (!passing || Date.now() - since >= (this.o.retryForMs ?? 300_000)) throw e;
        this.stats.retries++;
        this.o.onRetry?.(e);
        await sleep(delay);
        await this.refresh();
      }
    }
  }

  /** Asks where to go on (once for all connections that failed together). */
  private async refresh(): Promise<void> {
    const refresh = this.o.refresh;
    if (!refresh) return;
    this.refreshing ??= refresh().then(
      (url) => {
        // A transfer served from elsewhere now is reached by its URL.
        if (url !== this.endpoint.url) this.endpoint.socket = undefined;
        this.endpoint.url = url;
      },
      (e: unknown) => {
        // The control plane may be restarting too: only a stopped transfer ends the move now.
        if (e instanceof TransferStopped) throw e;
      },
    ).finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  /** How many connections to use, given what the server allows. */
  workers(allowed: number): number {
    return (this.stats.workers = Math.max(1, Math.min(this.o.workers ?? 4, allowed)));
  }

  plan(data: Extent[], zero: Extent[]): { data: Extent[]; zero: Extent[] } {
    this.dataTotal = total(data);
    this.o.progress?.(0, this.dataTotal);
    return { data: requests(data, this.o.requestSize ?? DEFAULT_REQUEST), zero: requests(zero, ZERO_REQUEST) };
  }

  moved(bytes: number): void {
    this.done += bytes;
    this.stats.dataBytes += bytes;
    this.o.progress?.(this.done, this.dataTotal);
  }

  /** Runs `work` over `items` on `workers` workers, each with what `open` gives it. */
  async each<W>(items: Extent[], workers: number, open: () => Promise<W>, work: (w: W, item: Extent) => Promise<void>, close: (w: W) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    // Every worker has stopped before the move goes on (or fails with the first failure).
    const ends = await Promise.allSettled(Array.from({ length: Math.min(workers, items.length) }, async () => {
      const w = await open();
      try {
        // A worker stops taking work once another has failed for good.
        while (!failed && next < items.length) await work(w, items[next++]);
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        await close(w);
      }
    }));
    const failure = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failure) throw failure.reason;
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}

/** Writes zero ranges: PATCH zero where the server has it, else PUTs of zeros. */
async function zeroes(move: Move, http: ImageConnection, features: Features, items: Extent[]): Promise<void> {
  for (const z of items) {
    if (features.zero) await move.attempt(() => http.zero(z.start, z.length));
    else {
      for (let at = z.start; at < z.start + z.length; at += DEFAULT_REQUEST) {
        const length = Math.min(DEFAULT_REQUEST, z.start + z.length - at);
        await move.attempt(() => http.put(at, length, async (_, into) => void into.fill(0), features.flush));
      }
    }
    move.stats.zeroedBytes += z.length;
  }
}

/** Uploads the guest data of a local raw or qcow2 image to a data-plane URL. */
export async function uploadImage(url: string, file: string, o: UploadOptions = {}): Promise<MoveStats> {
  const { format } = await imageInfo(file);
  const move = new Move(url, o);
  const control = move.connection();
  try {
    const features = await move.open(control);
    const workers = move.workers(features.maxWriters);
    // One more connection for the allocation map.
    const image = await LocalImage.serve(file, format, { writable: false, connections: workers + 1 });
    try {
      const map = await image.connect('allocation');
      const extents = merged(await map.allocation());
      map.close();
      const plan = move.plan(extents.filter((e) => !e.zero), o.fresh ? [] : extents.filter((e) => e.zero));
      await move.each(plan.data, workers, async () => ({ http: move.connection(), nbd: await image.connect() }), async ({ http, nbd }, item) => {
        await move.attempt(() => http.put(item.start, item.length, async (at, into) => void (await nbd.read(at, into)), features.flush));
        move.moved(item.length);
      }, async ({ nbd }) => nbd.close());
      await zeroes(move, control, features, plan.zero);
      if (features.flush) await move.attempt(() => control.flush());
    } finally {
      await image.close();
    }
    return move.stats;
  } finally {
    move.close();
  }
}

/** Downloads the guest data behind a data-plane URL into a new local image (sparse: zero ranges are not fetched). */
export async function downloadImage(url: string, file: string, o: DownloadOptions = {}): Promise<MoveStats> {
  const move = new Move(url, o);
  const control = move.connection();
  let made = false;
  try {
    const features = await move.open(control);
    if (!features.extents) throw new ImageioError('The server does not tell extents');
    const extents = await move.attempt(() => control.extents());
    const last = extents[extents.length - 1];
    const size = last ? last.start + last.length : 0;
    const workers = move.workers(features.maxReaders);
    await createImage(file, o.format ?? 'qcow2', size);
    made = true;
    const image = await LocalImage.serve(file, o.format ?? 'qcow2', { writable: true, connections: workers });
    try {
      const plan = move.plan(extents.filter((e) => !e.zero), []);
      await move.each(plan.data, workers, async () => ({ http: move.connection(), nbd: await image.connect() }), async ({ http, nbd }, item) => {
        // What arrived is written and not asked for again: a retry gets the rest of the range.
        const left = { ...item };
        await move.attempt(async () => {
          if (left.length === 0) return;
          await http.get(left.start, left.length, async (at, data) => {
            await nbd.write(at, data);
            left.start += data.length;
            left.length -= data.length;
            move.moved(data.length);
          });
        });
      }, async ({ nbd }) => {
        await nbd.flush();
        nbd.close();
      });
    } finally {
      await image.close();
    }
    return move.stats;
  } catch (e) {
    if (made) await fs.promises.rm(file, { force: true });
    throw e;
  } finally {
    move.close();
  }
}
