// Quotas of a data center and their limits: how many vCPUs and how much memory the running VMs
// charged to a quota may use in each cluster, and how much disk space its disks in each storage
// domain. Usage figures are read from the VMs and disks when a limit is read.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { dec, defineEntity, int, link, links } from '../meta';
import { Cluster } from './cluster';
import { DataCenter } from './datacenter';
import { StorageDomain } from './storage';
import { Permission } from './user';

/** A percentage of a limit, as oVirt's quota dialogs take it. */
const PERCENT = { min: 0, max: 100 };
/** A limit: -1 for no limit, else at least 0. */
const LIMIT = { min: -1 };

export const Quota = defineEntity('Quota', { inherits: 'data_center', doc: 'A resource quota of a data center.' }, {
  cluster_hard_limit_pct: int('How far past a cluster limit, in percent of it, consumption may go before it is refused.', { range: PERCENT }),
  cluster_soft_limit_pct: int('Percent of a cluster limit past which consumption is worth a warning.', { range: PERCENT }),
  storage_hard_limit_pct: int('How far past a storage limit, in percent of it, consumption may go before it is refused.', { range: PERCENT }),
  storage_soft_limit_pct: int('Percent of a storage limit past which consumption is worth a warning.', { range: PERCENT }),
  data_center: link(() => DataCenter, 'Data center of the quota.'),
  permissions: links(() => Permission, 'Permissions granted on the quota.', { rel: 'permissions' }),
  quota_cluster_limits: links(() => QuotaClusterLimit, 'vCPU and memory limits of the quota.', { rel: 'quotaclusterlimits' }),
  quota_storage_limits: links(() => QuotaStorageLimit, 'Storage limits of the quota.', { rel: 'quotastoragelimits' }),
});

export const QuotaClusterLimit = defineEntity('QuotaClusterLimit', { inherits: 'quota', doc: 'A vCPU and memory limit of a quota, in one cluster or in all of them.' }, {
  memory_limit: dec('Memory the running VMs may use, in GiB; -1 for no limit.', { range: LIMIT }),
  memory_usage: dec('Memory the running VMs charged to the quota use, in GiB.', { readOnly: true }),
  vcpu_limit: int('vCPUs the running VMs may use; -1 for no limit.', { range: LIMIT }),
  vcpu_usage: int('vCPUs the running VMs charged to the quota use.', { readOnly: true }),
  cluster: link(() => Cluster, 'Cluster the limit applies to; none: every cluster of the data center together.'),
  quota: link(() => Quota, 'Quota of the limit.'),
});

export const QuotaStorageLimit = defineEntity('QuotaStorageLimit', { inherits: 'quota', doc: 'A storage limit of a quota, on one storage domain or on all of them.' }, {
  limit: int('Provisioned size the disks may take, in GiB; -1 for no limit.', { range: LIMIT }),
  usage: dec('Provisioned size of the disks charged to the quota, in GiB.', { readOnly: true }),
  quota: link(() => Quota, 'Quota of the limit.'),
  storage_domain: link(() => StorageDomain, 'Storage domain the limit applies to; none: every storage domain of the data center together.'),
});
