// The management network: every data center has one, `ovirtmgmt`, made with it, and every
// cluster has it assigned from its creation, with the management, display, migration and
// default-route roles, as oVirt's engine does.
import { randomUUID } from 'node:crypto';
import { ObjOf } from '../../model/meta';
import * as T from '../../model/types';
import { Repo } from './repo';

export const MANAGEMENT_NETWORK = 'ovirtmgmt';
/** The roles the management network has in a new cluster. */
export const MANAGEMENT_ROLES = ['management', 'display', 'migration', 'default_route'] as const;

/** Makes the management network of a new data center, with its vNIC profile. */
export async function addManagementNetwork(repo: Repo, dataCenterId: string): Promise<ObjOf<typeof T.Network>> {
  const network = await repo.insert(T.Network, {
    id: randomUUID(),
    name: MANAGEMENT_NETWORK,
    description: 'Management Network',
    mtu: 0,
    stp: false,
    usages: ['vm'],
    data_center: { id: dataCenterId },
  });
  await repo.insert(T.VnicProfile, { id: randomUUID(), name: MANAGEMENT_NETWORK, port_mirroring: false, network: { id: network.id } });
  return network;
}

/** Assigns `networkId` to the cluster as its management network, and names it so on the cluster. */
export async function assignManagementNetwork(repo: Repo, cluster: ObjOf<typeof T.Cluster>, networkId: string): Promise<void> {
  await repo.insert(T.ClusterNetwork, {
    id: randomUUID(), cluster: { id: cluster.id }, network: { id: networkId }, required: true, usages: [...MANAGEMENT_ROLES],
  });
  await repo.update(T.Cluster, { ...cluster, management_network: { id: networkId } });
}
