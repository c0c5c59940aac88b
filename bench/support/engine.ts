// What the benchmarks share: an engine in this process with a data domain and a host that is up,
// client commands run beside it, image transfers driven through the API, and a client that
// downloads only what an image's extents say holds data, as the imageio client does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { ApiClient, SQLITE, TestEngine } from '../../test/support/engine';

export const MIB = 1024 * 1024;

export const rate = (bytes: number, ms: number) => bytes / MIB / (ms / 1000);
/**
 * Commands run beside the engine, which lives in this process: never block its event loop. They
 * run with glibc's defaults, as a user's would: the malloc tuning `npm start` gives the engine
 * (see the README) is not theirs.
 */
const { GLIBC_TUNABLES: _engineOnly, ...clientEnv } = process.env;
const run = promisify(execFile);
export const sh = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) => run(file, args, { env: { ...clientEnv, ...env } });
export const curl = (args: string[]) => sh('curl', ['-sf', ...args]);

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function timed(work: () => void | Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** An engine for a benchmark, with its work directory, a data domain `bench` there and a host that is up. */
export interface Bench {
  t: TestEngine;
  api: ApiClient;
  caFile: string;
  work: string;
}

export async function startBench(): Promise<Bench> {
  const t = await TestEngine.start(SQLITE);
  const work = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'hangar-bench-'));
  const api = await ApiClient.of(t, XML);
  const ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
  const caFile = path.join(work, 'ca.pem');
  fs.writeFileSync(caFile, ca);
  const domainDir = path.join(work, 'domain');
  fs.mkdirSync(domainDir);
  await api.call('POST', '/storagedomains', `<storage_domain><name>bench</name><type>data</type><storage><type>localfs</type><path>${domainDir}</path></storage></storage_domain>`);
  const [dc] = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text);
  await api.call('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>bench</name></storage_domain>');
  const host = XML.read(T.Host, (await api.call('POST', '/hosts', '<host><name>bh</name><address>bh.example.com</address><root_password>secret-pw</root_password></host>')).text);
  while (XML.read(T.Host, (await api.call('GET', `/hosts/${host.id}`)).text).status !== 'up') await pause(50);
  return { t, api, caFile, work };
}

export async function stopBench(b: Bench): Promise<void> {
  await b.t.stop();
  fs.rmSync(b.work, { recursive: true, force: true });
}

/** Waits for a transfer to reach `phase`. */
export async function waitTransfer(api: ApiClient, x: Obj, phase: string): Promise<Obj> {
  for (;;) {
    const now = XML.read(T.ImageTransfer, (await api.call('GET', `/imagetransfers/${x.id}`)).text);
    if (now.phase === phase) return now;
    if (String(now.phase).startsWith('finished') && now.phase !== phase) throw new Error(`transfer ended ${String(now.phase)}`);
    await pause(50);
  }
}

/** A transfer of the disk, once it is transferring; `extra` is more of its XML body. */
export async function startTransfer(api: ApiClient, diskId: unknown, direction: string, extra = ''): Promise<Obj> {
  const created = XML.read(T.ImageTransfer, (await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${String(diskId)}"/><direction>${direction}</direction>${extra}</image_transfer>`)).text);
  return waitTransfer(api, created, 'transferring');
}

export async function finalizeTransfer(api: ApiClient, x: Obj): Promise<void> {
  await api.call('POST', `/imagetransfers/${x.id}/finalize`, '<action/>');
  await waitTransfer(api, x, 'finished_success');
}

type Extent = { start: number; length: number; zero: boolean; dirty?: boolean };

/**
 * Copies a range of an image into the same range of `out` with curl and dd, outside this process
 * (where the engine runs).
 */
const copyRange = (url: string, caFile: string, out: string, start: number, length: number) => sh('sh', ['-c',
  'curl -sf --cacert "$1" -r "$2" "$3" | dd of="$4" seek="$5" oflag=seek_bytes conv=notrunc bs=4M iflag=fullblock status=none',
  'copy', caFile, `${start}-${start + length - 1}`, url, out, String(start)]);

/**
 * Downloads an image into `out` as the imageio client does: only the data extents (context
 * `zero`, into a new sparse file), or only the dirty ones (context `dirty`, over the file of the
 * backup before, zeroing dirty ranges that read as zeros). Answers the bytes that moved.
 */
export async function downloadExtents(url: string, caFile: string, out: string, context: 'zero' | 'dirty' = 'zero'): Promise<number> {
  const extents = JSON.parse((await curl(['--cacert', caFile, `${url}/extents?context=${context}`])).stdout) as Extent[];
  const wanted = context === 'dirty' ? extents.filter((e) => e.dirty) : extents.filter((e) => !e.zero);
  const end = extents[extents.length - 1];
  if (context === 'zero') fs.writeFileSync(out, '');
  fs.truncateSync(out, end.start + end.length);
  let moved = 0;
  for (const e of wanted) {
    if (e.zero) {
      // Punched rather than written: the range reads as zeros, and takes no space.
      await sh('fallocate', ['--punch-hole', '--keep-size', '--offset', String(e.start), '--length', String(e.length), out]);
      continue;
    }
    await copyRange(url, caFile, out, e.start, e.length);
    moved += e.length;
  }
  await sh('sync', ['-d', out]);
  return moved;
}
