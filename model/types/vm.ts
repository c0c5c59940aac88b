// Virtual machines, their devices and hardware settings.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, date, dec, defineEntity, defineStruct, enumOf, int, link, linkedFrom, links, listOf, own, str, struct, via } from '../meta';
import { Cluster, MemoryPolicy, MigrationOptions, SerialNumber } from './cluster';
import { CustomProperty, Statistic, Version } from './common';
import { Disk, DiskAttachment } from './disk';
import { SnapshotStatus, SnapshotType } from './enums';
import {
  Architecture,
  AutoPinningPolicy,
  BiosType,
  BootDevice,
  BootProtocol,
  CloudInitNetworkProtocol,
  ConfigurationType,
  CpuMode,
  CpuPinningPolicy,
  DisplayType,
  NumaTuneMode,
  RngSource,
  SsoMethod,
  UsbType,
  VideoType,
  VmAffinity,
  VmDeviceType,
  VmStatus,
  VmStorageErrorResumeBehaviour,
  VmType,
  ExternalVmProviderType,
} from './enums';
import { Host } from './host';
import { CORES_PER_SOCKET, MAX_VCPUS, MEMORY, MEMORY_ORDER, SOCKETS, THREADS_PER_CORE } from './limits';
import {
  AuthorizedKey,
  Certificate,
  ExternalHostProvider,
  Floppy,
  KatelloErratum,
} from './misc';
import { Application, GraphicsConsole, HostDevice, ReportedDevice, Session, VmMediatedDevice, Watchdog } from './devices';
import { AffinityLabel } from './affinity';
import { NumaNode } from './host-details';
import { Quota } from './quota';
import { CpuProfile, Icon } from './config';
import { Ip, Nic } from './network';
import { File, StorageDomain, StorageDomainLease } from './storage';
import { InstanceType, Template } from './template';
import { Domain, Permission, Tag, User } from './user';
import { TagAssignment } from './tag';
import { VmPool } from './vm-pool';

/** What virtual machines, templates and instance types share, as oVirt's `VmBase`. */
export const VmBase = defineEntity('VmBase', { inherits: 'cluster', ordered: MEMORY_ORDER, doc: 'The settings virtual machines, templates and instance types share.' }, {
  auto_pinning_policy: enumOf(AutoPinningPolicy, 'How CPU and NUMA pinning is computed automatically.'),
  bios: struct(() => Bios, 'BIOS settings.'),
  console: struct(() => Console, 'Serial console setting.', { allContent: true }),
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
  rng_device: struct(() => RngDevice, 'Random number generator device.', { allContent: true }),
  serial_number: struct(() => SerialNumber, 'Serial number settings.'),
  small_icon: struct(() => Icon, 'Small icon.'),
  soundcard_enabled: bool('Whether a sound card is present.', { allContent: true }),
  sso: struct(() => Sso, 'Single sign-on settings.'),
  start_paused: bool('Whether it starts paused.'),
  stateless: bool('Whether changes are dropped on shutdown.'),
  storage_error_resume_behaviour: enumOf(VmStorageErrorResumeBehaviour, 'What happens after a storage error pauses it.'),
  time_zone: struct(() => TimeZone, 'Time zone of the guest.'),
  tpm_enabled: bool('Whether a TPM device is present.'),
  tunnel_migration: bool('Whether migration is tunneled through libvirt.'),
  type: enumOf(VmType, 'Optimization profile.'),
  usb: struct(() => Usb, 'USB settings.'),
  virtio_scsi: struct(() => VirtioScsi, 'VirtIO-SCSI setting.', { allContent: true }),
  virtio_scsi_multi_queues: int('Number of VirtIO-SCSI queues.'),
  virtio_scsi_multi_queues_enabled: bool('Whether VirtIO-SCSI uses multiple queues.'),
  cluster: link(() => Cluster, 'Cluster the virtual machine belongs to.'),
  cpu_profile: link(() => CpuProfile, 'CPU profile applied to the virtual machine.'),
  quota: link(() => Quota, 'Quota charged for the virtual machine.'),
  storage_domain: link(() => StorageDomain, 'Storage domain holding the lease or default disks.'),
});

export const Vm = defineEntity('Vm', {
  search: { status: own('status'), type: own('type'), memory: own('memory'), os: own('os.type'), fqdn: own('fqdn'), creationdate: own('creation_time'), cluster: via('cluster'), host: via('host'), template: via('template'), datacenter: via(['cluster', 'data_center']), pool: via('vm_pool'), tag: linkedFrom(() => TagAssignment, 'vm', 'tag') },
  extends: () => VmBase, doc: 'A virtual machine.' }, {
  fqdn: str('Fully qualified domain name reported by the guest.', { readOnly: true }),
  guest_operating_system: struct(() => GuestOperatingSystem, 'Operating system reported by the guest agent.', { readOnly: true }),
  guest_time_zone: struct(() => TimeZone, 'Time zone reported by the guest agent.', { readOnly: true }),
  has_illegal_images: bool('Whether some disk images are in an illegal state.', { readOnly: true }),
  next_run_configuration_exists: bool('Whether changes are pending until the next start.', { readOnly: true }),
  numa_tune_mode: enumOf(NumaTuneMode, 'How memory is allocated across NUMA nodes.'),
  payloads: listOf(() => Payload, 'Payloads passed to the guest.'),
  run_once: bool('Whether it was started in run-once mode.', { readOnly: true }),
  start_time: date('When the virtual machine was last started.', { readOnly: true }),
  status: enumOf(VmStatus, 'Current status of the virtual machine.', { readOnly: true, column: true }),
  status_detail: str('More detail about the status.', { readOnly: true }),
  stop_reason: str('Reason given when it was stopped.', { readOnly: true }),
  stop_time: date('When it stopped.', { readOnly: true }),
  use_latest_template_version: bool('Whether to follow the latest template version.'),
  affinity_labels: links(() => AffinityLabel, 'Affinity labels assigned to this object.', { rel: 'affinitylabels' }),
  applications: links(() => Application, 'Applications reported inside the virtual machine.', { readOnly: true, rel: 'applications' }),
  cdroms: links(() => Cdrom, 'CD-ROM drives of the virtual machine.', { rel: 'cdroms' }),
  disk_attachments: links(() => DiskAttachment, 'Disks attached to the virtual machine.', { rel: 'diskattachments' }),
  dynamic_cpu: link(() => DynamicCpu, 'CPU layout currently in effect.', { readOnly: true }),
  external_host_provider: link(() => ExternalHostProvider, 'External provider this object comes from.'),
  floppies: links(() => Floppy, 'Floppy drives of the virtual machine.'),
  graphics_consoles: links(() => GraphicsConsole, 'Graphical consoles.', { rel: 'graphicsconsoles' }),
  host: link(() => Host, 'Host the virtual machine runs on.', { readOnly: true }),
  host_devices: links(() => HostDevice, 'Host devices passed to the virtual machine.', { rel: 'hostdevices' }),
  instance_type: link(() => InstanceType, 'Instance type the settings come from.'),
  katello_errata: links(() => KatelloErratum, 'Errata that apply.', { readOnly: true, rel: 'katelloerrata' }),
  mediated_devices: links(() => VmMediatedDevice, 'Mediated devices.', { rel: 'mediateddevices' }),
  nics: links(() => Nic, 'Network interfaces of the virtual machine.', { rel: 'nics' }),
  host_numa_nodes: links(() => NumaNode, 'NUMA nodes.', { rel: 'numanodes' }),
  original_template: link(() => Template, 'Template the virtual machine was originally created from.', { readOnly: true }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  reported_devices: links(() => ReportedDevice, 'Devices reported by the guest agent.', { readOnly: true, rel: 'reporteddevices' }),
  sessions: links(() => Session, 'Sessions in the guest.', { readOnly: true, rel: 'sessions' }),
  snapshots: links(() => Snapshot, 'Snapshots of the virtual machine.', { rel: 'snapshots' }),
  statistics: links(() => Statistic, 'Statistics of the virtual machine.', { readOnly: true, rel: 'statistics' }),
  tags: links(() => Tag, 'Tags attached to the virtual machine.', { rel: 'tags' }),
  template: link(() => Template, 'Template it was created from.'),
  // Set by the pool that makes the VM, taken away by `detach`.
  vm_pool: link(() => VmPool, 'Virtual machine pool.', { readOnly: true }),
  watchdogs: links(() => Watchdog, 'Watchdog devices.', { rel: 'watchdogs' }),
});

export const Cdrom = defineEntity('Cdrom', { inherits: 'vm', doc: 'A virtual CD-ROM drive.' }, {
  instance_type: link(() => InstanceType, 'Instance type the device belongs to.'),
  template: link(() => Template, 'Template the device belongs to.'),
  vm: link(() => Vm, 'Virtual machine the device belongs to.'),
  vms: links(() => Vm, 'Virtual machines using the device.'),
  file: struct(() => File, 'ISO file inserted in the drive.'),
});

export const Cpu = defineStruct('Cpu', { doc: 'CPU description: type, topology and tuning.' }, {
  architecture: enumOf(Architecture, 'CPU architecture.'),
  cores: listOf(() => Core, 'Physical cores of the CPU.'),
  cpu_tune: struct(() => CpuTune, 'CPU pinning settings.'),
  level: int('CPU level.'),
  mode: enumOf(CpuMode, 'How the guest CPU relates to the host CPU.'),
  name: str('Name of the CPU model.'),
  speed: dec('Clock speed, in MHz.'),
  topology: struct(() => CpuTopology, 'Sockets, cores and threads.'),
  type: str('Name of the CPU model.'),
});

export const CpuTopology = defineStruct('CpuTopology', {
  doc: 'Number of sockets, cores and threads.', plural: 'cpu_topologies', product: { of: ['sockets', 'cores', 'threads'], max: MAX_VCPUS } }, {
  cores: int('Number of cores per socket.', { range: CORES_PER_SOCKET }),
  sockets: int('Number of sockets.', { range: SOCKETS }),
  threads: int('Number of threads per core.', { range: THREADS_PER_CORE }),
});

export const CpuTune = defineStruct('CpuTune', { doc: 'CPU pinning settings.' }, {
  vcpu_pins: listOf(() => VcpuPin, 'Pinning of virtual CPUs.'),
});

export const Core = defineStruct('Core', { doc: 'One CPU core and the socket it belongs to.' }, {
  index: int('Core number.'),
  socket: int('Socket the core belongs to.'),
});

export const VcpuPin = defineStruct('VcpuPin', { doc: 'Pinning of one virtual CPU to a set of physical CPUs.' }, {
  cpu_set: str('Host CPUs the virtual CPU may use.'),
  vcpu: int('Virtual CPU number.'),
});

export const DynamicCpu = defineStruct('DynamicCpu', { doc: 'CPU layout as it is currently in effect for a running virtual machine.' }, {
  cpu_tune: struct(() => CpuTune, 'Current pinning of virtual CPUs.'),
  topology: struct(() => CpuTopology, 'Current sockets, cores and threads.'),
});

export const OperatingSystem = defineStruct('OperatingSystem', { doc: 'Operating system and boot settings.', element: 'os' }, {
  boot: struct(() => Boot, 'Boot settings.'),
  cmdline: str('Kernel command line used for direct boot.'),
  custom_kernel_cmdline: str('Extra kernel command line parameters.'),
  description: str('Free-form description of the operating system.'),
  initrd: str('Initial ramdisk used for direct boot.'),
  kernel: str('Kernel image used for direct boot.'),
  reported_kernel_cmdline: str('Kernel command line reported by the host.', { readOnly: true }),
  type: str('Operating system identifier.'),
  version: struct(() => Version, 'Version of the operating system.'),
});

export const Boot = defineStruct('Boot', { doc: 'Boot settings.' }, {
  devices: listOf(BootDevice, 'Boot devices in order of preference.', { item: 'device' }),
});

export const BootMenu = defineStruct('BootMenu', { doc: 'Interactive boot menu setting.' }, {
  enabled: bool('Whether the boot menu is shown.'),
});

export const Bios = defineStruct('Bios', { doc: 'BIOS settings of a virtual machine.' }, {
  boot_menu: struct(() => BootMenu, 'Interactive boot menu setting.'),
  type: enumOf(BiosType, 'Chipset and firmware type.'),
});

export const Display = defineStruct('Display', { doc: 'Graphical console settings.' }, {
  address: str('Address clients use to connect to the console.'),
  allow_override: bool('Whether the host may override the console address.'),
  certificate: struct(() => Certificate, 'Certificate used for console connections.'),
  copy_paste_enabled: bool('Whether copy and paste is allowed through the console.'),
  disconnect_action: str('What happens in the guest when the console disconnects.'),
  disconnect_action_delay: int('Minutes to wait before the disconnect action.'),
  file_transfer_enabled: bool('Whether files can be transferred through the console.'),
  keyboard_layout: str('Keyboard layout of the console.'),
  monitors: int('Number of monitors.'),
  port: int('Plain port of the console.'),
  proxy: str('Console proxy address.'),
  secure_port: int('TLS port of the console.'),
  single_qxl_pci: bool('Whether a single QXL device drives all monitors.'),
  smartcard_enabled: bool('Whether smartcard passthrough is enabled.'),
  type: enumOf(DisplayType, 'Console protocol.'),
  video_type: enumOf(VideoType, 'Video device model.'),
});

export const Console = defineStruct('Console', { doc: 'Serial console setting.' }, {
  enabled: bool('Whether the serial console is enabled.'),
});

export const Usb = defineStruct('Usb', { doc: 'USB support settings.' }, {
  enabled: bool('Whether USB is enabled.'),
  type: enumOf(UsbType, 'USB support mode.'),
});

export const VirtioScsi = defineStruct('VirtioScsi', { doc: 'VirtIO-SCSI controller setting.' }, {
  enabled: bool('Whether the VirtIO-SCSI controller is present.'),
});

export const Io = defineStruct('Io', { doc: 'I/O settings of a virtual machine.' }, {
  threads: int('Number of I/O threads.'),
});

export const Sso = defineStruct('Sso', { doc: 'Single sign-on settings of a virtual machine.' }, {
  methods: listOf(() => Method, 'Enabled single sign-on methods.'),
});

export const Method = defineStruct('Method', { doc: 'A single sign-on method.' }, {
  id: enumOf(SsoMethod, 'Which single sign-on method it is.'),
});

export const RngDevice = defineStruct('RngDevice', { doc: 'Random number generator device.' }, {
  rate: struct(() => Rate, 'Rate limit.'),
  source: enumOf(RngSource, 'Random source used.'),
});

export const Rate = defineStruct('Rate', { doc: 'Rate limit of a random number generator.' }, {
  bytes: int('Number of bytes allowed per period.'),
  period: int('Period of the rate, in ms.'),
});

export const HighAvailability = defineStruct('HighAvailability', { doc: 'High availability settings of a virtual machine.', plural: 'high_availabilities' }, {
  enabled: bool('Whether the virtual machine is restarted after failures.'),
  priority: int('Order in which virtual machines are restarted.'),
});

export const TimeZone = defineStruct('TimeZone', { doc: 'A time zone.' }, {
  name: str('Time zone name.'),
  utc_offset: str('Offset from UTC.'),
});

export const Initialization = defineStruct('Initialization', { doc: 'Guest initialization settings (cloud-init, sysprep and similar).' }, {
  active_directory_ou: str('Active Directory organizational unit to join.'),
  authorized_ssh_keys: str('SSH public keys to authorize in the guest.'),
  cloud_init: struct(() => CloudInit, 'Cloud-init settings.'),
  cloud_init_network_protocol: enumOf(CloudInitNetworkProtocol, 'Format of the cloud-init network configuration.'),
  configuration: struct(() => Configuration, 'Configuration document to import.'),
  custom_script: str('Custom script to run in the guest.'),
  dns_search: str('DNS search domains.'),
  dns_servers: str('DNS servers.'),
  domain: str('Domain the guest joins.'),
  host_name: str('Host name of the guest.'),
  input_locale: str('Keyboard locale of the guest.'),
  nic_configurations: listOf(() => NicConfiguration, 'Per-interface network settings.'),
  org_name: str('Organization name.'),
  regenerate_ids: bool('Whether to generate new identifiers.'),
  regenerate_ssh_keys: bool('Whether to generate new SSH host keys.'),
  root_password: str('Root password set in the guest.', { secret: true }),
  system_locale: str('System locale of the guest.'),
  timezone: str('Time zone of the guest.'),
  ui_language: str('User interface language of the guest.'),
  user_locale: str('User locale of the guest.'),
  user_name: str('User name.'),
  windows_license_key: str('Windows product key.'),
});

export const CloudInit = defineStruct('CloudInit', { doc: 'Cloud-init settings.' }, {
  authorized_keys: listOf(() => AuthorizedKey, 'SSH keys to authorize inside the guest.'),
  files: listOf(() => File, 'Files to create in the guest.'),
  host: struct(() => Host, 'Host name settings for the guest.'),
  network_configuration: struct(() => NetworkConfiguration, 'Network settings.'),
  regenerate_ssh_keys: bool('Whether to generate new SSH host keys.'),
  timezone: str('Time zone of the guest.'),
  users: listOf(() => User, 'Users to create in the guest.'),
});

export const NicConfiguration = defineStruct('NicConfiguration', { doc: 'Network settings of one guest interface applied during initialization.' }, {
  boot_protocol: enumOf(BootProtocol, 'How the interface gets its IPv4 address.'),
  ip: struct(() => Ip, 'IP settings.'),
  ipv6: struct(() => Ip, 'IPv6 settings.'),
  ipv6_boot_protocol: enumOf(BootProtocol, 'How the interface gets its IPv6 address.'),
  name: str('Name of the guest interface.'),
  on_boot: bool('Whether the interface starts at boot.'),
});

export const NetworkConfiguration = defineStruct('NetworkConfiguration', { doc: 'Network settings applied by cloud-init.' }, {
  dns: struct(() => Dns, 'DNS settings.'),
  nics: listOf(() => Nic, 'Guest interfaces to configure.'),
});

export const Dns = defineStruct('Dns', { doc: 'DNS servers and search domains.' }, {
  search_domains: listOf(() => Host, 'DNS search domains.'),
  servers: listOf(() => Host, 'DNS servers.'),
});

export const Configuration = defineStruct('Configuration', { doc: 'A configuration document describing a virtual machine.' }, {
  data: str('The configuration document.', { allContent: true }),
  type: enumOf(ConfigurationType, 'Format of the configuration document.'),
});

export const Payload = defineStruct('Payload', { doc: 'Files handed to the guest through a virtual device.' }, {
  files: listOf(() => File, 'Files in the payload.'),
  type: enumOf(VmDeviceType, 'Device used to deliver the payload.'),
  volume_id: str('Volume holding the payload.'),
});

export const GuestOperatingSystem = defineStruct('GuestOperatingSystem', { doc: 'Operating system details reported by the guest agent.' }, {
  architecture: str('Architecture of the guest system.', { readOnly: true }),
  codename: str('Code name of the guest distribution.', { readOnly: true }),
  distribution: str('Name of the guest distribution.', { readOnly: true }),
  family: str('Family name.', { readOnly: true }),
  kernel: struct(() => Kernel, 'Kernel details.', { readOnly: true }),
  version: struct(() => Version, 'Version of the guest system.', { readOnly: true }),
});

export const Kernel = defineStruct('Kernel', { doc: 'Kernel version of a guest.' }, {
  version: struct(() => Version, 'Kernel version.'),
});

export const VmPlacementPolicy = defineStruct('VmPlacementPolicy', { doc: 'Which hosts a virtual machine may run on.', plural: 'vm_placement_policies' }, {
  affinity: enumOf(VmAffinity, 'How strictly the virtual machine is bound to its hosts.'),
  hosts: links(() => Host, 'Hosts the virtual machine may run on.'),
});

export const Snapshot = defineEntity('Snapshot', { doc: 'A saved point-in-time state of a virtual machine: its configuration and disks.', extends: () => Vm, inherits: 'vm' }, {
  date: date('When the snapshot was taken.', { readOnly: true }),
  persist_memorystate: bool('Whether the memory of the running VM was saved too.'),
  snapshot_status: enumOf(SnapshotStatus, 'Whether the snapshot is usable, being made, or previewed.', { readOnly: true }),
  snapshot_type: enumOf(SnapshotType, 'What the snapshot is: the active state, a regular one, a preview.', { readOnly: true }),
  vm: link(() => Vm, 'The VM the snapshot belongs to.'),
  disks: links(() => Disk, 'The disks as they were captured.', { rel: 'disks' }),
});

export const ExternalVmImport = defineEntity('ExternalVmImport', { computed: true, doc: 'A VM to import from outside: here an OVA file (`ova:///path`).' }, {
  name: str('Name of the new virtual machine; by default the one the source gives.'),
  password: str('Password for the source.', { secret: true }),
  provider: enumOf(ExternalVmProviderType, 'Kind of source.'),
  sparse: bool('Whether the new disks are thin (qcow2) rather than preallocated.'),
  url: str('Where the source is: ova:///path/to/file.ova.'),
  username: str('User name for the source.'),
  cluster: link(() => Cluster, 'Cluster of the new virtual machine.'),
  cpu_profile: link(() => CpuProfile, 'CPU profile of the new virtual machine.'),
  drivers_iso: link(() => File, 'ISO file with drivers for the guest.'),
  host: link(() => Host, 'Host that reads the source.'),
  quota: link(() => Quota, 'Quota charged.'),
  storage_domain: link(() => StorageDomain, 'Storage domain of the new disks.'),
  vm: link(() => Vm, 'The new virtual machine.'),
});

export const ExternalTemplateImport = defineEntity('ExternalTemplateImport', { computed: true, doc: 'A template to import from outside: an OVA file (`ova:///path`).' }, {
  url: str('Where the OVA file is: ova:///path/to/file.ova.'),
  clone: bool('Whether the template gets new identifiers (so the same OVA can be imported again) rather than those of the OVA.'),
  template: link(() => Template, 'The new template; its name, by default the one the OVA gives.'),
  cluster: link(() => Cluster, 'Cluster of the new template.'),
  cpu_profile: link(() => CpuProfile, 'CPU profile of the new template.'),
  host: link(() => Host, 'Host that reads the OVA file.'),
  quota: link(() => Quota, 'Quota charged.'),
  storage_domain: link(() => StorageDomain, 'Storage domain of the new disks.'),
});
