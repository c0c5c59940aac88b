// `GET /vms` of 100k VMs as NDJSON and as XML, from an engine in a process of its own (a fresh
// one for each list, as `npm start` runs it): time to first byte, total time, how much the
// engine's resident memory grows while it answers (sampled from /proc every 5 ms), and the
// latency of small requests another client makes meanwhile, and the longest the engine's event
// loop was held up meanwhile (its metrics). Run with `npm run bench:lists`;
// BENCH_VMS sets the number of VMs, HANGAR_TEST_PG the PostgreSQL server (`off` leaves it out),
// and BENCH_BASELINE=<another build's dist/main.js> measures that build's XML list too.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BACKENDS, TestEngine, spawnSibling } from '../test/support/engine';
import { fill } from './support/fleet';
import { alive, rssOf } from './support/qemu-engine';

const VMS = Number(process.env.BENCH_VMS ?? 100000);
const MIB = 1024 * 1024;

interface Figures {
  firstByteMs: number;
  totalMs: number;
  bytes: number;
  rssGrowth: number;
  probes: number[];
  /** The engine's longest event-loop delay while it answered, from its metrics. */
  loopMaxMs: number;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Reads the whole answer as fast as it comes, noting when its first byte came. */
function read(url: string, headers: Record<string, string>): Promise<{ firstByteMs: number; bytes: number; status: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let first: number | undefined;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        first ??= performance.now();
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ firstByteMs: (first ?? performance.now()) - start, bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * The engine's longest event-loop delay since the last read of its metrics (prom-client's
 * histogram starts again at each read), in milliseconds.
 */
async function loopMaxMs(base: string, token: string): Promise<number> {
  const text = await (await fetch(`${base}/ovirt-engine/services/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();
  const m = /^hangar_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  if (!m) throw new Error('the engine\'s metrics have no event-loop delay');
  return Number(m[1]) * 1000;
}

async function measure(base: string, pid: number, token: string, accept: string): Promise<Figures> {
  // Uncompressed, as ovirtsdk4 asks (pycurl sends no Accept-Encoding).
  const headers = { Authorization: `Bearer ${token}`, Accept: accept, 'Accept-Encoding': 'identity' };
  const api = `${base}/ovirt-engine/api`;
  const [probed] = (await (await fetch(`${api}/vms?max=1`, { headers: { ...headers, Accept: 'application/json' } })).json() as { vm: { id: string }[] }).vm;
  const before = rssOf(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 5);
  let listing = true;
  const probes: number[] = [];
  // One VM read after another while the list is under way: what other clients wait.
  const probing = (async () => {
    while (listing) {
      const start = performance.now();
      const r = await fetch(`${api}/vms/${probed.id}`, { headers: { ...headers, Accept: 'application/xml' } });
      await r.text();
      if (r.status !== 200) throw new Error(`a probe answered ${r.status}`);
      probes.push(performance.now() - start);
    }
  })();
  await loopMaxMs(base, token);
  const start = performance.now();
  try {
    const got = await read(`${api}/vms`, headers);
    if (got.status !== 200) throw new Error(`GET /vms answered ${got.status}`);
    const totalMs = performance.now() - start;
    return { firstByteMs: got.firstByteMs, totalMs, bytes: got.bytes, rssGrowth: Math.max(peak, rssOf(pid)) - before, probes, loopMaxMs: await loopMaxMs(base, token) };
  } finally {
    listing = false;
    clearInterval(sampler);
    await probing.catch(() => undefined);
  }
}

function print(what: string, f: Figures): void {
  console.log(`  ${what.padEnd(34)} first byte ${f.firstByteMs.toFixed(0).padStart(6)} ms  total ${(f.totalMs / 1000).toFixed(1).padStart(5)} s  ` +
    `${(f.bytes / MIB).toFixed(0).padStart(4)} MiB  RSS +${(f.rssGrowth / MIB).toFixed(0).padStart(4)} MiB  ` +
    `probe p50 ${percentile(f.probes, 0.5).toFixed(0).padStart(4)} ms  p99 ${percentile(f.probes, 0.99).toFixed(0).padStart(5)} ms (${f.probes.length})  ` +
    `event loop delayed at most ${f.loopMaxMs.toFixed(0)} ms`);
}

async function main(): Promise<void> {
  const runs: { what: string; accept: string; main?: string; env?: Record<string, string> }[] = [
    { what: 'NDJSON', accept: 'application/x-ndjson' },
    { what: 'XML', accept: 'application/xml' },
    { what: 'JSON', accept: 'application/json' },
    // What the others grow by is garbage V8 has not collected yet, not rows held: with less room
    // it collects sooner.
    { what: 'XML, V8 old space of 128 MiB', accept: 'application/xml', env: { NODE_OPTIONS: '--max-old-space-size=128' } },
  ];
  if (process.env.BENCH_BASELINE) runs.push({ what: 'XML, baseline build', accept: 'application/xml', main: process.env.BENCH_BASELINE });
  for (const backend of BACKENDS) {
    const t = await TestEngine.start(backend);
    try {
      const filled = performance.now();
      await fill(t, VMS);
      console.log(`${backend.name}: GET /vms of ${VMS} VMs (filled in ${((performance.now() - filled) / 1000).toFixed(1)} s)`);
      const token = await t.token();
      for (const run of runs) {
        const engine = await spawnSibling(t, run.env, run.main);
        try {
          print(run.what, await measure(engine.base, engine.pid, token, run.accept));
        } catch (e) {
          const ended = alive(engine.pid) ? '' : `; the engine ended: ${engine.output().trim().split('\n').slice(-3).join(' | ')}`;
          console.log(`  ${run.what.padEnd(34)} failed: ${(e as Error).message}${ended}`);
        } finally {
          await engine.stop();
        }
      }
    } finally {
      await t.stop();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
