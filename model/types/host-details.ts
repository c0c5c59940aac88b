// What a host reports about itself beyond its own representation (hooks, devices, NUMA nodes,
// CPU units) and what it is given to reach hardware and storage (fence agents, iSCSI credentials).
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, int, link, links, listOf, str, struct } from '../meta';
import { Option, Statistic } from './common';
import { Host } from './host';
import { Cpu, Vm } from './vm';

export const Agent = defineEntity('Agent', { doc: 'A fence agent of a host.', inherits: 'host' }, {
  address: str('Address of the power management device.'),
  concurrent: bool('Whether the agent is used together with the others of its order.'),
  encrypt_options: bool('Whether the options are encrypted.'),
  options: listOf(() => Option, 'Extra options passed to the fence agent.'),
  order: int('Order in which agents are tried; agents of one order are used concurrently.', { column: true }),
  password: str('Password for the power management device.', { secret: true }),
  port: int('Port of the power management device.'),
  type: str('Fence agent type (`ipmilan`, `drac7`, ...).'),
  username: str('User name for the power management device.'),
  host: link(() => Host, 'The host the agent fences.'),
});

export const Hook = defineEntity('Hook', { computed: true, doc: 'A VDSM hook installed on a host.', inherits: 'host' }, {
  event_name: str('The event the hook runs on (`before_vm_start`).'),
  md5: str('MD5 checksum of the hook script.'),
  host: link(() => Host, 'The host the hook is installed on.'),
});

export const NumaNode = defineEntity('NumaNode', { computed: true, doc: 'A NUMA node of a host.', element: 'host_numa_node', inherits: 'host' }, {
  cpu: struct(() => Cpu, 'CPU cores of the node.'),
  index: int('Number of the node.'),
  memory: int('Memory of the node, in MiB.'),
  node_distance: str('Distances to the nodes, in node order.'),
  host: link(() => Host, 'The host of the node.'),
  statistics: links(() => Statistic, 'Figures of the node.', { readOnly: true, rel: 'statistics' }),
});

export const HostCpuUnit = defineEntity('HostCpuUnit', { computed: true, doc: 'A physical CPU of a host and what it runs.' }, {
  core_id: int('Core of the CPU.'),
  cpu_id: int('Number of the CPU.'),
  runs_vdsm: bool('Whether VDSM is pinned to the CPU.'),
  socket_id: int('Socket of the CPU.'),
  vms: links(() => Vm, 'Virtual machines pinned to the CPU.'),
});

export const StorageConnectionExtension = defineEntity('StorageConnectionExtension', { doc: 'Per-host credentials for an iSCSI target.', inherits: 'host' }, {
  password: str('Password for the target.', { secret: true }),
  target: str('iSCSI target name.', { column: true }),
  username: str('User name for the target.'),
  host: link(() => Host, 'The host using the credentials.'),
});
