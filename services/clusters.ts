// Clusters: groups of hosts sharing a CPU type and the VMs that run on them.
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { Call, implement } from './behaviour';
import { mergeInto, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { resolve, refTo } from './refs';
import { COMPATIBILITY_VERSION } from './store/seed';
import { clusterPool } from './mac-pools';
import { assignNewClusterManagement } from './cluster-networks';
import { addDefaultCpuProfile } from './profiles';

async function prepare(call: Call, body: Obj): Promise<Obj> {
  const owner = call.scope.length ? { id: call.scope[0] } : body.data_center;
  const dc = await resolve(call.repo, T.DataCenter, owner, 'data_center');
  return {
    version: { ...COMPATIBILITY_VERSION },
    memory_policy: { over_commit: { percent: 100 } },
    ...body,
    cpu: { architecture: 'x86_64', ...(body.cpu as Obj | undefined) },
    data_center: refTo(dc),
    mac_pool: await clusterPool(call, body.mac_pool as Obj | undefined),
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
  },
};

export const clusters = implement(S.Clusters, storedCollection(S.Clusters, hooks));
export const clusterEntity = implement(S.ClusterEntity, storedEntity(S.Clusters, S.ClusterEntity, hooks));
// The same clusters seen from their data center.
export const dataCenterClusters = implement(S.DataCenterClusters, storedCollection(S.DataCenterClusters, hooks));
export const dataCenterCluster = implement(S.DataCenterCluster, storedEntity(S.DataCenterClusters, S.DataCenterCluster, hooks));
