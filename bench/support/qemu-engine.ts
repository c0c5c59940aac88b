// What the runtime benchmark runs on: an engine in this process with the qemu runtime and its
// default settings, two host agents on loopback enrolled as its hosts, a data domain, and VMs of
// the tiny test guest (test/support/tiny-guest.ts) as the qemu runtime's tests make them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as T from '../../model/types';
import { JSON_FORMAT, Obj } from '../../model/codec';
import { ApiClient, SQLITE, TestEngine } from '../../test/support/engine';
import { restCalls } from '../../test/support/rest';
import { localDataDomains } from '../../test/support/domains';
import { until } from '../../test/support/until';
import { TestAgent } from '../../test/support/agents';
import { TinyGuest, tinyGuest } from '../../test/support/tiny-guest';

export const MIB = 2 ** 20;

/** What is to be undone, last made first, whether the bench ends well or not. */
export type Cleanups = (() => unknown)[];

export async function runCleanups(cleanups: Cleanups): Promise<void> {
  for (const undo of cleanups.splice(0).reverse()) {
    try {
      await undo();
    } catch (e) {
      console.error('cleanup:', e);
    }
  }
}

export interface QemuBench {
  t: TestEngine;
  api: ApiClient;
  rest: ReturnType<typeof restCalls>;
  agents: TestAgent[];
  /** The agents' hosts, in the same order. */
  hosts: Obj[];
  guest: TinyGuest;
  kvm: boolean;
  domain: Obj;
  work: string;
}

export async function startQemuBench(cleanups: Cleanups): Promise<QemuBench> {
  const guest = await tinyGuest();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-runtime-'));
  cleanups.push(() => fs.rmSync(work, { recursive: true, force: true }));
  const agents: TestAgent[] = [];
  for (const name of ['one', 'two']) {
    const agent = await TestAgent.start(name);
    cleanups.push(() => agent.destroy());
    agents.push(agent);
  }
  const t = await TestEngine.start(SQLITE, { runtime: 'qemu' });
  cleanups.push(() => t.stop());
  const api = await ApiClient.of(t, JSON_FORMAT);
  const rest = restCalls(() => api);
  const hosts: Obj[] = [];
  for (const agent of agents) hosts.push(await enroll(api, rest, agent));
  const { data } = await localDataDomains(api, JSON_FORMAT, work, ['data']);
  const kvm = (hosts[0].hardware_information as Obj).family === 'KVM';
  return { t, api, rest, agents, hosts, guest, kvm, domain: data, work };
}

/** Adds the agent's host and answers it once it is up. */
async function enroll(api: ApiClient, rest: QemuBench['rest'], agent: TestAgent): Promise<Obj> {
  // The model's writer leaves secrets out, so the root password is written by hand.
  const body = { name: `host-${agent.name}`, address: '127.0.0.1', port: agent.port, root_password: agent.secret, cluster: { name: 'Default' } };
  const r = await api.call('POST', '/hosts', JSON.stringify(body));
  if (r.status !== 201) throw new Error(`adding host ${body.name}: ${r.text}`);
  const hostPath = `/hosts/${String(JSON_FORMAT.read(T.Host, r.text).id)}`;
  await until(async () => (await rest.get(hostPath, T.Host)).status === 'up', 60_000);
  return rest.get(hostPath, T.Host);
}

/** How the tiny guest boots: its kernel with an initramfs and command line (the guest's own unless told). */
export interface Boot {
  initrd: string;
  cmdline: string;
}

/**
 * Under TCG on a loaded host the guest kernel's check of its timer may miss the ticks it waits for
 * and panic ("IO-APIC + timer doesn't work"), as it did with 20 guests booting at once; the
 * bench's guests skip the check.
 */
const NO_TIMER_CHECK = 'no_timer_check';

/** A VM booting the tiny guest's kernel, with a 1 MiB data disk (the guest writes its marker there). */
export async function tinyVm(b: QemuBench, name: string, memoryMiB: number, boot: Boot = b.guest): Promise<Obj> {
  const os_ = { kernel: b.guest.kernel, initrd: boot.initrd, cmdline: `${boot.cmdline} ${NO_TIMER_CHECK}`, boot: { devices: ['hd'] } };
  const vm = await b.rest.post('/vms', T.Vm, { name, cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: memoryMiB * MIB, os: os_ });
  await b.rest.post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
    interface: 'virtio', active: true, bootable: false,
    disk: { name: `${name}-data`, provisioned_size: MIB, format: 'raw', storage_domains: [{ id: b.domain.id }] },
  });
  return vm;
}

export const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Milliseconds from `start` until `check` holds. */
export async function msUntil(start: number, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  await until(check, timeoutMs);
  return performance.now() - start;
}

/**
 * `check`, really asked at most once per `ms` (false in between): `until` polls every 20 ms, too
 * often for API calls into the engine while guests share its two cores.
 */
export function atMostEvery(ms: number, check: () => Promise<boolean>): () => Promise<boolean> {
  let next = 0;
  return async () => {
    if (performance.now() < next) return false;
    next = performance.now() + ms;
    return check();
  };
}

/** A process's resident memory in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`process ${pid} shows no VmRSS`);
  return Number(m[1]) * 1024;
}

export const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);

/** A process's environment; none for one that has ended meanwhile. */
function environOf(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The pid of an agent: the child of this process that runs in the agent's directory. */
export function agentPid(agent: TestAgent): number {
  const tasks = fs.readdirSync(`/proc/${process.pid}/task`);
  const children = tasks.flatMap((task) => fs.readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  const pid = children.find((c) => environOf(c).includes(`HANGAR_AGENT_DIR=${agent.dir}`));
  if (pid === undefined) throw new Error(`no child process is agent ${agent.name}`);
  return pid;
}
