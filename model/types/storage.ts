// Storage domains and the storage behind them.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, defineStruct, enumOf, int, link, links, listOf, own, str, struct, via } from '../meta';
import { DiskSnapshot } from './disk';
import { Property } from './common';
import { DataCenter } from './datacenter';
import { Disk } from './disk';
import {
  ExternalStatus,
  ImageFileType,
  LunStatus,
  NfsVersion,
  StorageDomainStatus,
  StorageDomainType,
  StorageFormat,
  StorageType,
} from './enums';
import { Host } from './host';
import { DiskProfile, StorageConnection } from './config';
import { Template } from './template';
import { Permission } from './user';
import { Vm } from './vm';

export const StorageDomain = defineEntity('StorageDomain', {
  search: { status: own('status'), type: own('type'), storage_type: own('storage.type'), datacenter: via('data_center') },
  inherits: 'data_center', doc: 'A storage area that holds disks, templates and other images.' }, {
  available: int('Free space, in bytes.', { readOnly: true }),
  backup: bool('Whether the domain holds backups only.'),
  block_size: int('Block size of the storage, in bytes.'),
  committed: int('Space promised to disks, in bytes.', { readOnly: true }),
  critical_space_action_blocker: int('Free space, in GiB, below which actions are refused.'),
  discard_after_delete: bool('Whether space is discarded when disks are removed.'),
  external_status: enumOf(ExternalStatus, 'Health status set by an external system.'),
  import: bool('Whether the domain is imported rather than created.'),
  master: bool('Whether this is the master domain.', { readOnly: true }),
  status: enumOf(StorageDomainStatus, 'Current status of the domain.', { readOnly: true, column: true }),
  storage: struct(() => HostStorage, 'Storage details.'),
  storage_format: enumOf(StorageFormat, 'Storage format version.'),
  supports_discard: bool('Whether the storage supports discard.', { readOnly: true }),
  supports_discard_zeroes_data: bool('Whether discarded blocks read back as zeros.', { readOnly: true }),
  type: enumOf(StorageDomainType, 'Purpose of the domain.', { column: true }),
  used: int('Used space, in bytes.', { readOnly: true }),
  warning_low_space_indicator: int('Free space percentage that triggers a warning.'),
  wipe_after_delete: bool('Whether data is wiped when removed.'),
  data_center: link(() => DataCenter, 'Data center the domain is seen through.'),
  data_centers: links(() => DataCenter, 'Data centers the domain is attached to.'),
  disk_profiles: links(() => DiskProfile, 'Disk profiles of the storage domain.', { rel: 'diskprofiles' }),
  disk_snapshots: links(() => DiskSnapshot, 'Snapshots of disks.', { rel: 'disksnapshots' }),
  disks: links(() => Disk, 'Disks stored in the domain.', { rel: 'disks' }),
  files: links(() => File, 'Files stored in the domain.', { rel: 'files' }),
  host: link(() => Host, 'Host used to reach the storage.'),
  images: links(() => Image, 'Images stored in the domain.', { rel: 'images' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  storage_connections: links(() => StorageConnection, 'Connections to the storage servers behind the domain.', { rel: 'storageconnections' }),
  templates: links(() => Template, 'Templates stored in the domain.', { rel: 'templates' }),
  vms: links(() => Vm, 'Virtual machines stored in the domain.', { rel: 'vms' }),
});

/** A volume found in a domain's directory that no disk of the engine's holds. */
export const Image = defineEntity('Image', { doc: 'A disk image stored in a storage domain.' }, {
  size: int('Virtual size of the image, in bytes.'),
  type: enumOf(ImageFileType, 'Kind of image.'),
  storage_domain: link(() => StorageDomain, 'Storage domain holding the image.'),
});

export const HostStorage = defineEntity('HostStorage', { doc: 'Details of the storage that backs a storage domain or a direct LUN.' }, {
  address: str('Address of the storage server.'),
  driver_options: listOf(() => Property, 'Options passed to the storage driver.'),
  driver_sensitive_options: listOf(() => Property, 'Secret options passed to the storage driver.', { secret: true }),
  logical_units: listOf(() => LogicalUnit, 'Logical units that make up the storage.'),
  mount_options: str('Extra mount options.'),
  nfs_retrans: int('NFS retransmission count.'),
  nfs_timeo: int('NFS timeout, in tenths of a second.'),
  nfs_version: enumOf(NfsVersion, 'NFS protocol version.'),
  override_luns: bool('Whether existing data on the LUNs may be overwritten.'),
  password: str('Password for the storage server.', { secret: true }),
  path: str('Path on the storage server.'),
  port: int('Port of the storage server.'),
  portal: str('iSCSI portal.'),
  target: str('iSCSI target name.'),
  type: enumOf(StorageType, 'Storage technology.'),
  username: str('User name for the storage server.'),
  vfs_type: str('File system type.'),
  volume_group: struct(() => VolumeGroup, 'LVM volume group.'),
  host: link(() => Host, 'Host through which the storage is seen.'),
});

export const File = defineEntity('File', { computed: true, inherits: 'storage_domain', doc: 'A file stored in an ISO domain or passed as a payload.' }, {
  content: str('File contents.'),
  type: str('Kind of file.'),
  storage_domain: link(() => StorageDomain, 'Storage domain holding the file.'),
});

export const LogicalUnit = defineStruct('LogicalUnit', { doc: 'A SCSI logical unit.' }, {
  active_paths: int('Number of active paths to the unit.', { readOnly: true }),
  address: str('Address of the iSCSI server.'),
  discard_max_size: int('Largest discard request the unit supports, in bytes.', { readOnly: true }),
  discard_zeroes_data: bool('Whether discarded blocks read back as zeros.', { readOnly: true }),
  disk_id: str('Identifier of the disk using the unit.', { readOnly: true }),
  id: str('SCSI identifier of the unit.'),
  lun_mapping: int('LUN number.', { readOnly: true }),
  password: str('CHAP password.', { secret: true }),
  paths: int('Number of paths.', { readOnly: true }),
  port: int('iSCSI port.'),
  portal: str('iSCSI portal.'),
  product_id: str('Product identifier.', { readOnly: true }),
  serial: str('Serial number of the unit.', { readOnly: true }),
  size: int('Size of the unit, in bytes.', { readOnly: true }),
  status: enumOf(LunStatus, 'Status of the unit.', { readOnly: true }),
  storage_domain_id: str('Identifier of the storage domain using the unit.', { readOnly: true }),
  target: str('iSCSI target name.'),
  username: str('CHAP user name.'),
  vendor_id: str('Vendor identifier.', { readOnly: true }),
  volume_group_id: str('Identifier of the volume group using the unit.', { readOnly: true }),
});

export const VolumeGroup = defineStruct('VolumeGroup', { doc: 'An LVM volume group on block storage.' }, {
  id: str('Identifier of the volume group.'),
  logical_units: listOf(() => LogicalUnit, 'Logical units in the volume group.'),
  name: str('Volume group name.'),
});

export const IscsiDetails = defineStruct('IscsiDetails', { doc: 'Details of an iSCSI target or LUN.' }, {
  address: str('Address of the iSCSI server.'),
  disk_id: str('Identifier of the disk using the unit.', { readOnly: true }),
  initiator: str('iSCSI initiator name.'),
  lun_mapping: int('LUN number.', { readOnly: true }),
  password: str('CHAP password.', { secret: true }),
  paths: int('Number of paths.', { readOnly: true }),
  port: int('iSCSI port.'),
  portal: str('iSCSI portal.'),
  product_id: str('Product identifier.', { readOnly: true }),
  serial: str('Serial number of the LUN.', { readOnly: true }),
  size: int('Size of the LUN, in bytes.', { readOnly: true }),
  status: str('Status of the LUN.', { readOnly: true }),
  storage_domain_id: str('Identifier of the storage domain using the unit.', { readOnly: true }),
  target: str('iSCSI target name.'),
  username: str('CHAP user name.'),
  vendor_id: str('Vendor identifier.', { readOnly: true }),
  volume_group_id: str('Identifier of the volume group using the unit.', { readOnly: true }),
});

export const StorageDomainLease = defineStruct('StorageDomainLease', { doc: 'A lease on a storage domain used for high availability.' }, {
  storage_domain: link(() => StorageDomain, 'Storage domain holding the lease.'),
});
