// Hosts: the machines VMs run on. Adding one installs it through the runtime (installing → up);
// maintenance migrates its VMs away first. The root password is used to enrol and never kept.
import * as S from '../model/services';
import * as T from '../model/types';
import { Repo, StoredObj } from './store/repo';
import { ActionBody, Call, Engine, implement } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { resolve, refTo } from './refs';
import { Obj } from '../model/codec';
import { EventCode, EventSpec, recordEvent } from './events';
import { endJob, startJob } from './jobs';
import { applyStep, schedule } from './transitions';
import { downWithHost, evacuationTarget, migrateTo } from './vm-lifecycle';
import { attachManagementNetwork, commitNetConfig, copyHostNetworks, setupNetworks, syncAllNetworks } from './host-networks';
import { leaveAffinity } from './affinity';

const hostEvent = (host: Obj, code: number, description: string): EventSpec => ({
  code, severity: 'normal', description, about: { host: { id: host.id } },
});

async function prepare(call: Call, body: Obj): Promise<Obj> {
  const cluster = await resolve(call.repo, T.Cluster, body.cluster ?? { name: 'Default' }, 'cluster');
  return {
    port: 54321, type: 'rhel', ...body,
    spm: { priority: 5, ...(body.spm as Obj | undefined), status: 'none' },
    // oVirt's defaults: fencing off until configured, kdump detected, automatic power management.
    power_management: { enabled: false, kdump_detection: true, automatic_pm_enabled: true, ...(body.power_management as Obj | undefined) },
    cluster: refTo(cluster), status: 'installing',
  };
}

/**
 * Installs a host (new, approved or again): it is `installing`, then `up`, or `maintenance` when
 * the caller asks not to activate it. The runtime installs it once the request has committed
 * (enrolling a real host's agent reaches over the network); what it has becomes known then, and
 * a host the runtime cannot install is `install_failed`, with why.
 */
async function installHost(call: Call, host: Obj, jobName: string, activate: boolean): Promise<Obj> {
  const job = await startJob(call.repo, `${jobName} ${String(host.name)}`, call.principal.userId);
  await applyStep(call.repo, T.Host, String(host.id), { after: 0, status: 'installing', event: hostEvent(host, EventCode.HOST_INSTALLING, `Installing host ${String(host.name)}.`) });
  const engine = call.engine;
  call.files.afterCommit({ what: `installing host ${String(host.name)}`, run: () => finishInstall(engine, host, job.id, activate) });
  return job;
}

async function finishInstall(engine: Engine, host: Obj, jobId: string, activate: boolean): Promise<void> {
  const installed = await engine.runtime.install(host).then((facts) => ({ facts }), (e: unknown) => ({ failure: e instanceof Error ? e.message : String(e) }));
  await engine.db.transaction(async (trx) => {
    const repo = new Repo(trx);
    if ('failure' in installed) {
      await schedule(repo, T.Host, String(host.id), []);
      await applyStep(repo, T.Host, String(host.id), {
        after: 0, status: 'install_failed',
        event: { code: EventCode.HOST_INSTALL_FAILED, severity: 'error', description: `Host ${String(host.name)} installation failed. ${installed.failure}.`, about: { host: { id: host.id } } },
      });
      await endJob(repo, jobId, 'failed');
      return;
    }
    await schedule(repo, T.Host, String(host.id), [{
      after: engine.runtime.duration('install'), status: activate ? 'up' : 'maintenance',
      set: { ...installed.facts, external_status: 'ok', comment: host.comment ?? `Runtime: ${engine.runtime.name}` },
      event: activate
        ? hostEvent(host, EventCode.HOST_UP, `Host ${String(host.name)} is up.`)
        : hostEvent(host, EventCode.HOST_MAINTENANCE, `Host ${String(host.name)} is installed and in maintenance.`),
    }], jobId);
  });
}

const uniqueName = () => ({});

// A new host has its cluster's management network on its first interface.
export const hosts = implement(S.Hosts, storedCollection(S.Hosts, {
  prepare, uniqueName,
  async created(call, host) {
    await attachManagementNetwork(call, host);
    await installHost(call, host, 'Adding new host', true);
  },
}));

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
  // A host in maintenance serves no storage pool.
  await applyStep(call.repo, T.Host, host.id, { after: 0, status: 'preparing_for_maintenance', set: { spm: { ...host.spm, status: 'none' } }, event: hostEvent(host, EventCode.HOST_PREPARING_MAINTENANCE, `Host ${String(host.name)} is preparing for maintenance.`) });
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

/** Reads again what an up host has; the runtime is asked once the request has committed (a real host answers over the network). */
async function refresh(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  const job = await startJob(call.repo, `Refreshing host ${String(host.name)}`, call.principal.userId);
  if (host.status !== 'up') {
    await endJob(call.repo, job.id, 'finished');
    return done(job);
  }
  const engine = call.engine;
  call.files.afterCommit({
    what: `refreshing host ${String(host.name)}`,
    run: async () => {
      const facts = await engine.runtime.install(host).catch(() => undefined);
      await engine.db.transaction(async (trx) => {
        const repo = new Repo(trx);
        const now = await repo.getForUpdate(T.Host, host.id);
        if (now && facts) await repo.update(T.Host, { ...now, ...facts });
        await endJob(repo, job.id, facts ? 'finished' : 'failed');
      });
    },
  });
  return done(job);
}

function requireStatus(host: Obj, allowed: string[], refusal: string): void {
  if (!allowed.includes(String(host.status))) throw conflict(`${refusal} (host ${String(host.name)} is ${String(host.status)})`);
}

async function install(call: Call, body: ActionBody): Promise<Obj> {
  const host = await load(call, S.Hosts);
  requireStatus(host, ['maintenance', 'install_failed'], 'Cannot install Host. Please move Host to Maintenance mode first');
  const changes = body.host?.override_iptables === undefined ? {} : { override_iptables: body.host.override_iptables };
  await call.repo.update(T.Host, { ...host, ...changes });
  return done(await installHost(call, host, 'Installing host', body.activate !== false));
}

async function approve(call: Call, body: ActionBody): Promise<Obj> {
  const host = await load(call, S.Hosts);
  requireStatus(host, ['pending_approval', 'install_failed'], 'Cannot approve Host. Host must be in "Pending Approval" or "Install Failed" status in order to be approved');
  const named = body.cluster ?? body.host?.cluster;
  const cluster = named ? refTo(await resolve(call.repo, T.Cluster, named, 'cluster')) : host.cluster;
  await call.repo.update(T.Host, { ...host, cluster });
  return done(await installHost(call, host, 'Approving host', body.activate !== false));
}

/** Statuses in which oVirt checks for and installs updates. */
const UPGRADABLE = ['up', 'maintenance', 'non_operational'];

async function upgradecheck(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  requireStatus(host, UPGRADABLE, 'Cannot check for updates of Host. Valid Host statuses are Up, Maintenance, and Non-Operational');
  const job = await startJob(call.repo, `Checking for available updates on host ${String(host.name)}`, call.principal.userId);
  const available = await call.engine.runtime.updatesAvailable(host);
  await call.repo.update(T.Host, { ...host, update_available: available });
  await recordEvent(call.repo, hostEvent(host, EventCode.HOST_UPDATES_CHECKED,
    `Check for available updates on host ${String(host.name)} was completed successfully with message '${available ? 'updates found' : 'no updates found'}.'.`));
  await endJob(call.repo, job.id, 'finished');
  return done(job);
}

/** oVirt refuses an upgrade when the last check found nothing to install. */
async function upgrade(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  requireStatus(host, UPGRADABLE, 'Cannot upgrade Host. Valid Host statuses for upgrade are Up, Maintenance, and Non-Operational');
  if (host.update_available !== true) throw conflict(`Cannot upgrade Host ${String(host.name)}. There are no available updates for the host`);
  const running = (await call.repo.list(T.Vm, { host: host.id })).filter((v) => v.status !== 'down');
  if (running.length) throw conflict(`Cannot upgrade Host ${String(host.name)}: VM ${String(running[0].name)} runs on it; move the host to maintenance first`);
  const job = await installHost(call, host, 'Upgrading host', host.status !== 'maintenance');
  await call.repo.update(T.Host, { ...(await load(call, S.Hosts)), update_available: false });
  return done(job);
}

async function enrollcertificate(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  requireStatus(host, ['maintenance'], 'Cannot enroll certificate of Host. Please switch Host to Maintenance mode first');
  const job = await startJob(call.repo, `Enrolling certificate for host ${String(host.name)}`, call.principal.userId);
  await recordEvent(call.repo, hostEvent(host, EventCode.HOST_CERTIFICATE_ENROLLED, `Certificate of host ${String(host.name)} was enrolled again from the engine's CA.`));
  await endJob(call.repo, job.id, 'finished');
  return done(job);
}

const FENCE_TYPES = ['manual', 'restart', 'start', 'status', 'stop'];

/** Power management must be enabled and have an agent, else oVirt does not fence. */
async function requireFencing(call: Call, host: StoredObj<typeof T.Host>): Promise<void> {
  if (host.power_management?.enabled !== true) throw conflict(`Cannot fence Host ${String(host.name)}: power management is not enabled`);
  if ((await call.repo.count(T.Agent, { host: host.id })) === 0) throw conflict(`Cannot fence Host ${String(host.name)}: it has no fence agent`);
}

/** The host powers off: its pending transition ends and its VMs go down with it. */
async function powerOff(call: Call, host: StoredObj<typeof T.Host>): Promise<void> {
  await call.engine.runtime.setPower(host, false);
  await schedule(call.repo, T.Host, host.id, []);
  await downWithHost(call.repo, host);
  await applyStep(call.repo, T.Host, host.id, {
    after: 0, status: 'down', set: { spm: { ...host.spm, status: 'none' } }, event: hostEvent(host, EventCode.HOST_POWERED_OFF, `Host ${String(host.name)} was powered off.`),
  });
}

/** The host powers on and boots: `reboot`, then up (or in maintenance). */
async function powerOn(call: Call, host: Obj, jobId: string, then: 'up' | 'maintenance'): Promise<void> {
  await call.engine.runtime.setPower(host, true);
  await applyStep(call.repo, T.Host, String(host.id), { after: 0, status: 'reboot', event: hostEvent(host, EventCode.HOST_POWERED_ON, `Host ${String(host.name)} was powered on and is booting.`) });
  await schedule(call.repo, T.Host, String(host.id), [{
    after: call.engine.runtime.duration('power_cycle'), status: then,
    event: then === 'up' ? hostEvent(host, EventCode.HOST_UP, `Host ${String(host.name)} is up.`) : hostEvent(host, EventCode.HOST_MAINTENANCE, `Host ${String(host.name)} is in maintenance.`),
  }], jobId);
}

async function fence(call: Call, body: ActionBody): Promise<Obj> {
  const type = String(body.fence_type);
  if (!FENCE_TYPES.includes(type)) throw badRequest(`Invalid value '${type}' for fence_type: expected one of ${FENCE_TYPES.join(', ')}`);
  const host = await load(call, S.Hosts);
  if (type === 'manual') {
    // The administrator confirms the host was rebooted: what ran on it is down.
    requireStatus(host, ['non_responsive'], 'Cannot confirm Host has been rebooted: Host must be non responsive');
    await downWithHost(call.repo, host);
    await recordEvent(call.repo, hostEvent(host, EventCode.HOST_FENCED_MANUALLY, `Host ${String(host.name)} was confirmed rebooted by the administrator; its VMs are down.`));
    return { status: 'complete' };
  }
  await requireFencing(call, host);
  if (type === 'status') return { status: 'complete', power_management: { status: await call.engine.runtime.powerStatus(host) } };
  const rule: Record<string, [string[], string, string]> = {
    stop: [['maintenance'], 'Cannot perform Stop operation, Host has to be in Maintenance mode in order to be stopped', 'Stopping'],
    start: [['down', 'non_responsive'], 'Cannot start Host: it is not down', 'Starting'],
    restart: [['up', 'maintenance', 'non_responsive', 'non_operational', 'error', 'down'], 'Cannot restart Host', 'Restarting'],
  };
  const [allowed, refusal, doing] = rule[type];
  requireStatus(host, allowed, refusal);
  const job = await startJob(call.repo, `${doing} host ${String(host.name)}`, call.principal.userId);
  if (type !== 'start') await powerOff(call, host);
  if (type === 'stop') await endJob(call.repo, job.id, 'finished');
  else await powerOn(call, host, job.id, body.maintenance_after_restart === true ? 'maintenance' : 'up');
  return done(job);
}

async function forceselectspm(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  requireStatus(host, ['up'], `Cannot force select SPM. The Host ${String(host.name)} is not active`);
  if (host.spm?.status === 'spm') throw conflict(`Cannot force select SPM. The Host ${String(host.name)} is already SPM or contending`);
  if (host.spm?.priority === -1) throw conflict(`Cannot force select SPM. The SPM priority of Host ${String(host.name)} is set to 'never'. This Host cannot be elected as SPM`);
  const cluster = (await call.repo.get(T.Cluster, String(host.cluster?.id)))!;
  const dc = cluster.data_center ? await call.repo.get(T.DataCenter, String(cluster.data_center.id)) : undefined;
  if (!dc) throw conflict('Cannot force select SPM. The Host is not a part of a Storage Pool');
  if (dc.status !== 'up') throw conflict(`Cannot force select SPM. Data center ${String(dc.name)} is ${String(dc.status)}, not up`);
  const job = await startJob(call.repo, `Selecting host ${String(host.name)} as SPM`, call.principal.userId);
  const clusters = await call.repo.list(T.Cluster, { data_center: dc.id });
  for (const c of clusters) {
    for (const other of await call.repo.list(T.Host, { cluster: c.id })) {
      if (other.id !== host.id && other.spm?.status !== 'none') await call.repo.update(T.Host, { ...other, spm: { ...other.spm, status: 'none' } });
    }
  }
  await call.repo.update(T.Host, { ...host, spm: { ...host.spm, status: 'spm' } });
  await recordEvent(call.repo, hostEvent(host, EventCode.HOST_SPM_SELECTED, `Host ${String(host.name)} was selected as storage pool manager of data center ${String(dc.name)}.`));
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
      // A host added again must enroll its agent again.
      await call.repo.db('host_agents').where('host_id', host.id).delete();
    },
  }),
  actions: {
    activate, deactivate, refresh, install, approve, upgradecheck, upgrade, enrollcertificate, fence, forceselectspm,
    setupnetworks: setupNetworks, commitnetconfig: commitNetConfig, syncallnetworks: syncAllNetworks, copyhostnetworks: copyHostNetworks,
  },
});
