// Which networks are assigned to which clusters. oVirt's model has no type for it: its engine
// keeps the `network_cluster` table. Here each row links one network to one cluster with what
// the network is there (required, its roles); no collection serves it, `/clusters/{id}/networks`
// shows the networks as the cluster sees them, and the `cluster` search field of networks reads it.

import { bool, defineEntity, link, listOf, via } from '../meta';
import { Cluster } from './cluster';
import { NetworkUsage } from './enums';
import { Network } from './network';

export const ClusterNetwork = defineEntity('ClusterNetwork', {
  doc: 'A network assigned to a cluster.',
  search: { cluster: via('cluster') },
}, {
  cluster: link(() => Cluster, 'The cluster the network is assigned to.'),
  network: link(() => Network, 'The network assigned.'),
  required: bool('Whether the cluster\'s hosts must have the network to be operational.'),
  usages: listOf(NetworkUsage, 'The roles the network has in the cluster (management, display, migration, ...).', { item: 'usage' }),
});
