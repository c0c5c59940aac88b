// Networks assigned to clusters (`/clusters/{id}/networks`), as oVirt's engine keeps them: a
// network of the cluster's data center, required or not, with its roles in the cluster. Each of
// the roles management, display, migration, default route and gluster is held by one network of
// a cluster at a time: giving it to one takes it from the others. The management network always
// has one and is never unassigned; it moves only while the cluster has no hosts.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load } from './stored';
import { conflict, notFound } from './fault';
import { refTo, resolve } from './refs';
import { StoredObj } from './store/repo';
import { MANAGEMENT_NETWORK, assignManagementNetwork } from './store/management-network';

type ClusterObj = StoredObj<typeof T.Cluster>;
type NetworkObj = StoredObj<typeof T.Network>;
type AssignmentObj = StoredObj<typeof T.ClusterNetwork>;
type Role = NonNullable<ObjOf<typeof T.ClusterNetwork>['usages']>[number];

/** `vm` is the network's own usage, the same in every cluster; the others are roles in one cluster. */
const isRole = (u: Role) => u !== 'vm';

const assignmentsOf = (call: Call, clusterId: string) => call.repo.list(T.ClusterNetwork, { cluster: clusterId });

/** The network as the cluster sees it. */
function view(network: NetworkObj, a: AssignmentObj): Obj {
  const roles = a.usages ?? [];
  const own = (network.usages ?? []).filter((u) => !isRole(u));
  return { ...network, cluster: refTo({ id: a.cluster!.id }), required: a.required, display: roles.includes('display'), usages: [...own, ...roles] };
}

/** The cluster addressed, and the assignment of the network `scope[1]` to it. */
async function assigned(call: Call): Promise<{ cluster: ClusterObj; assignment: AssignmentObj; network: NetworkObj }> {
  const cluster = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Clusters);
  const [assignment] = await call.repo.list(T.ClusterNetwork, { cluster: cluster.id, network: call.scope[1] });
  const network = assignment && (await call.repo.get(T.Network, call.scope[1]));
  if (!network) throw notFound(`Network '${call.scope[1]}' is not assigned to Cluster ${String(cluster.name)}`);
  return { cluster, assignment, network };
}

/** The roles asked by a body: `usages` replaces them, `display` gives or takes that one. */
function rolesAsked(body: ObjOf<typeof T.Network>, current: readonly Role[]): Role[] {
  const roles = new Set(body.usages ? body.usages.filter(isRole) : current);
  if (body.display === true) roles.add('display');
  if (body.display === false) roles.delete('display');
  return [...roles];
}

/**
 * Stores the assignment `a` with `roles`, taking each role from the cluster's other networks.
 * The management role must stay with some network, and moves only in a cluster without hosts.
 */
async function saveRoles(call: Call, cluster: ClusterObj, network: NetworkObj, a: AssignmentObj, roles: Role[], isNew: boolean): Promise<void> {
  const had = a.usages ?? [];
  const what = `Cannot ${isNew ? 'assign' : 'update'} Network ${String(network.name)} on Cluster ${String(cluster.name)}`;
  if (had.includes('management') && !roles.includes('management')) {
    throw conflict(`${what}: it is the cluster's management network; give that role to another network instead`);
  }
  const takesManagement = roles.includes('management') && !had.includes('management');
  if (takesManagement && (await call.repo.count(T.Host, { cluster: cluster.id })) > 0) {
    throw conflict(`${what}: the management network of a cluster with hosts cannot change`);
  }
  const next = { ...a, usages: roles };
  if (isNew) await call.repo.insert(T.ClusterNetwork, next);
  else await call.repo.update(T.ClusterNetwork, next);
  for (const other of await assignmentsOf(call, cluster.id)) {
    const kept = (other.usages ?? []).filter((u) => !roles.includes(u));
    if (other.id !== a.id && kept.length !== (other.usages ?? []).length) await call.repo.update(T.ClusterNetwork, { ...other, usages: kept });
  }
  if (takesManagement) await call.repo.update(T.Cluster, { ...cluster, management_network: refTo(network) });
}

export const clusterNetworks = implement(S.ClusterNetworks, {
  async list(call, o) {
    const cluster = await load(call, S.Clusters);
    const found = await Promise.all((await assignmentsOf(call, cluster.id)).map(async (a) => {
      const network = await call.repo.get(T.Network, String(a.network!.id));
      return network && view(network, a);
    }));
    return found.filter((n) => n !== undefined).slice(0, o.max);
  },
  async add(call, body) {
    const cluster = await load(call, S.Clusters);
    const dataCenter = { data_center: String(cluster.data_center!.id) };
    // By name among the networks of the cluster's data center, where names are unique.
    const network = await resolve(call.repo, T.Network, body, 'network', body.id === undefined ? dataCenter : {});
    if (network.data_center?.id !== dataCenter.data_center) {
      throw conflict(`Cannot assign Network ${String(network.name)} to Cluster ${String(cluster.name)}: the network belongs to another data center`);
    }
    if ((await call.repo.count(T.ClusterNetwork, { cluster: cluster.id, network: network.id })) > 0) {
      throw conflict(`Cannot assign Network ${String(network.name)} to Cluster ${String(cluster.name)}: it is already assigned`);
    }
    // oVirt makes a newly assigned network required unless told otherwise.
    const a: AssignmentObj = { id: randomUUID(), cluster: refTo(cluster), network: refTo(network), required: body.required ?? true, usages: [] };
    await saveRoles(call, cluster, network, a, rolesAsked(body, []), true);
    return view(network, (await call.repo.get(T.ClusterNetwork, a.id))!);
  },
});

export const clusterNetwork = implement(S.ClusterNetwork, {
  async get(call) {
    const { assignment, network } = await assigned(call);
    return view(network, assignment);
  },
  async update(call, changes) {
    const { cluster, assignment, network } = await assigned(call);
    const a = { ...assignment, required: changes.required ?? assignment.required };
    await saveRoles(call, cluster, network, a, rolesAsked(changes, assignment.usages ?? []), false);
    return view(network, (await call.repo.get(T.ClusterNetwork, a.id))!);
  },
  async remove(call) {
    const { cluster, assignment, network } = await assigned(call);
    if (assignment.usages?.includes('management')) {
      throw conflict(`Cannot unassign Network ${String(network.name)} from Cluster ${String(cluster.name)}: it is the cluster's management network`);
    }
    const hosts = await hostsCarrying(call, cluster.id, network.id);
    if (hosts.length) {
      throw conflict(`Cannot unassign Network ${String(network.name)} from Cluster ${String(cluster.name)}: hosts ${hosts.join(', ')} have it attached`);
    }
    const users = await vmsUsing(call, cluster.id, network.id);
    if (users.length) {
      throw conflict(`Cannot unassign Network ${String(network.name)} from Cluster ${String(cluster.name)}: NICs of ${users.join(', ')} use it`);
    }
    await call.repo.remove(T.ClusterNetwork, assignment.id);
  },
});

/** The names of the cluster's hosts with the network attached (all hosts, without `clusterId`). */
export async function hostsCarrying(call: Call, clusterId: string | undefined, networkId: string): Promise<string[]> {
  const names: string[] = [];
  for (const a of await call.repo.list(T.NetworkAttachment, { network: networkId })) {
    const host = await call.repo.get(T.Host, String(a.host!.id));
    if (host && (clusterId === undefined || host.cluster?.id === clusterId)) names.push(String(host.name));
  }
  return names;
}

/** The names of the cluster's VMs with a NIC on a profile of the network. */
async function vmsUsing(call: Call, clusterId: string, networkId: string): Promise<string[]> {
  const profiles = new Set((await call.repo.list(T.VnicProfile, { network: networkId })).map((p) => p.id));
  const names: string[] = [];
  for (const vm of await call.repo.list(T.Vm, { cluster: clusterId })) {
    const nics = await call.repo.list(T.Nic, { vm: vm.id });
    if (nics.some((n) => profiles.has(String(n.vnic_profile?.id)))) names.push(String(vm.name));
  }
  return names;
}

/** A new cluster gets the management network it names, else its data center's `ovirtmgmt`. */
export async function assignNewClusterManagement(call: Call, cluster: ClusterObj): Promise<void> {
  const dataCenter = { data_center: String(cluster.data_center!.id) };
  const named = cluster.management_network ?? { name: MANAGEMENT_NETWORK };
  const network = await resolve(call.repo, T.Network, named, 'management_network', isObj(named) && named.id !== undefined ? {} : dataCenter);
  if (network.data_center?.id !== dataCenter.data_center) {
    throw conflict(`Cannot add Cluster ${String(cluster.name)}: its management network ${String(network.name)} belongs to another data center`);
  }
  await assignManagementNetwork(call.repo, cluster, network.id);
}

/** A network that is the management network of a cluster is not removed. */
export async function refuseManagementRemoval(call: Call, network: NetworkObj): Promise<void> {
  const held = (await call.repo.list(T.ClusterNetwork, { network: network.id })).filter((a) => a.usages?.includes('management'));
  if (held.length) {
    const names = await Promise.all(held.map(async (a) => String((await call.repo.get(T.Cluster, String(a.cluster!.id)))?.name)));
    throw conflict(`Cannot remove Network ${String(network.name)}: it is the management network of Cluster ${names.join(', ')}`);
  }
}

/**
 * The vNIC profile a VM NIC names, which must be of a network assigned to the VM's cluster. By
 * name, it is the one of that name on the cluster's networks (each data center has an ovirtmgmt).
 */
export async function profileForNic(call: Call, vmId: string, ref: unknown, verb: string): Promise<StoredObj<typeof T.VnicProfile>> {
  const vm = (await call.repo.get(T.Vm, vmId))!;
  const cluster = (await call.repo.get(T.Cluster, String(vm.cluster!.id)))!;
  const networks = new Set((await assignmentsOf(call, cluster.id)).map((a) => String(a.network!.id)));
  const byName = isObj(ref) && ref.id === undefined && ref.name !== undefined
    ? (await call.repo.list(T.VnicProfile, {}, { where: { name: String(ref.name) } })).filter((p) => networks.has(String(p.network!.id)))
    : [];
  const profile = byName.length === 1 ? byName[0] : await resolve(call.repo, T.VnicProfile, ref, 'vnic_profile');
  if (!networks.has(String(profile.network!.id))) {
    const network = await call.repo.get(T.Network, String(profile.network!.id));
    throw conflict(`Cannot ${verb} NIC of VM ${String(vm.name)}: vNIC profile ${String(profile.name)} is of Network ${String(network?.name)}, which is not assigned to Cluster ${String(cluster.name)}`);
  }
  return profile;
}
