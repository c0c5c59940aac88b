// Hosts: the machines VMs run on. Adding one installs it through the runtime (installing → up);
// maintenance migrates its VMs away first. The root password is used to enrol and never kept.
import * as S from '../model/services';
import * as T from '../model/types';
import { StoredObj } from './store/repo';
import { Call, implement } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { resolve, refTo } from './refs';
import { Obj } from '../model/codec';
import { EventCode, EventSpec } from './events';
import { endJob, startJob } from './jobs';
import { applyStep, schedule } from './transitions';
import { evacuationTarget, migrateTo } from './vm-lifecycle';
import { attachManagementNetwork, commitNetConfig, copyHostNetworks, setupNetworks, syncAllNetworks } from './host-networks';
import { leaveAffinity } from './affinity';

const hostEvent = (host: Obj, code: number, description: string): EventSpec => ({
  code, severity: 'normal', description, about: { host: { id: host.id } },
});

async function prepare(call: Call, body: Obj): Promise<Obj> {
  const cluster = await resolve(call.repo, T.Cluster, body.cluster ?? { name: 'Default' }, 'cluster');
  return { port: 54321, type: 'rhel', ...body, cluster: refTo(cluster), status: 'installing' };
}

/** Installs a new host: what it has becomes known when it comes up. */
async function install(call: Call, host: Obj): Promise<void> {
  const job = await startJob(call.repo, `Adding new host ${String(host.name)}`, call.principal.userId);
  const facts = await call.engine.runtime.install(host);
  await applyStep(call.repo, T.Host, String(host.id), { after: 0, status: 'installing', event: hostEvent(host, EventCode.HOST_INSTALLING, `Installing host ${String(host.name)}.`) });
  await schedule(call.repo, T.Host, String(host.id), [{
    after: call.engine.runtime.duration('install'), status: 'up',
    set: { ...facts, external_status: 'ok', comment: host.comment ?? `Runtime: ${call.engine.runtime.name}` },
    event: hostEvent(host, EventCode.HOST_UP, `Host ${String(host.name)} is up.`),
  }], job.id);
}

const uniqueName = () => ({});

// A new host has its cluster's management network on its first interface.
async function created(call: Call, host: StoredObj<typeof T.Host>): Promise<void> {
  await attachManagementNetwork(call, host);
  await install(call, host);
}

export const hosts = implement(S.Hosts, storedCollection(S.Hosts, { prepare, uniqueName, created }));

const done = (job: Obj): Obj => ({ status: 'complete', job: { id: job.id } });

async function deactivate(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  if (!['up', 'non_operational', 'non_responsive', 'install_failed', 'error'].includes(String(host.status))) {
    throw conflict(`Cannot move host ${String(host.name)} to maintenance: it is ${String(host.status)}`);
  }
  const vms = (await call.repo.list(T.Vm, { host: host.id })).filter((v) => v.status !== 'down');
  const moving = vms.filter((v) => v.status === 'up');
  const stuck = vms.filter((v) => v.status !== 'up');
  if (stuck.length) throw conflict(`Cannot move host ${String(host.name)} to maintenance: VM ${String(stuck[0].name)} is ${String(stuck[0].status)}`);
  // Plan every migration before starting any, so a refusal changes nothing.
  const plan: [StoredObj<typeof T.Vm>, StoredObj<typeof T.Host>][] = [];
  for (const vm of moving) {
    try {
      plan.push([vm, await evacuationTarget(call, vm)]);
    } catch {
      throw conflict(`Cannot move host ${String(host.name)} to maintenance: VM ${String(vm.name)} cannot migrate to another host`);
    }
  }
  const job = await startJob(call.repo, `Moving host ${String(host.name)} to maintenance`, call.principal.userId);
  for (const [vm, target] of plan) await migrateTo(call, vm, target, job.id);
  await applyStep(call.repo, T.Host, host.id, { after: 0, status: 'preparing_for_maintenance', event: hostEvent(host, EventCode.HOST_PREPARING_MAINTENANCE, `Host ${String(host.name)} is preparing for maintenance.`) });
  const maintenance = { after: 0, status: 'maintenance', event: hostEvent(host, EventCode.HOST_MAINTENANCE, `Host ${String(host.name)} is in maintenance.`) };
  // With no VM to move away the host is in maintenance when the action answers, as in oVirt,
  // where a client may remove the host right after `deactivate`.
  if (!plan.length) {
    await schedule(call.repo, T.Host, host.id, [], job.id);
    await applyStep(call.repo, T.Host, host.id, maintenance);
    await endJob(call.repo, job.id, 'finished');
    return done(job);
  }
  const d = call.engine.runtime;
  // Maintenance is reached once the migrations have had their time.
  const wait = Math.max(d.duration('prepare_maintenance'), d.duration('migrate') + 1);
  await schedule(call.repo, T.Host, host.id, [{ ...maintenance, after: wait }], job.id);
  return done(job);
}

async function activate(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  if (host.status !== 'maintenance') throw conflict(`Cannot activate host ${String(host.name)}: it is ${String(host.status)}, not in maintenance`);
  const job = await startJob(call.repo, `Activating host ${String(host.name)}`, call.principal.userId);
  await applyStep(call.repo, T.Host, host.id, { after: 0, status: 'initializing', event: hostEvent(host, EventCode.HOST_ACTIVATING, `Host ${String(host.name)} is being activated.`) });
  await schedule(call.repo, T.Host, host.id, [{
    after: call.engine.runtime.duration('activate'), status: 'up', event: hostEvent(host, EventCode.HOST_UP, `Host ${String(host.name)} is up.`),
  }], job.id);
  return done(job);
}

async function refresh(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  const job = await startJob(call.repo, `Refreshing host ${String(host.name)}`, call.principal.userId);
  if (host.status === 'up') await call.repo.update(T.Host, { ...host, ...(await call.engine.runtime.install(host)) });
  await endJob(call.repo, job.id, 'finished');
  return done(job);
}

export const hostEntity = implement(S.HostEntity, {
  ...storedEntity(S.Hosts, S.HostEntity, {
    uniqueName,
    async removing(call, host) {
      if (!['maintenance', 'install_failed', 'down'].includes(String(host.status))) {
        throw conflict(`Cannot remove host ${String(host.name)}: it is ${String(host.status)}; move it to maintenance first`);
      }
      await schedule(call.repo, T.Host, host.id, []);
      await leaveAffinity(call, 'hosts', host);
    },
  }),
  actions: {
    activate, deactivate, refresh,
    setupnetworks: setupNetworks, commitnetconfig: commitNetConfig, syncallnetworks: syncAllNetworks, copyhostnetworks: copyHostNetworks,
  },
});
