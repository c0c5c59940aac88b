// Pools of virtual machines made from one template, which users take VMs from.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, enumOf, int, link, links, own, struct, via } from '../meta';
import { Cluster } from './cluster';
import { VmPoolType } from './enums';
import { InstanceType, Template } from './template';
import { Permission } from './user';
import { Display, RngDevice, Vm } from './vm';

export const VmPool = defineEntity('VmPool', {
  inherits: 'cluster',
  search: { type: own('type'), cluster: via('cluster'), datacenter: via(['cluster', 'data_center']) },
  doc: 'A pool of virtual machines created from one template.',
}, {
  auto_storage_select: bool('Whether the storage domain of each VM\'s disks is chosen automatically.'),
  display: struct(() => Display, 'Display settings of the pool\'s VMs (deprecated: the VMs\' own display applies).'),
  max_user_vms: int('How many VMs of the pool one user may take.', { range: { min: 1 } }),
  prestarted_vms: int('How many VMs of the pool are kept running, free for users to take.', { range: { min: 0 } }),
  rng_device: struct(() => RngDevice, 'Random number generator device of the pool\'s VMs.'),
  size: int('Number of VMs in the pool.', { range: { min: 0 } }),
  soundcard_enabled: bool('Whether the pool\'s VMs have a sound card.'),
  stateful: bool('Whether the pool\'s VMs keep their changes when they stop.'),
  tpm_enabled: bool('Whether the pool\'s VMs have a TPM device.'),
  type: enumOf(VmPoolType, 'How VMs come back to the pool.'),
  use_latest_template_version: bool('Whether the pool\'s VMs follow the latest version of the template.'),
  cluster: link(() => Cluster, 'Cluster the pool\'s VMs run in.'),
  instance_type: link(() => InstanceType, 'Instance type the pool\'s VMs take their hardware from.'),
  permissions: links(() => Permission, 'Permissions granted on the pool.', { rel: 'permissions' }),
  template: link(() => Template, 'Template the pool\'s VMs are made from.'),
  vm: link(() => Vm, 'Settings the pool\'s VMs take over the template\'s.'),
});
