// Data centers.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, enumOf, link, linkedFrom, links, listOf, own, struct } from '../meta';
import { Cluster } from './cluster';
import { Version } from './common';
import { DataCenterStatus, QuotaModeType, StorageFormat } from './enums';
import { IscsiBond } from './misc';
import { Quota } from './quota';
import { Qos } from './config';
import { MacPool } from './mac-pool';
import { Network } from './network';
import { StorageDomain } from './storage';
import { Permission } from './user';

export const DataCenter = defineEntity('DataCenter', {
  search: { status: own('status'), storage: linkedFrom(() => StorageDomain, 'data_center'), cluster: linkedFrom(() => Cluster, 'data_center'), clusters: linkedFrom(() => Cluster, 'data_center') },
  doc: 'A logical grouping of clusters, networks and storage domains.' }, {
  local: bool('Whether storage is local to the hosts.'),
  quota_mode: enumOf(QuotaModeType, 'How quotas are enforced.'),
  status: enumOf(DataCenterStatus, 'Current status of the data center.', { readOnly: true, column: true }),
  storage_format: enumOf(StorageFormat, 'Storage format version.'),
  supported_versions: listOf(() => Version, 'Compatibility versions supported.', { readOnly: true }),
  version: struct(() => Version, 'Compatibility version of the data center.'),
  clusters: links(() => Cluster, 'Clusters of the data center.', { rel: 'clusters' }),
  iscsi_bonds: links(() => IscsiBond, 'iSCSI bonds of the data center.', { rel: 'iscsibonds' }),
  mac_pool: link(() => MacPool, 'MAC address pool of the data center.'),
  networks: links(() => Network, 'Networks of the data center.', { rel: 'networks' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  qoss: links(() => Qos, 'Quality-of-service definitions.', { rel: 'qoss' }),
  quotas: links(() => Quota, 'Quotas of the data center.', { rel: 'quotas' }),
  storage_domains: links(() => StorageDomain, 'Storage domains attached to the data center.', { rel: 'storagedomains' }),
});
