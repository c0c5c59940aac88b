// Templates.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, date, defineEntity, defineStruct, enumOf, int, link, links, listOf, own, str, struct, via } from '../meta';
import { Cluster, MemoryPolicy, MigrationOptions, SerialNumber } from './cluster';
import { CustomProperty, Version } from './common';
import { DiskAttachment } from './disk';
import {
  AutoPinningPolicy,
  CpuPinningPolicy,
  TemplateStatus,
  VmStorageErrorResumeBehaviour,
  VmType,
} from './enums';
import { MEMORY, MEMORY_ORDER } from './limits';
import { CpuProfile, GraphicsConsole, Icon, Quota, VmMediatedDevice, Watchdog } from './misc';
import { Nic } from './network';
import { StorageDomain, StorageDomainLease } from './storage';
import { Domain, Permission, Tag } from './user';
import {
  Bios,
  Cdrom,
  Console,
  Cpu,
  Display,
  HighAvailability,
  Initialization,
  Io,
  OperatingSystem,
  RngDevice,
  Sso,
  TimeZone,
  Usb,
  VirtioScsi,
  Vm,
  VmPlacementPolicy,
} from './vm';

export const Template = defineEntity('Template', {
  search: { status: own('status'), memory: own('memory'), cluster: via('cluster'), datacenter: via(['cluster', 'data_center']) },
  inherits: 'cluster', ordered: MEMORY_ORDER, doc: 'A read-only image from which virtual machines are created.' }, {
  auto_pinning_policy: enumOf(AutoPinningPolicy, 'How CPU and NUMA pinning is computed automatically.'),
  bios: struct(() => Bios, 'BIOS settings.'),
  console: struct(() => Console, 'Serial console setting.'),
  cpu: struct(() => Cpu, 'CPU settings.'),
  cpu_pinning_policy: enumOf(CpuPinningPolicy, 'How virtual CPUs are pinned to host CPUs.'),
  cpu_shares: int('Relative CPU weight.'),
  creation_time: date('When the object was created.', { readOnly: true }),
  custom_compatibility_version: struct(() => Version, "Compatibility version overriding the cluster's."),
  custom_cpu_model: str("CPU model overriding the cluster's."),
  custom_emulated_machine: str("Emulated machine type overriding the cluster's."),
  custom_properties: listOf(() => CustomProperty, 'Custom properties.'),
  delete_protected: bool('Whether removal is forbidden.'),
  display: struct(() => Display, 'Graphical console settings.'),
  domain: struct(() => Domain, 'Domain the guest joins.'),
  high_availability: struct(() => HighAvailability, 'High availability settings.'),
  initialization: struct(() => Initialization, 'Guest initialization settings.'),
  io: struct(() => Io, 'I/O settings.'),
  large_icon: struct(() => Icon, 'Large icon.'),
  lease: struct(() => StorageDomainLease, 'Storage lease.'),
  memory: int('Memory size, in bytes.', { range: MEMORY }),
  memory_policy: struct(() => MemoryPolicy, 'Memory management settings.'),
  migration: struct(() => MigrationOptions, 'Migration settings.'),
  migration_downtime: int('Maximum downtime allowed during migration, in ms.'),
  multi_queues_enabled: bool('Whether network interfaces use multiple queues.'),
  origin: str('Where the virtual machine was created.'),
  os: struct(() => OperatingSystem, 'Operating system settings.'),
  placement_policy: struct(() => VmPlacementPolicy, 'Which hosts it may run on.'),
  rng_device: struct(() => RngDevice, 'Random number generator device.'),
  serial_number: struct(() => SerialNumber, 'Serial number settings.'),
  small_icon: struct(() => Icon, 'Small icon.'),
  soundcard_enabled: bool('Whether a sound card is present.'),
  sso: struct(() => Sso, 'Single sign-on settings.'),
  start_paused: bool('Whether it starts paused.'),
  stateless: bool('Whether changes are dropped on shutdown.'),
  storage_error_resume_behaviour: enumOf(VmStorageErrorResumeBehaviour, 'What happens after a storage error pauses it.'),
  time_zone: struct(() => TimeZone, 'Time zone of the guest.'),
  tpm_enabled: bool('Whether a TPM device is present.'),
  tunnel_migration: bool('Whether migration is tunneled through libvirt.'),
  type: enumOf(VmType, 'Optimization profile.'),
  usb: struct(() => Usb, 'USB settings.'),
  virtio_scsi: struct(() => VirtioScsi, 'VirtIO-SCSI setting.'),
  virtio_scsi_multi_queues: int('Number of VirtIO-SCSI queues.'),
  virtio_scsi_multi_queues_enabled: bool('Whether VirtIO-SCSI uses multiple queues.'),
  cluster: link(() => Cluster, 'Cluster the virtual machine belongs to.'),
  cpu_profile: link(() => CpuProfile, 'CPU profile applied to the virtual machine.'),
  quota: link(() => Quota, 'Quota charged for the virtual machine.'),
  storage_domain: link(() => StorageDomain, 'Storage domain holding the lease or default disks.'),
  status: enumOf(TemplateStatus, 'Current status of the template.', { readOnly: true, column: true }),
  version: struct(() => TemplateVersion, 'Template version details.'),
  vm: struct(() => Vm, 'Virtual machine the template was made from.'),
  cdroms: links(() => Cdrom, 'CD-ROM drives of the virtual machine.', { rel: 'cdroms' }),
  disk_attachments: links(() => DiskAttachment, 'Disks attached to the virtual machine.', { rel: 'diskattachments' }),
  graphics_consoles: links(() => GraphicsConsole, 'Graphical consoles.', { rel: 'graphicsconsoles' }),
  mediated_devices: links(() => VmMediatedDevice, 'Mediated devices.', { rel: 'mediateddevices' }),
  nics: links(() => Nic, 'Network interfaces of the template.', { rel: 'nics' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  tags: links(() => Tag, 'Tags attached.', { rel: 'tags' }),
  watchdogs: links(() => Watchdog, 'Watchdog devices.', { rel: 'watchdogs' }),
});

export const TemplateVersion = defineStruct('TemplateVersion', { doc: 'Version information of a template.' }, {
  version_name: str('Name of the template version.'),
  version_number: int('Number of the template version.', { readOnly: true }),
  base_template: link(() => Template, 'Template this one is a version of.'),
});
