// What the data plane reads and writes for a ticket, named by the ticket's URL as imageio names
// it: a file (`file:///path`) moves the bytes as they are; an NBD export (`nbd:unix:/socket`)
// moves a volume's guest data, whatever its format.
import { fileURLToPath } from 'node:url';
import { FileBackend } from './file-backend';
import { NbdBackend } from './nbd-backend';
import { Dirtiness, NbdError } from '../sdk/nbd-client';
import { ProxyError } from './http-util';

/** A range of the image and whether it reads as zeros (`hole` only for shallow transfers). */
export interface Extent {
  start: number;
  length: number;
  zero: boolean;
  hole: boolean;
}

export interface Backend {
  /** How many connections may write at once (advisory, reported by OPTIONS). */
  readonly maxWriters: number;
  /** Bytes the image holds now: no read goes past them. */
  size(): Promise<number>;
  /** Reads from `at` into `into`, as much as fits; answers how many bytes came (0 at the end). */
  pread(at: number, into: Buffer): Promise<number>;
  /** Writes all of `data` at `at`. */
  pwrite(at: number, data: Buffer): Promise<void>;
  zero(offset: number, length: number): Promise<void>;
  /** Makes everything written through the ticket durable. */
  flush(): Promise<void>;
  extents(): Promise<Extent[]>;
  /** What changed since the checkpoint of an incremental backup, where the backend can tell (NBD with a bitmap). */
  dirtyExtents?(): Promise<Dirtiness[]>;
  /** Gives back what serving the request held. */
  release(): Promise<void>;
}

/** `sparse`: zeroing may deallocate (a thin disk); else zeroed ranges stay allocated. */
export function openBackend(url: string, write: boolean, sparse: boolean): Backend {
  if (url.startsWith('file:')) return new FileBackend(fileURLToPath(url), write, sparse);
  if (url.startsWith('nbd:unix:')) return new NbdBackend(url.slice('nbd:unix:'.length), sparse);
  throw new ProxyError(500, 'The ticket names a backend this proxy cannot serve', true);
}

/** NBD's error number for a write the export has no space for (the same as ENOSPC). */
const NBD_ENOSPC = 28;

/** Whether a backend operation failed for lack of space: a full file system or quota, or NBD's ENOSPC. */
export function outOfSpace(e: unknown): boolean {
  if (e instanceof NbdError) return e.errno === NBD_ENOSPC;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
