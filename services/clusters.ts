// Clusters: groups of hosts sharing a CPU type and the VMs that run on them.
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call, implement } from './behaviour';
import { load, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { EventCode, EventSpec, recordEvent } from './events';
import { correlationId } from './correlation';
import { resolve, refTo } from './refs';
import { COMPATIBILITY_VERSION } from './store/seed';
import { clusterPool } from './mac-pools';
import { assignNewClusterManagement } from './cluster-networks';
import { syncClusterNetworks } from './host-networks';
import { resolveLink } from './links';
import { addDefaultCpuProfile } from './profiles';
import { CLUSTER_DEFAULTS } from './facts/cluster-defaults';

async function prepare(call: Call, body: Obj): Promise<Obj> {
  const owner = call.scope.length ? { id: call.scope[0] } : body.data_center;
  const dc = await resolve(call.repo, T.DataCenter, owner, 'data_center');
  return {
    version: { ...COMPATIBILITY_VERSION },
    ...mergeInto(T.Cluster, CLUSTER_DEFAULTS, body as ObjOf<typeof T.Cluster>),
    cpu: { architecture: 'x86_64', ...(body.cpu as Obj | undefined) },
    data_center: refTo(dc),
    mac_pool: await clusterPool(call, body.mac_pool as Obj | undefined),
    ...(body.scheduling_policy === undefined ? {} : { scheduling_policy: await resolveLink(call, T.SchedulingPolicy, body.scheduling_policy, 'scheduling_policy') }),
  };
}

const hooks = {
  prepare,
  uniqueName: () => ({}),
  async apply(call: Call, current: Obj, changes: Obj) {
    const next = mergeInto(T.Cluster, current, changes);
    return changes.mac_pool === undefined ? next : { ...next, mac_pool: await clusterPool(call, changes.mac_pool as Obj) };
  },
  async created(call: Call, cluster: ObjOf<typeof T.Cluster> & { id: string }) {
    await assignNewClusterManagement(call, cluster);
    await addDefaultCpuProfile(call.repo, cluster);
  },
  async removing(call: Call, cluster: Obj) {
    const owners = { cluster: String(cluster.id) };
    if ((await call.repo.count(T.Host, owners)) > 0) throw conflict(`Cannot remove Cluster ${String(cluster.name)}: it still has hosts`);
    if ((await call.repo.count(T.Vm, owners)) > 0) throw conflict(`Cannot remove Cluster ${String(cluster.name)}: it still has virtual machines`);
    if ((await call.repo.count(T.VmPool, owners)) > 0) throw conflict(`Cannot remove Cluster ${String(cluster.name)}: it still has VM pools`);
    // Quota limits on the cluster go with it.
    await call.repo.removeOwned(T.QuotaClusterLimit, owners);
  },
};

const clusterEvent = (cluster: Obj, description: string, code: number = EventCode.CLUSTER_UPGRADE): EventSpec => ({
  code, severity: 'normal', description, about: { cluster: { id: cluster.id } },
});

/**
 * The emulated machine of a cluster is detected from the first host that comes up; resetting it
 * has it detected again, so oVirt refuses while a host of the cluster is up.
 */
async function resetemulatedmachine(call: Call): Promise<Obj> {
  const cluster = await load(call, S.Clusters);
  const up = (await call.repo.list(T.Host, { cluster: cluster.id })).filter((h) => h.status === 'up');
  if (up.length) throw conflict(`Cannot update Cluster ${String(cluster.name)}. Clusters hosts must be down in order to perform this action (host ${String(up[0].name)} is up)`);
  await recordEvent(call.repo, clusterEvent(cluster, `The emulated machine of cluster ${String(cluster.name)} will be detected again when a host comes up.`, EventCode.CLUSTER_EMULATED_MACHINE_RESET));
  return { status: 'complete' };
}

/** Marks a cluster as being upgraded (by a tool such as Ansible's cluster upgrade), its progress, and the end. */
async function upgrade(call: Call, body: ActionBody): Promise<Obj> {
  const cluster = await load(call, S.Clusters);
  const correlation = body.correlation_id ?? correlationId();
  const running = cluster.upgrade_in_progress === true;
  if (body.upgrade_action === 'start') {
    if (running) throw conflict(`Cannot start the upgrade of cluster ${String(cluster.name)}: an upgrade is already running`);
    const { upgrade_correlation_id: _c, ...rest } = cluster;
    await call.repo.update(T.Cluster, { ...rest, upgrade_in_progress: true, upgrade_percent_complete: 0, ...(correlation ? { upgrade_correlation_id: correlation } : {}) });
    await recordEvent(call.repo, clusterEvent(cluster, `Upgrade of cluster ${String(cluster.name)} started.`));
  } else if (body.upgrade_action === 'update_progress') {
    if (!running) throw conflict('Cannot update progress, cluster upgrade has not been started');
    const percent = body.upgrade_percent_complete;
    if (percent === undefined || percent < 0 || percent > 100) throw badRequest('Cannot update upgrade percent complete, the value needs to be in the range of 0 to 100');
    if (cluster.upgrade_correlation_id !== correlation) throw conflict('Cannot update progress, given correlation id does not match the current update correlation id');
    await call.repo.update(T.Cluster, { ...cluster, upgrade_percent_complete: percent });
  } else if (running) {
    // Finishing an upgrade that is not running changes nothing, as in oVirt.
    const { upgrade_correlation_id: _c, ...rest } = cluster;
    await call.repo.update(T.Cluster, { ...rest, upgrade_in_progress: false, upgrade_percent_complete: 0 });
    await recordEvent(call.repo, clusterEvent(cluster, `Upgrade of cluster ${String(cluster.name)} finished.`));
  }
  return { status: 'complete' };
}

export const clusters = implement(S.Clusters, storedCollection(S.Clusters, hooks));
export const clusterEntity = implement(S.ClusterEntity, {
  ...storedEntity(S.Clusters, S.ClusterEntity, hooks), actions: { syncallnetworks: syncClusterNetworks, resetemulatedmachine, upgrade },
});
// The same clusters seen from their data center.
export const dataCenterClusters = implement(S.DataCenterClusters, storedCollection(S.DataCenterClusters, hooks));
export const dataCenterCluster = implement(S.DataCenterCluster, storedEntity(S.DataCenterClusters, S.DataCenterCluster, hooks));
