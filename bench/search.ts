// Search latency through the HTTP API at 1k, 10k and 100k VMs (with hosts, clusters and disks
// in proportion), on SQLite and PostgreSQL: p50/p95 of a fixed query set, the 100k/1k ratio,
// and the engine's peak memory. Run with `npm run bench:search` (HANGAR_TEST_PG picks the
// PostgreSQL server, `off` leaves it out; BENCH_SIZES=1000,10000 picks the sizes).
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import { BACKENDS, TestEngine, spawnSibling } from '../test/support/engine';
import { fill } from './support/fleet';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const RUNS = 40;
const QUERIES = [
  'name=vm-4242*',
  'status=up and cluster=Default sortby name desc page 3',
  'cluster=Default and memory>=2147483648',
  'datacenter=Default and name=vm-99*',
  'host=host-7',
  'description="web server" sortby memory desc',
  'status=suspended',
  'name=VM-4242* (case_sensitive=false)',
  'name=vm-* sortby name page 300',
];

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Peak resident memory of a process, from Linux's /proc. */
function peakMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function measure(base: string, token: string, query: string): Promise<{ p50: number; p95: number; count: number }> {
  // A query ending in `(case_sensitive=false)` is sent with that parameter.
  const insensitive = query.endsWith(' (case_sensitive=false)');
  const text = insensitive ? query.slice(0, -' (case_sensitive=false)'.length) : query;
  const url = `${base}/ovirt-engine/api/vms?search=${encodeURIComponent(text)}&max=100${insensitive ? '&case_sensitive=false' : ''}`;
  // Uncompressed, as ovirtsdk4 asks (pycurl sends no Accept-Encoding).
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/xml', 'Accept-Encoding': 'identity' };
  let count = 0;
  const times: number[] = [];
  for (let i = 0; i < RUNS + 5; i++) {
    const start = performance.now();
    const res = await fetch(url, { headers });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${text}`);
    if (i >= 5) times.push(performance.now() - start);
    count = (text.match(/<vm /g) ?? []).length;
  }
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), count };
}

async function main(): Promise<void> {
  const results: Record<string, Record<number, Record<string, { p50: number; p95: number; count: number }>>> = {};
  for (const backend of BACKENDS) {
    results[backend.name] = {};
    for (const size of SIZES) {
      const t = await TestEngine.start(backend);
      try {
        const filled = performance.now();
        await fill(t, size);
        const token = await t.token();
        console.log(`${backend.name} ${size} VMs filled in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
        // The engine measured runs in a process of its own, as `npm start` runs it.
        const engine = await spawnSibling(t);
        try {
          results[backend.name][size] = {};
          for (const query of QUERIES) {
            const r = await measure(engine.base, token, query);
            results[backend.name][size][query] = r;
            console.log(`  ${query.padEnd(58)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  (${r.count} results)`);
          }
          console.log(`  peak memory of the engine process: ${peakMiB(engine.pid).toFixed(0)} MiB`);
        } finally {
          await engine.stop();
        }
      } finally {
        await t.stop();
      }
    }
    const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
    for (const query of QUERIES) {
      const ratio = results[backend.name][large][query].p50 / results[backend.name][small][query].p50;
      console.log(`${backend.name} p50 ratio ${large}/${small} for ${query}: ${ratio.toFixed(2)}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
