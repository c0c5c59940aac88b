// The checksum of an image as imageio computes it: a hash of the list of its blocks' hashes, so
// the same guest data gives the same checksum whatever moved it and in which format; a block
// that reads as zeros takes one precomputed digest, so sparse images are cheap.
import crypto from 'node:crypto';
import { IHasher, createBLAKE2b, createBLAKE2s } from 'hash-wasm';
import { Backend, Extent } from './backend';
import { ProxyError } from './http-util';

const MiB = 1024 * 1024;
const DEFAULT_ALGORITHM = 'blake2b';
const DEFAULT_BLOCK_SIZE = 4 * MiB;
/** Limits on the block size, so a request cannot make the server hold much memory. */
const MIN_BLOCK_SIZE = MiB;
const MAX_BLOCK_SIZE = 16 * MiB;
/** BLAKE2 digests are 32 bytes long, as imageio makes them. */
const BLAKE2_BITS = 256;

/** One running hash: started again by `init`, fed by `update`, ended by `digest`. */
interface Hasher {
  init(): void;
  update(data: Buffer): void;
  digest(): Buffer;
}

function nodeHasher(name: string): () => Promise<Hasher> {
  return async () => {
    let h = crypto.createHash(name);
    return {
      init: () => void (h = crypto.createHash(name)),
      update: (data) => void h.update(data),
      digest: () => h.digest(),
    };
  };
}

function wasmHasher(make: (bits: number) => Promise<IHasher>): () => Promise<Hasher> {
  return async () => {
    const h = await make(BLAKE2_BITS);
    return {
      init: () => void h.init(),
      update: (data) => void h.update(data),
      digest: () => Buffer.from(h.digest('binary')),
    };
  };
}

/** The algorithms, by the names imageio (Python's hashlib) gives them. */
const ALGORITHMS: Record<string, () => Promise<Hasher>> = {
  blake2b: wasmHasher(createBLAKE2b),
  blake2s: wasmHasher(createBLAKE2s),
  md5: nodeHasher('md5'),
  sha1: nodeHasher('sha1'),
  sha224: nodeHasher('sha224'),
  sha256: nodeHasher('sha256'),
  sha384: nodeHasher('sha384'),
  sha512: nodeHasher('sha512'),
  sha3_224: nodeHasher('sha3-224'),
  sha3_256: nodeHasher('sha3-256'),
  sha3_384: nodeHasher('sha3-384'),
  sha3_512: nodeHasher('sha3-512'),
};

export const algorithms = (): string[] => Object.keys(ALGORITHMS).sort();

export interface ChecksumRequest {
  algorithm: string;
  blockSize: number;
}

/** The algorithm and block size a query asks for, or 400. */
export function checksumRequest(query: URLSearchParams): ChecksumRequest {
  const algorithm = query.get('algorithm') ?? DEFAULT_ALGORITHM;
  if (!(algorithm in ALGORITHMS)) throw new ProxyError(400, `Unsupported algorithm '${algorithm}': use one of ${algorithms().join(', ')}`);
  const asked = query.get('block_size');
  if (asked !== null && !/^\d+$/.test(asked)) throw new ProxyError(400, `Invalid block size: '${asked}'`);
  const blockSize = asked === null ? DEFAULT_BLOCK_SIZE : Number(asked);
  if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) throw new ProxyError(400, `Block size out of allowed range: ${MIN_BLOCK_SIZE}-${MAX_BLOCK_SIZE}`);
  if (blockSize % 4096) throw new ProxyError(400, 'Block size is not aligned to 4096');
  return { algorithm, blockSize };
}

/** Fills `into` from `at`, or fails if the image ends first. */
async function readFully(backend: Backend, at: number, into: Buffer): Promise<void> {
  for (let got = 0; got < into.length;) {
    const n = await backend.pread(at + got, into.subarray(got));
    if (n === 0) throw new Error(`The image ends at ${at + got}, before ${at + into.length}`);
    got += n;
  }
}

export async function checksum(backend: Backend, size: number, extents: Extent[], asked: ChecksumRequest): Promise<{ algorithm: string; block_size: number; checksum: string }> {
  const { algorithm, blockSize } = asked;
  const [outer, inner] = await Promise.all([ALGORITHMS[algorithm](), ALGORITHMS[algorithm]()]);
  const digestOf = (data: Buffer) => {
    inner.init();
    inner.update(data);
    return inner.digest();
  };
  const zeros = Buffer.alloc(blockSize);
  const zeroDigest = digestOf(zeros);
  const digestOfZeros = (length: number) => (length === blockSize ? zeroDigest : digestOf(zeros.subarray(0, length)));
  const block = Buffer.allocUnsafe(blockSize);
  outer.init();
  for (let start = 0, e = 0; start < size; start += blockSize) {
    const length = Math.min(blockSize, size - start);
    // A block reads as zeros when every extent it touches does.
    while (e < extents.length && extents[e].start + extents[e].length <= start) e++;
    let zero = true;
    for (let k = e; zero && k < extents.length && extents[k].start < start + length; k++) zero = extents[k].zero;
    if (zero) {
      outer.update(digestOfZeros(length));
      continue;
    }
    const data = block.subarray(0, length);
    await readFully(backend, start, data);
    outer.update(data.equals(zeros.subarray(0, length)) ? digestOfZeros(length) : digestOf(data));
  }
  return { algorithm, block_size: blockSize, checksum: outer.digest().toString('hex') };
}
