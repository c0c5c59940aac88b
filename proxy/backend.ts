// What the data plane reads and writes for a ticket, named by the ticket's URL as imageio names
// it: a file (`file:///path`) moves the bytes as they are; an NBD export (`nbd:unix:/socket`)
// moves a volume's guest data, whatever its format.
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FileBackend } from './file-backend';
import { NbdBackend } from './nbd-backend';
import { ProxyError } from './tickets';

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
  /** Streams bytes [start, end) into `out`, keeping to its pace. */
  read(start: number, end: number, out: Writable): Promise<void>;
  /** Writes the body from `offset`; answers how many bytes it wrote. */
  write(offset: number, body: Readable): Promise<number>;
  zero(offset: number, length: number): Promise<void>;
  /** Makes everything written through the ticket durable. */
  flush(): Promise<void>;
  extents(): Promise<Extent[]>;
  /** Gives back what serving the request held. */
  release(): void;
}

export function openBackend(url: string): Backend {
  if (url.startsWith('file:')) return new FileBackend(fileURLToPath(url));
  if (url.startsWith('nbd:unix:')) return new NbdBackend(url.slice('nbd:unix:'.length));
  throw new ProxyError(500, 'The ticket names a backend this proxy cannot serve', true);
}
