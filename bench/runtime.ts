// What the qemu runtime costs over QEMU alone, on two host agents of this machine (KVM where it
// runs guests, TCG otherwise):
// 1. start to ready of the tiny guest through the API (start until the guest's ready line is in
//    its serial log), against the same argv the agent builds run directly, in interleaved rounds;
// 2. 20 VMs of 128 MiB started at once on one host: time until all are up and until all are
//    ready, and the agent's resident memory before and with them running;
// 3. live migration of a busy 512 MiB guest between the agents (migrate until up on the target),
//    against a migration of the same guest between two QEMUs the bench runs itself, with QEMU's
//    own `total-time`.
// Each figure is the median of BENCH_ROUNDS rounds (default 3). Run with `npm run bench:runtime`.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { GuestSpec } from '../model/agent-protocol';
import { TestAgent } from '../test/support/agents';
import { until } from '../test/support/until';
import { DirectGuest, agentSpec, killDirectGuests, withOwnDisks } from './support/direct-qemu';
import { busyGuest } from './support/busy-guest';
import { Cleanups, MIB, QemuBench, agentPid, alive, atMostEvery, median, msUntil, rssOf, runCleanups, startQemuBench, tinyVm } from './support/qemu-engine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** A boot takes seconds under KVM and tens of seconds under TCG; twenty at once share two cores. */
const BOOT_MS = 600_000;
const MIGRATE_MS = 600_000;
const READY_VM_MIB = 128;
const MANY = 20;
const MANY_VM_MIB = 128;
const MIGRATING_VM_MIB = 512;
/** Random data the busy guest holds in memory, and how much of it it rewrites each second. */
const PAYLOAD_MIB = 160;
const HOT_MIB = 16;
/** How often the bench asks the API for states. */
const API_POLL_MS = 100;

const vmPath = (id: string) => `/vms/${id}`;
const onHost = (host: Obj) => ({ host: { id: host.id } });
const newDir = (b: QemuBench, prefix: string) => fs.mkdtempSync(path.join(b.work, `${prefix}-`));

/** Stops VMs through the API and waits until their QEMUs have ended and the agent forgot them. */
async function stopVms(b: QemuBench, agent: TestAgent, ids: string[]): Promise<void> {
  const pids = ids.map((id) => agent.qemuPid(id));
  await Promise.all(ids.map((id) => b.rest.act(vmPath(id), 'stop')));
  await until(async () => !pids.some(alive) && !ids.some((id) => fs.existsSync(agent.guestDir(id))), 60_000);
}

interface StartToReady {
  api: number[];
  direct: number[];
}

async function startToReady(b: QemuBench): Promise<StartToReady> {
  const { rest, guest, agents: [agent], hosts: [host] } = b;
  const id = String((await tinyVm(b, 'ready', READY_VM_MIB)).id);
  const result: StartToReady = { api: [], direct: [] };
  let spec: GuestSpec | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await rest.act(vmPath(id), 'start', onHost(host));
    result.api.push(await msUntil(start, async () => agent.serial(id).includes(guest.readyLine), BOOT_MS));
    spec ??= withOwnDisks(agentSpec(agent, id), newDir(b, 'ready-disks'));
    await stopVms(b, agent, [id]);

    const directStart = performance.now();
    const direct = await DirectGuest.launch(spec, newDir(b, 'ready'), b.kvm);
    result.direct.push(await msUntil(directStart, async () => direct.serial().includes(guest.readyLine), BOOT_MS));
    await direct.quit();
  }
  return result;
}

interface ManyAtOnce {
  allUp: number[];
  allReady: number[];
  agentBefore: number[];
  agentWith: number[];
  qemuPerVm: number[];
}

async function manyAtOnce(b: QemuBench): Promise<ManyAtOnce> {
  const { rest, guest, agents: [agent], hosts: [host] } = b;
  const ids: string[] = [];
  for (let i = 0; i < MANY; i++) ids.push(String((await tinyVm(b, `many-${i}`, MANY_VM_MIB)).id));
  const pid = agentPid(agent);
  const search = `/vms?search=${encodeURIComponent('name=many-*')}`;
  const result: ManyAtOnce = { allUp: [], allReady: [], agentBefore: [], agentWith: [], qemuPerVm: [] };
  for (let round = 0; round < ROUNDS; round++) {
    result.agentBefore.push(rssOf(pid));
    const start = performance.now();
    await Promise.all(ids.map((id) => rest.act(vmPath(id), 'start', onHost(host))));
    const allUp = atMostEvery(API_POLL_MS, async () => (await rest.list(search, T.Vm)).filter((vm) => vm.status === 'up').length === MANY);
    const [up, ready] = await Promise.all([
      msUntil(start, allUp, BOOT_MS),
      msUntil(start, async () => ids.every((id) => agent.serial(id).includes(guest.readyLine)), BOOT_MS).catch((e: Error) => {
        const late = ids.filter((id) => !agent.serial(id).includes(guest.readyLine));
        throw new Error(`${e.message}: ${late.length} guests not ready, the first's console ends ${JSON.stringify(agent.serial(late[0]).slice(-300))}`);
      }),
    ]);
    result.allUp.push(up);
    result.allReady.push(ready);
    result.agentWith.push(rssOf(pid));
    result.qemuPerVm.push(ids.reduce((sum, id) => sum + rssOf(agent.qemuPid(id)), 0) / MANY);
    await stopVms(b, agent, ids);
  }
  return result;
}

interface Migration {
  api: number[];
  /** From starting the target QEMU until the guest runs there, as the API's figure is. */
  directWall: number[];
  qemuTotal: number[];
  qemuDowntime: number[];
  transferredMiB: number[];
  maxBandwidth: number;
}

/** The VM's host once it is up, through the API. */
const upOn = (b: QemuBench, id: string, host: Obj) => atMostEvery(API_POLL_MS, async () => {
  const vm = await b.rest.get(vmPath(id), T.Vm);
  return vm.status === 'up' && (vm.host as Obj | undefined)?.id === host.id;
});

async function migration(b: QemuBench): Promise<Migration> {
  const { rest, guest, agents, hosts } = b;
  const boot = await busyGuest(guest, b.work, PAYLOAD_MIB, HOT_MIB);
  const id = String((await tinyVm(b, 'migrating', MIGRATING_VM_MIB, boot)).id);
  await rest.act(vmPath(id), 'start', onHost(hosts[0]));
  await until(async () => agents[0].serial(id).includes(guest.readyLine), BOOT_MS);
  let source = await DirectGuest.launch(withOwnDisks(agentSpec(agents[0], id), newDir(b, 'migrating-disks')), newDir(b, 'migrating'), b.kvm);
  await until(async () => source.serial().includes(guest.readyLine), BOOT_MS);
  const parameters = await source.qmp.execute<{ 'max-bandwidth': number }>('query-migrate-parameters');
  const result: Migration = { api: [], directWall: [], qemuTotal: [], qemuDowntime: [], transferredMiB: [], maxBandwidth: parameters['max-bandwidth'] };
  let on = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const to = 1 - on;
    const start = performance.now();
    await rest.act(vmPath(id), 'migrate', onHost(hosts[to]));
    result.api.push(await msUntil(start, upOn(b, id, hosts[to]), MIGRATE_MS));
    // The source forgets the guest before it may come back there.
    await until(async () => !fs.existsSync(agents[on].guestDir(id)), 60_000);
    on = to;

    const directStart = performance.now();
    const target = await DirectGuest.launch({ ...source.spec, incoming: { migration: true } }, newDir(b, 'migrating'), b.kvm);
    const stats = await source.migrateTo(target);
    result.directWall.push(await msUntil(directStart, async () => (await target.runState()) === 'running', MIGRATE_MS));
    await source.quit();
    source = target;
    result.qemuTotal.push(stats['total-time'] ?? NaN);
    result.qemuDowntime.push(stats.downtime ?? NaN);
    result.transferredMiB.push((stats.ram?.transferred ?? NaN) / MIB);
  }
  await stopVms(b, agents[on], [id]);
  await source.quit();
  return result;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

function report(b: QemuBench, ready: StartToReady, many: ManyAtOnce, moved: Migration): void {
  const accelerator = b.kvm ? 'KVM' : 'TCG';
  const perVm = median(many.agentWith.map((bytes, round) => (bytes - many.agentBefore[round]) / MANY));
  console.log(`\nqemu runtime, ${accelerator}, medians of ${ROUNDS} rounds\n`);
  console.log('| | through the engine | QEMU alone | engine / QEMU |');
  console.log('|---|---|---|---|');
  console.log(`| start to ready, tiny guest (${READY_VM_MIB} MiB) | ${seconds(median(ready.api))} | ${seconds(median(ready.direct))} | ${(median(ready.api) / median(ready.direct)).toFixed(2)} |`);
  console.log(`| ${MANY} VMs (${MANY_VM_MIB} MiB) started at once on one host: all up / all ready | ${seconds(median(many.allUp))} / ${seconds(median(many.allReady))} | | |`);
  console.log(`| agent's RSS: idle / with ${MANY} running / per VM (each QEMU: ${mib(median(many.qemuPerVm))}) | ${mib(median(many.agentBefore))} / ${mib(median(many.agentWith))} / ${(perVm / 1024).toFixed(0)} KiB | | |`);
  console.log(`| live migration, busy ${MIGRATING_VM_MIB} MiB guest: migrate → up on the target / target QEMU started → running | ${seconds(median(moved.api))} | ${seconds(median(moved.directWall))} | ${(median(moved.api) / median(moved.directWall)).toFixed(2)} |`);
  console.log(`| the same, against QEMU's total-time (downtime ${median(moved.qemuDowntime)} ms, ${median(moved.transferredMiB).toFixed(0)} MiB sent at most ${mib(moved.maxBandwidth)}/s) | ${seconds(median(moved.api))} | ${seconds(median(moved.qemuTotal))} | ${(median(moved.api) / median(moved.qemuTotal)).toFixed(2)} |`);
  console.log(JSON.stringify({ bench: 'runtime', accelerator, rounds: ROUNDS, startToReady: ready, manyAtOnce: many, migration: moved }));
}

async function main(): Promise<void> {
  const cleanups: Cleanups = [];
  const interrupted = () => void runCleanups(cleanups).finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const b = await startQemuBench(cleanups);
    cleanups.push(killDirectGuests);
    console.log(`engine and two host agents up (${b.kvm ? 'KVM' : 'TCG'}); ${ROUNDS} rounds each`);
    const ready = await startToReady(b);
    console.log(`start to ready: through the engine ${ready.api.map(seconds).join(', ')}; QEMU alone ${ready.direct.map(seconds).join(', ')}`);
    const many = await manyAtOnce(b);
    console.log(`${MANY} at once: all up ${many.allUp.map(seconds).join(', ')}; all ready ${many.allReady.map(seconds).join(', ')}`);
    const moved = await migration(b);
    console.log(`migration: through the engine ${moved.api.map(seconds).join(', ')}; QEMU alone ${moved.directWall.map(seconds).join(', ')}, total-time ${moved.qemuTotal.map(seconds).join(', ')}`);
    report(b, ready, many, moved);
  } finally {
    await runCleanups(cleanups);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
