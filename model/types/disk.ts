// Disks, disk attachments and image transfers.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, enumOf, int, link, links, own, str, struct, via } from '../meta';
import { Snapshot } from './vm';
import { Statistic } from './common';
import {
  DiskBackup,
  DiskBackupMode,
  DiskContentType,
  DiskFormat,
  DiskInterface,
  DiskStatus,
  DiskStorageType,
  ImageTransferDirection,
  ImageTransferPhase,
  ImageTransferTimeoutPolicy,
  QcowVersion,
  ScsiGenericIO,
} from './enums';
import { Host } from './host';
import { Backup } from './backup';
import { OpenStackVolumeType } from './misc';
import { Quota } from './quota';
import { DiskProfile } from './config';
import { HostStorage, Image, StorageDomain } from './storage';
import { InstanceType, Template } from './template';
import { Permission } from './user';
import { Vm } from './vm';

export const Disk = defineEntity('Disk', {
  search: { alias: own('alias'), status: own('status'), format: own('format'), provisioned_size: own('provisioned_size'), storage: via('storage_domain') },
  inherits: 'storage_domain', doc: 'A virtual disk.' }, {
  instance_type: link(() => InstanceType, 'Instance type the device belongs to.'),
  template: link(() => Template, 'Template the device belongs to.'),
  vm: link(() => Vm, 'Virtual machine the device belongs to.'),
  vms: links(() => Vm, 'Virtual machines using the device.', { allContent: true }),
  active: bool('Whether the disk is active in the virtual machine.'),
  actual_size: int('Space the disk really occupies on storage, in bytes.', { readOnly: true }),
  alias: str('Short name of the disk.'),
  backup: enumOf(DiskBackup, 'Backup mode enabled for the disk.'),
  backup_mode: enumOf(DiskBackupMode, 'Backup mode used for the disk.'),
  bootable: bool('Whether the disk is bootable.'),
  content_type: enumOf(DiskContentType, 'Kind of data the disk holds.'),
  external_disk: str('Reference of the disk in an external system.'),
  format: enumOf(DiskFormat, 'Format of the disk image.'),
  image_id: str('Identifier of the current image volume.', { readOnly: true }),
  initial_size: int('Initial allocation for sparse disks, in bytes.'),
  interface: enumOf(DiskInterface, 'Bus or device model used to present it to the guest.'),
  logical_name: str('Device name seen inside the guest.', { readOnly: true }),
  lun_storage: struct(() => HostStorage, 'Storage of a direct LUN disk.'),
  propagate_errors: bool('Whether I/O errors are passed to the guest.'),
  provisioned_size: int('Size seen by the guest, in bytes.'),
  qcow_version: enumOf(QcowVersion, 'QCOW format version.'),
  read_only: bool('Whether the disk is read-only.'),
  sgio: enumOf(ScsiGenericIO, 'SCSI generic I/O mode.'),
  shareable: bool('Whether several virtual machines may attach the disk.'),
  sparse: bool('Whether space is allocated on demand.'),
  status: enumOf(DiskStatus, 'Current status of the disk.', { readOnly: true, column: true }),
  storage_type: enumOf(DiskStorageType, 'Kind of storage behind the disk.'),
  total_size: int('Size including snapshots, in bytes.', { readOnly: true }),
  uses_scsi_reservation: bool('Whether SCSI reservation is allowed.'),
  wipe_after_delete: bool('Whether data is wiped when removed.'),
  disk_profile: link(() => DiskProfile, 'Disk profile applied to the disk.'),
  disk_snapshots: links(() => DiskSnapshot, 'Snapshots of disks.', { readOnly: true, rel: 'disksnapshots' }),
  openstack_volume_type: link(() => OpenStackVolumeType, 'OpenStack volume type of the disk.'),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  quota: link(() => Quota, 'Quota charged for the disk.'),
  snapshot: link(() => Snapshot, 'Snapshot the disk belongs to.'),
  statistics: links(() => Statistic, 'Statistics of the disk.', { readOnly: true, rel: 'statistics' }),
  storage_domain: link(() => StorageDomain, 'Storage domain holding the disk.'),
  storage_domains: links(() => StorageDomain, 'Storage domains holding copies of the disk.'),
});

export const DiskAttachment = defineEntity('DiskAttachment', { inherits: 'vm', doc: 'How a disk is connected to a virtual machine or template.' }, {
  active: bool('Whether the disk is active (plugged) in the virtual machine.'),
  bootable: bool('Whether the disk is bootable.'),
  interface: enumOf(DiskInterface, 'Bus or device model used to present it to the guest.'),
  logical_name: str('Device name seen inside the guest.', { readOnly: true }),
  pass_discard: bool('Whether discard requests reach the storage.'),
  read_only: bool('Whether the disk is read-only.'),
  uses_scsi_reservation: bool('Whether SCSI reservation is allowed.'),
  disk: link(() => Disk, 'The attached disk.'),
  template: link(() => Template, 'Template the disk is attached to.'),
  vm: link(() => Vm, 'Virtual machine the disk is attached to.'),
});

export const ImageTransfer = defineEntity('ImageTransfer', { inherits: 'disk', doc: 'An upload or download of disk data through the image proxy.' }, {
  active: bool('Whether the transfer is currently moving data.', { readOnly: true }),
  direction: enumOf(ImageTransferDirection, 'Whether data is uploaded or downloaded.'),
  format: enumOf(DiskFormat, 'Format of the data transferred.'),
  inactivity_timeout: int('Seconds of inactivity before the transfer is paused.'),
  phase: enumOf(ImageTransferPhase, 'Current phase of the transfer.', { readOnly: true, column: true }),
  proxy_url: str('Address of the image proxy for the transfer.', { readOnly: true }),
  shallow: bool('Whether only the top volume is transferred.'),
  timeout_policy: enumOf(ImageTransferTimeoutPolicy, 'What happens when the transfer times out.'),
  transfer_url: str('Address to transfer data directly from the host.', { readOnly: true }),
  transferred: int('Bytes transferred so far.', { readOnly: true }),
  backup: link(() => Backup, 'Backup this transfer belongs to.'),
  disk: link(() => Disk, 'Disk being transferred.'),
  host: link(() => Host, 'Host that serves the transfer.'),
  image: link(() => Image, 'Image being transferred.'),
  snapshot: link(() => DiskSnapshot, 'Disk snapshot being transferred.'),
});

export const DiskSnapshot = defineEntity('DiskSnapshot', { doc: 'A disk as a snapshot captured it: one volume of its chain.', extends: () => Disk, inherits: 'disk' }, {
  disk: link(() => Disk, 'The disk this is a snapshot of.'),
  parent: link(() => DiskSnapshot, 'The snapshot this one was taken on top of.'),
});
