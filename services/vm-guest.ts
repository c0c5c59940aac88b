// The VM actions besides its lifecycle and images: console tickets, what needs the guest's agent
// (logon, freezing and thawing file systems), reset, screenshots, MAC reordering, leaving a pool,
// hosted-engine maintenance and automatic CPU and NUMA pinning. Each checks what oVirt's engine
// checks (409 with a reason otherwise) and records an event for what it changes.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ActionBody, Call } from './behaviour';
import { load } from './stored';
import { conflict } from './fault';
import { resolve } from './refs';
import { StoredObj } from './store/repo';
import { EventCode, recordEvent } from './events';
import { endJob, startJob } from './jobs';
import { CONSOLE_LIVE, vmTicket } from './consoles';

type VmObj = StoredObj<typeof T.Vm>;

const changed = async (call: Call, vm: VmObj, code: number, description: string) =>
  recordEvent(call.repo, { code, severity: 'normal', description, userId: call.principal.userId, about: { vm: { id: vm.id } } });

/** Runs a short action as a job that ends at once, as oVirt's synchronous commands show. */
async function asJob(call: Call, vm: VmObj, what: string, work: () => Promise<void>): Promise<Obj> {
  const job = await startJob(call.repo, `${what} ${String(vm.name)}`, call.principal.userId);
  await work();
  await endJob(call.repo, String(job.id), 'finished');
  return { status: 'complete', job: { id: job.id } };
}

function requireUp(vm: VmObj, what: string): void {
  if (vm.status !== 'up') throw conflict(`Cannot ${what} VM ${String(vm.name)}: it is ${String(vm.status)}, not up`);
}

/** What the guest agent does: refused when no agent answers in the running guest. */
function agentAction(what: string, done: string) {
  return async (call: Call): Promise<Obj> => {
    const vm = await load(call, S.Vms);
    requireUp(vm, what);
    if (!call.engine.runtime.guest(vm).agent) {
      throw conflict(`Cannot ${what} VM ${String(vm.name)}: no guest agent in it does that for the engine (the ${call.engine.runtime.name} runtime asks no guest agent to)`);
    }
    return asJob(call, vm, `${what[0].toUpperCase()}${what.slice(1)}`, () => changed(call, vm, EventCode.OBJECT_UPDATED, `VM ${String(vm.name)}: ${done} by ${call.principal.userName}.`).then(() => undefined));
  };
}

async function screenshot(call: Call): Promise<Obj> {
  const vm = await load(call, S.Vms);
  if (!CONSOLE_LIVE.includes(String(vm.status))) throw conflict(`Cannot take a screenshot of VM ${String(vm.name)}: it is not running`);
  // oVirt's model gives the action nothing to answer a picture in.
  throw conflict(`Cannot take a screenshot of VM ${String(vm.name)}: the engine takes no screenshots, and the ${call.engine.runtime.name} runtime runs no guest to take one of`);
}

async function reset(call: Call): Promise<Obj> {
  const vm = await load(call, S.Vms);
  requireUp(vm, 'reset');
  return asJob(call, vm, 'Resetting VM', async () => void (await changed(call, vm, EventCode.VM_RESET, `VM ${String(vm.name)} was reset by ${call.principal.userName}.`)));
}

/** `nic10` after `nic9`: names compared with their numbers as numbers. */
const byName = (a: Obj, b: Obj) => String(a.name).localeCompare(String(b.name), 'en', { numeric: true });

/** Gives the NICs, in name order, the VM's MAC addresses in ascending order, as oVirt does. */
async function reorderMacs(call: Call): Promise<Obj> {
  const vm = await load(call, S.Vms);
  if (vm.status !== 'down') throw conflict(`Cannot reorder the MAC addresses of VM ${String(vm.name)}: it is not down`);
  const nics = (await call.repo.list(T.Nic, { vm: vm.id })).sort(byName);
  const macs = nics.map((n) => String(n.mac?.address)).sort();
  return asJob(call, vm, 'Reordering the MAC addresses of VM', async () => {
    for (const [i, nic] of nics.entries()) {
      if (nic.mac?.address !== macs[i]) await call.repo.update(T.Nic, { ...nic, mac: { address: macs[i] } }, { vm: vm.id });
    }
    await changed(call, vm, EventCode.OBJECT_UPDATED, `The MAC addresses of the NICs of VM ${String(vm.name)} were put in the order of the NICs.`);
  });
}

/** Global maintenance of the hosted engine: its cluster's hosts show it, as oVirt's do. */
async function maintenance(call: Call, body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  if (vm.origin !== 'managed_hosted_engine') throw conflict(`Cannot set the maintenance of VM ${String(vm.name)}: it is not the hosted engine`);
  const enabled = body.maintenance_enabled === true;
  return asJob(call, vm, 'Setting hosted-engine maintenance of VM', async () => {
    for (const host of await call.repo.list(T.Host, { cluster: String(vm.cluster?.id) })) {
      await call.repo.update(T.Host, { ...host, hosted_engine: { ...host.hosted_engine, global_maintenance: enabled } });
    }
    await changed(call, vm, EventCode.OBJECT_UPDATED, `Global maintenance of the hosted engine was ${enabled ? 'enabled' : 'disabled'} by ${call.principal.userName}.`);
  });
}

/**
 * Pins each virtual CPU to the host CPU of its number on the VM's pinned host, and makes one
 * virtual NUMA node with all of them and all the VM's memory, pinned to the host's node (the
 * simulated hosts have one). With `optimize_cpu_settings` the VM first takes the host's CPU
 * topology, as oVirt's `adjust` policy does.
 */
async function autoPin(call: Call, body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  const pinned = (vm.placement_policy?.hosts ?? []);
  if (pinned.length !== 1) throw conflict(`Cannot pin the CPUs of VM ${String(vm.name)}: it is not pinned to one host`);
  const host = await resolve(call.repo, T.Host, pinned[0], 'host');
  const hostTopology = host.cpu?.topology ?? {};
  const topology = body.optimize_cpu_settings === true ? { ...hostTopology } : vm.cpu?.topology ?? {};
  const vcpus = (topology.sockets ?? 1) * (topology.cores ?? 1) * (topology.threads ?? 1);
  const hostCpus = (hostTopology.sockets ?? 1) * (hostTopology.cores ?? 1) * (hostTopology.threads ?? 1);
  if (vcpus > hostCpus) throw conflict(`Cannot pin the ${vcpus} virtual CPUs of VM ${String(vm.name)}: host ${String(host.name)} has ${hostCpus} CPUs`);
  const cpus = [...Array(vcpus).keys()];
  return asJob(call, vm, 'Pinning the CPUs and NUMA nodes of VM', async () => {
    await call.repo.update(T.Vm, {
      ...vm, cpu: { ...vm.cpu, topology, cpu_tune: { vcpu_pins: cpus.map((i) => ({ vcpu: i, cpu_set: String(i) })) } }, cpu_pinning_policy: 'manual',
    });
    for (const node of await call.repo.list(T.VirtualNumaNode, { vm: vm.id })) await call.repo.remove(T.VirtualNumaNode, node.id, { vm: vm.id });
    await call.repo.insert(T.VirtualNumaNode, {
      id: randomUUID(), index: 0, memory: Math.floor(Number(vm.memory ?? 0) / 2 ** 20), cpu: { cores: cpus.map((index) => ({ index })) },
      numa_node_pins: [{ index: 0 }], numa_tune_mode: vm.numa_tune_mode ?? 'interleave', host: { id: host.id }, vm: { id: vm.id },
    });
    await changed(call, vm, EventCode.OBJECT_UPDATED, `The CPUs and NUMA node of VM ${String(vm.name)} were pinned to host ${String(host.name)}.`);
  });
}

export const guestActions: Record<string, (call: Call, body: ActionBody) => Promise<Obj>> = {
  ticket: vmTicket,
  logon: agentAction('log on to', 'the user was logged on'),
  screenshot,
  reset,
  freezefilesystems: agentAction('freeze the file systems of', 'the file systems were frozen'),
  thawfilesystems: agentAction('thaw the file systems of', 'the file systems were thawed'),
  reordermacaddresses: reorderMacs,
  maintenance,
  autopincpuandnumanodes: autoPin,
};
