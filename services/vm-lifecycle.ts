// What VMs do when asked: start, stop, shut down, reboot, suspend and resume, migrate. Each
// action checks the rules a real engine enforces (409 with a reason otherwise), starts a job,
// records events, and leaves the rest of the way to a durable transition. Where guests really run,
// the VM's host is told after the transaction, and the steps wait for what the host reports.
import fs from 'node:fs';
import path from 'node:path';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { ActionBody, Call } from './behaviour';
import { load } from './stored';
import { conflict } from './fault';
import { resolve, refTo } from './refs';
import { Repo, StoredObj } from './store/repo';
import { EventCode, EventSpec } from './events';
import { endJob, startJob } from './jobs';
import { abandon, applyStep, schedule, TransitionStep } from './transitions';
import { GuestCommand } from './runtime/runtime';
import { guestSpec } from './guest-spec';
import { domainOfDisk } from './disk-rows';
import { HostLoad, chooseHost } from './affinity-placement';
import { RUNNING } from './vm-states';
import { chargeVmRun } from './quotas';
import { notDuringBackup } from './backups';
import { GUEST_FACTS } from './guest-facts';

type VmObj = StoredObj<typeof T.Vm>;
type HostObj = StoredObj<typeof T.Host>;

const vmEvent = (vm: VmObj, code: number, description: string, extra: Obj = {}): EventSpec => ({
  code, severity: 'normal', description, about: { vm: { id: vm.id }, ...extra },
});

/**
 * What a host has left for the VM: the memory the other VMs running there leave, and how many
 * they are; no more than the host itself reports it can give out, where it reports that.
 */
async function loadOf(call: Call, host: HostObj, vm: VmObj): Promise<HostLoad> {
  const others = (await call.repo.list(T.Vm, { host: host.id })).filter((v) => v.id !== vm.id && RUNNING.includes(String(v.status)));
  const left = Number(host.memory ?? 0) - others.reduce((sum, v) => sum + Number(v.memory ?? 0), 0);
  const available = call.engine.runtime.availableMemory?.(host);
  return { host, free: available === undefined ? left : Math.min(left, available), vms: others.length };
}

/**
 * The up host of the VM's cluster to run it on: the one asked for, or the best of those with the
 * memory for it, as its affinity groups and the cluster's scheduling policy have it.
 */
async function placement(call: Call, vm: VmObj, asked: unknown, avoid?: unknown): Promise<HostObj> {
  const need = Number(vm.memory ?? 0);
  const clusterId = String(vm.cluster?.id);
  const verb = avoid ? 'migrate' : 'run';
  if (isObj(asked) && (asked.id !== undefined || asked.name !== undefined)) {
    const host = await resolve(call.repo, T.Host, asked, 'host');
    if (host.id === avoid) throw conflict(`Cannot migrate VM ${String(vm.name)}: it already runs on host ${String(host.name)}`);
    if (host.cluster?.id !== clusterId) throw conflict(`Host ${String(host.name)} is not in the VM's cluster`);
    if (host.status !== 'up') throw conflict(`Host ${String(host.name)} is not up (it is ${String(host.status)})`);
    const load = await loadOf(call, host, vm);
    if (load.free < need) throw conflict(`Host ${String(host.name)} does not have ${need} bytes of memory free for VM ${String(vm.name)}`);
    return chooseHost(call, vm, [load], verb);
  }
  const hosts = (await call.repo.list(T.Host, { cluster: clusterId })).filter((h) => h.status === 'up' && h.id !== avoid);
  const fitting: HostLoad[] = [];
  for (const h of hosts) {
    const load = await loadOf(call, h, vm);
    if (load.free >= need) fitting.push(load);
  }
  if (fitting.length === 0) {
    throw conflict(hosts.length
      ? `Cannot run VM ${String(vm.name)}: no host of its cluster has ${need} bytes of memory free`
      : `Cannot run VM ${String(vm.name)}: its cluster has no host that is up${avoid ? ' besides the current one' : ''}`);
  }
  return chooseHost(call, vm, fitting, verb);
}

/**
 * Refuses to start a VM whose boot order names nothing it has, as oVirt does: its hard disk when
 * no disk is attached and active, a CD when none is inserted. A disk's `bootable` flag only tells
 * the guest's firmware which disk comes first, so it is not a reason to refuse.
 */
async function checkBootable(call: Call, vm: VmObj, devices: string[], cdFile: string | undefined): Promise<void> {
  if (devices.includes('network')) return;
  if (devices.includes('cdrom') && cdFile) return;
  if (devices.includes('hd')) {
    const attachments = await call.repo.list(T.DiskAttachment, { vm: vm.id });
    if (attachments.some((a) => a.active !== false)) return;
  }
  throw conflict(`Cannot run VM ${String(vm.name)}: it boots from ${devices.join(', ')}, and has no active disk and no CD to boot from`);
}

const bootDevices = (vm: VmObj): string[] => {
  const os = vm.os as Obj | undefined;
  const boot = os?.boot as Obj | undefined;
  return Array.isArray(boot?.devices) ? boot.devices.map(String) : ['hd'];
};

/**
 * Where guests really run, sends `command` to the VM's host once the decision is committed; when
 * the host refuses, the VM is put back as it was (with its host) and the request fails with why.
 */
function tellHost(call: Call, vm: VmObj, host: Obj, command: GuestCommand, what: string, undone: (repo: Repo) => Promise<void> = restore(vm)): void {
  const guests = call.engine.runtime.guests;
  if (!guests) return;
  call.files.afterCommit({
    what: `${what} VM ${String(vm.name)} on host ${String(host.name)}`,
    run: async () => void (await guests.command(host, vm.id, command)),
    undo: undone,
  });
}

/** Puts a VM back as it was before an action its host refused. */
const restore = (vm: VmObj) => async (repo: Repo): Promise<void> => {
  await abandon(repo, T.Vm, vm.id);
  const now = await repo.getForUpdate(T.Vm, vm.id);
  if (now) await repo.update(T.Vm, { ...now, status: vm.status, ...(vm.host ? { host: vm.host } : {}) });
};

/** The host a VM runs on, from its row. */
async function hostOfVm(call: Call, vm: VmObj): Promise<HostObj> {
  const host = vm.host?.id ? await call.repo.get(T.Host, vm.host.id) : undefined;
  if (!host) throw conflict(`VM ${String(vm.name)} runs on no host`);
  return host;
}

async function begin(call: Call, vm: VmObj, description: string): Promise<Obj> {
  return startJob(call.repo, `${description} ${String(vm.name)}`, call.principal.userId);
}

const done = (job: Obj): Obj => ({ status: 'complete', job: { id: job.id } });

function requireStatus(vm: VmObj, allowed: string[], what: string): void {
  if (!allowed.includes(String(vm.status))) {
    throw conflict(`Cannot ${what} VM ${String(vm.name)}: it is ${String(vm.status)}`);
  }
}

async function start(call: Call, body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  requireStatus(vm, ['down', 'suspended'], 'start');
  await notDuringBackup(call.repo, vm, 'start');
  await chargeVmRun(call, vm);
  const d = call.engine.runtime;
  // A suspended VM, or one whose snapshot's memory is to be restored, comes back as it ran.
  if (vm.status === 'suspended' || (d.guests && (vm as SuspendedVm).saved_state)) {
    const host = await placement(call, vm, body.host);
    const job = await begin(call, vm, 'Resuming VM');
    await applyStep(call.repo, T.Vm, vm.id, { after: 0, status: 'restoring_state', set: { host: refTo(host) }, event: vmEvent(vm, EventCode.VM_RESTORING, `VM ${String(vm.name)} is being restored on host ${String(host.name)}.`, { host: { id: host.id } }) });
    await schedule(call.repo, T.Vm, vm.id, [{ after: d.duration('restore_state'), status: 'up', unset: ['saved_state'], event: vmEvent(vm, EventCode.VM_UP, `VM ${String(vm.name)} is up on host ${String(host.name)}.`) }], String(job.id));
    const saved = (vm as SuspendedVm).saved_state;
    if (saved) {
      const spec = await guestSpec(call, vm, { devices: bootDevices(vm) });
      // A suspended VM's state is its suspend's, to be gone once it runs; a snapshot's memory stays with the snapshot.
      tellHost(call, vm, host, { op: 'start', spec: { ...spec, incoming: { file: saved, consumed: vm.status === 'suspended' } } }, 'restoring');
    }
    return done(job);
  }
  // The body may change the boot and the CD for this run only, and bring cloud-init or sysprep data.
  // The VM comes whole inside the action, not as a reference.
  const once: Obj = isObj(body.vm) ? body.vm : {};
  const devices = isObj(once.os) && isObj(once.os.boot) && Array.isArray(once.os.boot.devices) ? once.os.boot.devices.map(String) : bootDevices(vm);
  const cdroms = await call.repo.list(T.Cdrom, { vm: vm.id });
  const onceCd = Array.isArray(once.cdroms) && isObj(once.cdroms[0]) && isObj(once.cdroms[0].file) ? String(once.cdroms[0].file.id) : undefined;
  const cdFile = onceCd ?? cdroms.map((c) => (isObj(c.file) ? String(c.file.id) : undefined)).find(Boolean);
  await checkBootable(call, vm, devices, cdFile);
  const host = await placement(call, vm, body.host);
  const job = await begin(call, vm, 'Launching VM');
  const runOnce = isObj(once.os) || onceCd !== undefined;
  const initialization = isObj(once.initialization) && (body.use_cloud_init === true || body.use_sysprep === true || body.use_initialization === true)
    ? { initialization: once.initialization } : {};
  await applyStep(call.repo, T.Vm, vm.id, {
    after: 0,
    status: 'wait_for_launch',
    set: { host: refTo(host), start_time: new Date().toISOString(), run_once: runOnce, ...initialization, ...(runOnce ? { run_once_boot: { devices, cd: cdFile ?? '' } } : {}) },
    event: vmEvent(vm, EventCode.VM_STARTING, `VM ${String(vm.name)} was started by ${call.principal.userName} on host ${String(host.name)}.`, { host: { id: host.id } }),
  });
  await schedule(call.repo, T.Vm, vm.id, [
    { after: d.duration('launch'), status: 'powering_up' },
    { after: d.duration('power_up'), status: 'up', event: vmEvent(vm, EventCode.VM_UP, `VM ${String(vm.name)} is up on host ${String(host.name)}.`, { host: { id: host.id } }) },
  ], String(job.id));
  if (d.guests) {
    const spec = await guestSpec(call, vm, { devices, cdFile, ...(isObj(initialization.initialization) ? { initialization: initialization.initialization } : {}) });
    tellHost(call, vm, host, { op: 'start', spec }, 'starting', async (repo) => {
      await abandon(repo, T.Vm, vm.id);
      await applyStep(repo, T.Vm, vm.id, downStep(vm, 0, `VM ${String(vm.name)} could not be started on host ${String(host.name)}.`));
    });
  }
  return done(job);
}

/** A suspended VM's row keeps where its host saved the guest's state, to restore it from. */
type SuspendedVm = VmObj & { saved_state?: string };

/** The step that brings a VM down: it leaves its host and forgets its run-once settings. */
export const downStep = (vm: VmObj, after: number, description: string): TransitionStep => ({
  after, status: 'down', set: { stop_time: new Date().toISOString(), run_once: false }, unset: ['host', 'run_once_boot', ...GUEST_FACTS],
  event: vmEvent(vm, EventCode.VM_DOWN, description),
});

/** Every VM still running on a host that lost its power goes down with it. */
export async function downWithHost(repo: Repo, host: HostObj): Promise<void> {
  for (const vm of await repo.list(T.Vm, { host: host.id })) {
    if (vm.status === 'down') continue;
    await schedule(repo, T.Vm, vm.id, []);
    await applyStep(repo, T.Vm, vm.id, downStep(vm, 0, `VM ${String(vm.name)} is down: its host ${String(host.name)} was powered off.`));
  }
}

async function stop(call: Call): Promise<Obj> {
  const vm = await load(call, S.Vms);
  if (vm.status === 'down') throw conflict(`Cannot stop VM ${String(vm.name)}: it is already down`);
  const job = await begin(call, vm, 'Stopping VM');
  await schedule(call.repo, T.Vm, vm.id, []);
  const host = call.engine.runtime.guests && vm.host?.id ? await call.repo.get(T.Host, vm.host.id) : undefined;
  await applyStep(call.repo, T.Vm, vm.id, { ...downStep(vm, 0, `VM ${String(vm.name)} was powered off by ${call.principal.userName}.`), unset: ['host', 'run_once_boot', 'saved_state', ...GUEST_FACTS] });
  if (host) tellHost(call, vm, host, { op: 'stop' }, 'stopping');
  // A suspended VM powered off will not resume: the state its suspend saved goes.
  const saved = (vm as SuspendedVm).saved_state;
  if (vm.status === 'suspended' && saved) {
    call.files.afterCommit({ what: `removing the saved state of VM ${String(vm.name)}`, run: () => fs.promises.rm(saved, { force: true }) });
  }
  await endJob(call.repo, String(job.id), 'finished');
  return done(job);
}

/** A change that goes through one transient state to a final one. */
function twoStep(o: {
  what: string; job: string; allowed: string[]; transient: string; final: string; phase: Parameters<Call['engine']['runtime']['duration']>[0];
  code: number; finalCode: number; unsetHost?: boolean;
  /** What the VM's host is told, where guests really run; it may keep members in the VM's row. */
  command: (call: Call, vm: VmObj) => Promise<{ command: GuestCommand; keep?: Obj }>;
}) {
  return async (call: Call): Promise<Obj> => {
    const vm = await load(call, S.Vms);
    requireStatus(vm, o.allowed, o.what);
    if (call.engine.runtime.guests) {
      const host = await hostOfVm(call, vm);
      const { command, keep } = await o.command(call, vm);
      if (keep) await call.repo.update(T.Vm, { ...vm, ...keep });
      tellHost(call, vm, host, command, o.what);
    }
    const job = await begin(call, vm, o.job);
    await applyStep(call.repo, T.Vm, vm.id, { after: 0, status: o.transient, event: vmEvent(vm, o.code, `VM ${String(vm.name)}: ${o.what} asked by ${call.principal.userName}.`) });
    const after = call.engine.runtime.duration(o.phase);
    const final: TransitionStep = o.final === 'down'
      ? downStep(vm, after, `VM ${String(vm.name)} is down.`)
      : { after, status: o.final, ...(o.unsetHost ? { unset: ['host'] } : {}), event: vmEvent(vm, o.finalCode, `VM ${String(vm.name)} is ${o.final}.`) };
    await schedule(call.repo, T.Vm, vm.id, [final], String(job.id));
    return done(job);
  };
}

async function migrate(call: Call, body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  requireStatus(vm, ['up'], 'migrate');
  const source = vm.host?.id;
  const target = await placement(call, vm, body.host, source);
  const job = await begin(call, vm, 'Migrating VM');
  await migrateTo(call, vm, target, String(job.id));
  return done(job);
}

/** Starts moving an up VM to `target`; used by migrate and by hosts going to maintenance. */
export async function migrateTo(call: Call, vm: VmObj, target: HostObj, jobId: string): Promise<void> {
  await applyStep(call.repo, T.Vm, vm.id, {
    after: 0, status: 'migrating', set: { migration_target: refTo(target) },
    event: vmEvent(vm, EventCode.VM_MIGRATING, `VM ${String(vm.name)} is migrating to host ${String(target.name)}.`, { host: { id: target.id } }),
  });
  await schedule(call.repo, T.Vm, vm.id, [{
    after: call.engine.runtime.duration('migrate'), status: 'up', set: { host: refTo(target) }, unset: ['migration_target'],
    event: vmEvent(vm, EventCode.VM_MIGRATED, `VM ${String(vm.name)} migrated to host ${String(target.name)}.`, { host: { id: target.id } }),
  }], jobId);
  const guests = call.engine.runtime.guests;
  if (!guests) return;
  // The target waits for the guest's state, then the source sends it there.
  const source = await hostOfVm(call, vm);
  const spec = await guestSpec(call, vm, { devices: bootDevices(vm) });
  const bandwidthMbps = customBandwidth(await call.repo.get(T.Cluster, String(vm.cluster?.id)));
  call.files.afterCommit({
    what: `migrating VM ${String(vm.name)} from host ${String(source.name)} to host ${String(target.name)}`,
    run: async () => {
      // The target lays its devices out as the source has them, those plugged since the start too.
      const { ports } = await guests.state(source, vm.id);
      const incoming = await guests.command(target, vm.id, { op: 'start', spec: { ...spec, ports, incoming: { migration: true } } });
      const port = incoming?.migration?.port;
      if (!port) throw conflict(`Host ${String(target.name)} opened no port for the migration of VM ${String(vm.name)}`);
      try {
        await guests.command(source, vm.id, { op: 'migrate', address: String(target.address), port, ...(bandwidthMbps ? { bandwidthMbps } : {}) });
      } catch (e) {
        await guests.command(target, vm.id, { op: 'stop' }).catch(() => undefined);
        throw e;
      }
    },
    undo: async (repo) => {
      await abandon(repo, T.Vm, vm.id);
      await applyStep(repo, T.Vm, vm.id, { after: 0, status: 'up', unset: ['migration_target'] });
    },
  });
}

/** The bandwidth a cluster's migrations may use, in Mbps, when it sets one (oVirt's custom `migration.bandwidth`). */
function customBandwidth(cluster: StoredObj<typeof T.Cluster> | undefined): number | undefined {
  const bandwidth = cluster?.migration?.bandwidth;
  const mbps = Number(bandwidth?.custom_value);
  return bandwidth?.assignment_method === 'custom' && mbps > 0 ? mbps : undefined;
}

/** Chooses a new host for an up VM, other than the one it is on; used by host maintenance. */
export function evacuationTarget(call: Call, vm: VmObj): Promise<HostObj> {
  return placement(call, vm, undefined, vm.host?.id);
}

async function cancelMigration(call: Call): Promise<Obj> {
  const vm = await load(call, S.Vms);
  requireStatus(vm, ['migrating'], 'cancel the migration of');
  const job = await begin(call, vm, 'Cancelling migration of VM');
  if (call.engine.runtime.guests) {
    // The source host stops sending; the VM is up on it again once it reports so (guest-reports.ts).
    tellHost(call, vm, await hostOfVm(call, vm), { op: 'cancelmigration' }, 'cancelling the migration of', async () => undefined);
  } else {
    await schedule(call.repo, T.Vm, vm.id, []);
    await applyStep(call.repo, T.Vm, vm.id, { after: 0, status: 'up', unset: ['migration_target'], event: migrationCancelled(vm) });
  }
  await endJob(call.repo, String(job.id), 'finished');
  return done(job);
}

/** The event of a migration that was cancelled, the VM staying where it was. */
export const migrationCancelled = (vm: Pick<VmObj, 'id' | 'name'>): EventSpec => ({
  code: EventCode.VM_MIGRATION_CANCELLED, severity: 'normal', about: { vm: { id: vm.id } },
  description: `Migration of VM ${String(vm.name)} was cancelled; it stays on its host.`,
});

/** How long a guest has to power off after the ACPI button, before its host stops it. */
const SHUTDOWN_TIMEOUT_MS = 120_000;

/**
 * Where a suspended VM's memory goes: beside its first disk, on that disk's storage domain, so
 * that any host reaching the domain can restore it.
 */
async function memoryStateFile(call: Call, vm: VmObj): Promise<string> {
  for (const a of await call.repo.list(T.DiskAttachment, { vm: vm.id })) {
    const disk = await call.repo.get(T.Disk, a.id);
    const sd = disk && (await domainOfDisk(call.repo, disk));
    if (sd) return path.join(call.engine.storage.domainDir(sd), 'memory', `${vm.id}.state`);
  }
  throw conflict(`Cannot suspend VM ${String(vm.name)}: it has no disk on a storage domain to keep its memory on`);
}

export const vmActions: Record<string, (call: Call, body: ActionBody) => Promise<Obj>> = {
  start,
  stop,
  shutdown: twoStep({
    what: 'shut down', job: 'Shutting down VM', allowed: ['up', 'powering_up', 'reboot_in_progress'], transient: 'powering_down', final: 'down', phase: 'power_down', code: EventCode.VM_POWERING_DOWN, finalCode: EventCode.VM_DOWN,
    command: async () => ({ command: { op: 'shutdown', timeoutMs: SHUTDOWN_TIMEOUT_MS } }),
  }),
  reboot: twoStep({
    what: 'reboot', job: 'Rebooting VM', allowed: ['up'], transient: 'reboot_in_progress', final: 'up', phase: 'reboot', code: EventCode.VM_REBOOTING, finalCode: EventCode.VM_UP,
    command: async () => ({ command: { op: 'reboot' } }),
  }),
  suspend: twoStep({
    what: 'suspend', job: 'Suspending VM', allowed: ['up'], transient: 'saving_state', final: 'suspended', phase: 'save_state', code: EventCode.VM_SUSPENDING, finalCode: EventCode.VM_SUSPENDED, unsetHost: true,
    command: async (call, vm) => {
      const file = await memoryStateFile(call, vm);
      return { command: { op: 'suspend', file }, keep: { saved_state: file } };
    },
  }),
  migrate,
  cancelmigration: cancelMigration,
};
