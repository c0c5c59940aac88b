// What the API costs per request against the floor of a bare hapi server answering the same bytes:
// `GET /vms/{id}` and `GET /vms?max=50`, in XML and JSON, with a bearer token, Basic credentials
// and a session. Both servers run as processes of their own; rounds interleave them; the figures
// are the medians of server CPU per request (from /proc) and of requests per second, with their
// ratios. Run with `npm run bench:api` (BENCH_ROUNDS, BENCH_REQUESTS pick the rounds and the
// requests of each measure).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as T from '../model/types';
import { XML } from '../model/codec';
import { ADMIN_PASSWORD, SQLITE, TestEngine, spawnSibling } from '../test/support/engine';
import { median } from './support/engine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
/** Requests in flight at once, each on a kept-alive connection of its own. */
const CONCURRENCY = 8;
const VMS = 60;
const TYPES = { xml: 'application/xml', json: 'application/json' } as const;

interface Target {
  base: string;
  pid: number;
  headers: Record<string, string>;
}

/** CPU seconds a process has used, user and system, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs REQUESTS requests of `url`, CONCURRENCY at a time; answers server CPU µs per request and requests per second. */
async function load(target: Target, url: string): Promise<{ cpuUs: number; rps: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const get = () => new Promise<void>((resolve, reject) => {
    http.get(`${target.base}${url}`, { agent, headers: target.headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${String(res.statusCode)}`))));
    }).on('error', reject);
  });
  let left = REQUESTS;
  const worker = async () => {
    while (left-- > 0) await get();
  };
  // Warmed up first, so the first measure of a round does not pay for compiling the code it runs.
  for (let i = 0; i < 200; i++) await get();
  const cpu = cpuSeconds(target.pid);
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { cpuUs: ((cpuSeconds(target.pid) - cpu) / REQUESTS) * 1e6, rps: REQUESTS / seconds };
}

async function bareHapi(answersFile: string): Promise<{ base: string; pid: number; stop(): void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'support', 'bare-hapi.js'), answersFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /bare hapi on (\d+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bare hapi exited with ${String(code)}`)));
  });
  return { base: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const t = await TestEngine.start(SQLITE);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-api-'));
  const engine = await spawnSibling(t);
  try {
    const token = await t.token();
    const api = { Authorization: `Bearer ${token}`, Version: '4', 'Content-Type': 'application/xml', Accept: 'application/xml' };
    for (let i = 0; i < VMS; i++) {
      const body = `<vm><name>bench-vm-${i}</name><description>a VM of the API bench</description><cluster><name>Default</name></cluster><template><name>Blank</name></template><memory>${(1 + (i % 4)) * 1024 ** 3}</memory></vm>`;
      const r = await fetch(`${engine.base}/ovirt-engine/api/vms`, { method: 'POST', headers: api, body });
      if (r.status !== 201) throw new Error(await r.text());
    }
    const [vm] = XML.readList(T.Vm, await (await fetch(`${engine.base}/ovirt-engine/api/vms?max=1`, { headers: api })).text());
    const urls = { entity: `/ovirt-engine/api/vms/${String(vm.id)}`, list: '/ovirt-engine/api/vms?max=50' };
    const basic = `Basic ${Buffer.from(`admin@internal:${ADMIN_PASSWORD}`).toString('base64')}`;
    const opened = await fetch(`${engine.base}/ovirt-engine/api`, { headers: { Authorization: basic, Prefer: 'persistent-auth', Version: '4' } });
    const cookie = String(opened.headers.get('set-cookie')).split(';')[0];
    const auths: Record<string, Record<string, string>> = {
      bearer: { Authorization: `Bearer ${token}` },
      basic: { Authorization: basic },
      session: { Cookie: cookie, Prefer: 'persistent-auth' },
    };
    // The bare server answers what the engine answered.
    const answers: Record<string, string> = {};
    for (const type of Object.values(TYPES)) {
      for (const url of Object.values(urls)) {
        answers[`${type} ${url}`] = await (await fetch(`${engine.base}${url}`, { headers: { ...auths.bearer, Accept: type, Version: '4' } })).text();
      }
    }
    const answersFile = path.join(work, 'answers.json');
    fs.writeFileSync(answersFile, JSON.stringify(answers));
    const bare = await bareHapi(answersFile);
    try {
      const figures = new Map<string, { engine: { cpuUs: number; rps: number }[]; bare: { cpuUs: number; rps: number }[] }>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const [what, url] of Object.entries(urls)) {
          for (const [format, type] of Object.entries(TYPES)) {
            for (const [auth, headers] of Object.entries(auths)) {
              const key = `${what} ${format} ${auth}`;
              const f = figures.get(key) ?? { engine: [], bare: [] };
              f.engine.push(await load({ base: engine.base, pid: engine.pid, headers: { ...headers, Accept: type, Version: '4' } }, url));
              f.bare.push(await load({ base: bare.base, pid: bare.pid, headers: { Accept: type } }, url));
              figures.set(key, f);
            }
          }
        }
        console.log(`round ${round + 1} of ${ROUNDS} done`);
      }
      console.log(`GET ${urls.entity.replace(String(vm.id), '{id}')} and ${urls.list} (${Buffer.byteLength(answers[`${TYPES.xml} ${urls.list}`])} bytes of XML), ${REQUESTS} requests, ${CONCURRENCY} at a time; medians of ${ROUNDS} rounds`);
      console.log('request                      engine µs CPU   bare µs CPU   ratio   engine req/s   bare req/s   share');
      const bearerCpu = new Map<string, number>();
      for (const [key, f] of figures) {
        const e = { cpuUs: median(f.engine.map((x) => x.cpuUs)), rps: median(f.engine.map((x) => x.rps)) };
        const b = { cpuUs: median(f.bare.map((x) => x.cpuUs)), rps: median(f.bare.map((x) => x.rps)) };
        const [what, format, auth] = key.split(' ');
        if (auth === 'bearer') bearerCpu.set(`${what} ${format}`, e.cpuUs);
        const vsBearer = auth === 'bearer' ? '' : `   ${(e.cpuUs / (bearerCpu.get(`${what} ${format}`) ?? NaN)).toFixed(2)}× bearer`;
        console.log(`${key.padEnd(28)} ${e.cpuUs.toFixed(0).padStart(13)} ${b.cpuUs.toFixed(0).padStart(13)} ${(e.cpuUs / b.cpuUs).toFixed(2).padStart(7)} ${e.rps.toFixed(0).padStart(14)} ${b.rps.toFixed(0).padStart(12)} ${((100 * e.rps) / b.rps).toFixed(0).padStart(6)} %${vsBearer}`);
      }
    } finally {
      bare.stop();
    }
  } finally {
    await engine.stop();
    await t.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
