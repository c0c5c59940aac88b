// The engine's configuration lists: quality of service and the profiles that apply it, storage
// connections, bookmarks, system options, network filters and labels, cluster features, icons.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { defineEntity, defineStruct, enumOf, int, link, links, listOf, str, struct } from '../meta';
import { Cluster } from './cluster';
import { ClusterLevel } from './catalogs';
import { Version } from './common';
import { DataCenter } from './datacenter';
import { NfsVersion, QosType, StorageType } from './enums';
import { Host } from './host';
import { GlusterVolume } from './misc';
import { StorageDomain } from './storage';
import { Permission } from './user';

/** oVirt's bounds of QoS limits (its engine's MaxThroughputUpperBoundQosStorage and the like). */
const PERCENT = { min: 1, max: 100 };
const STORAGE_LIMIT = { min: 0, max: 1000000 };
const limit = (doc: string, range: { min: number; max: number }) => int(doc, { range });

export const Qos = defineEntity('Qos', { inherits: 'data_center', doc: 'A quality-of-service definition of a data center.' }, {
  type: enumOf(QosType, 'What the QoS limits: storage, CPU, VM network or host network traffic.', { column: true }),
  max_throughput: limit('Storage: total throughput, in MB/s.', STORAGE_LIMIT),
  max_read_throughput: limit('Storage: read throughput, in MB/s.', STORAGE_LIMIT),
  max_write_throughput: limit('Storage: write throughput, in MB/s.', STORAGE_LIMIT),
  max_iops: limit('Storage: total I/O operations per second.', STORAGE_LIMIT),
  max_read_iops: limit('Storage: read operations per second.', STORAGE_LIMIT),
  max_write_iops: limit('Storage: write operations per second.', STORAGE_LIMIT),
  cpu_limit: limit('CPU: share of the host\'s CPU, in percent.', PERCENT),
  inbound_average: limit('Network: average inbound rate, in Mbps.', { min: 0, max: 1024 }),
  inbound_peak: limit('Network: peak inbound rate, in Mbps.', { min: 0, max: 2048 }),
  inbound_burst: limit('Network: inbound burst, in MB.', { min: 0, max: 10240 }),
  outbound_average: limit('Network: average outbound rate, in Mbps.', { min: 0, max: 1024 }),
  outbound_peak: limit('Network: peak outbound rate, in Mbps.', { min: 0, max: 2048 }),
  outbound_burst: limit('Network: outbound burst, in MB.', { min: 0, max: 10240 }),
  outbound_average_linkshare: limit('Host network: weighted share of the link.', PERCENT),
  outbound_average_upperlimit: limit('Host network: outbound rate ceiling, in Mbps.', STORAGE_LIMIT),
  outbound_average_realtime: limit('Host network: committed outbound rate, in Mbps.', STORAGE_LIMIT),
  data_center: link(() => DataCenter, 'Data center the QoS belongs to.'),
});

export const CpuProfile = defineEntity('CpuProfile', { inherits: 'cluster', doc: 'A CPU profile of a cluster: the CPU QoS its VMs run with.' }, {
  qos: link(() => Qos, 'CPU QoS of the profile, of the cluster\'s data center.'),
  cluster: link(() => Cluster, 'Cluster the profile belongs to.'),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
});

export const DiskProfile = defineEntity('DiskProfile', { inherits: 'storage_domain', doc: 'A disk profile of a storage domain: the storage QoS its disks have.' }, {
  qos: link(() => Qos, 'Storage QoS of the profile, of the domain\'s data center.'),
  storage_domain: link(() => StorageDomain, 'Storage domain the profile belongs to.'),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
});

export const StorageConnection = defineEntity('StorageConnection', { doc: 'A connection to a storage server, as storage domains use them.' }, {
  address: str('Address of the storage server.'),
  type: enumOf(StorageType, 'Storage technology.', { column: true }),
  path: str('Path on the storage server.'),
  mount_options: str('Extra mount options.'),
  vfs_type: str('File system type.'),
  nfs_version: enumOf(NfsVersion, 'NFS protocol version.'),
  nfs_timeo: int('NFS timeout, in tenths of a second.'),
  nfs_retrans: int('NFS retransmission count.'),
  port: int('Port of the iSCSI server.'),
  target: str('iSCSI target name.'),
  username: str('User name for the storage server.'),
  password: str('Password for the storage server.', { secret: true }),
  portal: str('iSCSI portal.'),
  gluster_volume: link(() => GlusterVolume, 'Gluster volume of the connection.'),
  host: link(() => Host, 'Host through which the storage is reached.'),
});

export const Bookmark = defineEntity('Bookmark', { doc: 'A saved search.' }, {
  value: str('The search query.'),
});

export const SystemOptionValue = defineStruct('SystemOptionValue', { doc: 'The value of a system option at one cluster level.' }, {
  value: str('The value, as text.', { readOnly: true }),
  version: str('The cluster level the value applies to (`general` for all).', { readOnly: true }),
});

export const SystemOption = defineEntity('SystemOption', { computed: true, element: 'system_option', doc: 'A setting of the engine\'s configuration, by name.' }, {
  values: listOf(() => SystemOptionValue, 'Its values, per cluster level.', { readOnly: true }),
});

export const NetworkFilter = defineEntity('NetworkFilter', { doc: 'A libvirt network filter vNIC profiles may apply.' }, {
  version: struct(() => Version, 'The cluster level since which the filter is offered.', { readOnly: true }),
});

export const ClusterFeature = defineEntity('ClusterFeature', { computed: true, doc: 'An optional feature that can be enabled in a cluster.' }, {
  cluster_level: link(() => ClusterLevel, 'The cluster level offering the feature.'),
});

export const Icon = defineEntity('Icon', { computed: true, doc: 'An icon image of an operating system.' }, {
  media_type: str('Media type of the image (`image/png`).', { readOnly: true }),
  data: str('The image, base64-encoded.', { readOnly: true }),
});
