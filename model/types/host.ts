// Hosts and the details they report.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, defineStruct, enumOf, int, link, linkedFrom, links, listOf, own, str, struct, via } from '../meta';
import { BootProtocol, NicStatus } from './enums';
import { Ip, Mac, Network, Vlan } from './network';
import { Cluster, Ksm, TransparentHugePages } from './cluster';
import { Option, Property, Statistic, Version } from './common';
import { Bonding, NetworkAttachment, NetworkLabel, UnmanagedNetwork } from './host-network';
import {
  AutoNumaStatus,
  ExternalStatus,
  HostProtocol,
  HostStatus,
  HostType,
  KdumpStatus,
  PmProxyType,
  PowerManagementStatus,
  RngSource,
  SeLinuxMode,
  SpmStatus,
  VgpuPlacement,
} from './enums';
import {
  Certificate,
  ExternalHostProvider,
  ExternalNetworkProviderConfiguration,
  KatelloErratum,
  Ssh,
} from './misc';
import { Qos } from './config';
import { HostDevice } from './devices';
import { AffinityLabel } from './affinity';
import { Agent, Hook, HostCpuUnit, NumaNode, StorageConnectionExtension } from './host-details';
import { HostStorage, IscsiDetails } from './storage';
import { Permission, Tag } from './user';
import { TagAssignment } from './tag';
import { Cpu, Display, OperatingSystem } from './vm';

export const Host = defineEntity('Host', {
  search: { status: own('status'), address: own('address'), type: own('type'), memory: own('memory'), hw_id: own('hardware_information.uuid'), cluster: via('cluster'), datacenter: via(['cluster', 'data_center']), tag: linkedFrom(() => TagAssignment, 'host', 'tag') },
  inherits: 'cluster', doc: 'A physical machine that runs virtual machines.' }, {
  address: str('Address or FQDN used to reach the host.'),
  auto_numa_status: enumOf(AutoNumaStatus, 'Automatic NUMA balancing state of the host.', { readOnly: true }),
  certificate: struct(() => Certificate, 'Certificate presented by the host.', { readOnly: true }),
  cpu: struct(() => Cpu, 'CPU of the host.', { readOnly: true }),
  device_passthrough: struct(() => HostDevicePassthrough, 'Device passthrough setting.', { readOnly: true }),
  display: struct(() => Display, 'Graphical console settings.'),
  external_status: enumOf(ExternalStatus, 'Health status set by an external system.'),
  hardware_information: struct(() => HardwareInformation, 'Hardware details.', { readOnly: true }),
  hosted_engine: struct(() => HostedEngine, 'Hosted engine state.', { readOnly: true, allContent: true }),
  iscsi: struct(() => IscsiDetails, 'iSCSI settings.', { readOnly: true }),
  kdump_status: enumOf(KdumpStatus, 'Kdump state of the host.', { readOnly: true }),
  ksm: struct(() => Ksm, 'Kernel same-page merging settings.', { readOnly: true }),
  libvirt_version: struct(() => Version, 'Version of libvirt.', { readOnly: true }),
  max_scheduling_memory: int('Memory still available for new virtual machines, in bytes.', { readOnly: true }),
  memory: int('Physical memory, in bytes.', { readOnly: true }),
  network_operation_in_progress: bool('Whether a network change is running on the host.', { readOnly: true }),
  numa_supported: bool('Whether the host supports NUMA.', { readOnly: true }),
  os: struct(() => OperatingSystem, 'Operating system of the host.'),
  override_iptables: bool('Whether the engine configures the host firewall.'),
  ovn_configured: bool('Whether OVN is configured on the host.', { readOnly: true }),
  port: int('Port of the VDSM service.'),
  power_management: struct(() => PowerManagement, 'Power management settings.'),
  protocol: enumOf(HostProtocol, 'Protocol used to talk to the host.'),
  reinstallation_required: bool('Whether the host must be reinstalled.', { readOnly: true }),
  root_password: str('Root password used to install the host.', { secret: true }),
  se_linux: struct(() => SeLinux, 'SELinux state.', { readOnly: true }),
  spm: struct(() => Spm, 'Storage pool manager role.'),
  ssh: struct(() => Ssh, 'SSH settings.'),
  status: enumOf(HostStatus, 'Current status of the host.', { readOnly: true, column: true }),
  status_detail: str('More detail about the status.', { readOnly: true }),
  summary: struct(() => VmSummary, 'Counts of virtual machines on the host.', { readOnly: true }),
  transparent_hugepages: struct(() => TransparentHugePages, 'Transparent huge pages setting.', { readOnly: true }),
  type: enumOf(HostType, 'Kind of host installation.', { readOnly: true }),
  update_available: bool('Whether package updates are available.', { readOnly: true }),
  version: struct(() => Version, 'Version of VDSM on the host.', { readOnly: true }),
  vgpu_placement: enumOf(VgpuPlacement, 'How vGPUs are placed on physical cards.'),
  affinity_labels: links(() => AffinityLabel, 'Affinity labels assigned to this object.', { rel: 'affinitylabels' }),
  agents: links(() => Agent, 'Fence agents of the host.'),
  cluster: link(() => Cluster, 'Cluster the host belongs to.'),
  cpu_units: links(() => HostCpuUnit, 'Physical CPUs of the host.', { readOnly: true, rel: 'cpuunits' }),
  devices: links(() => HostDevice, 'Devices of the host.', { readOnly: true, rel: 'devices' }),
  external_host_provider: link(() => ExternalHostProvider, 'External provider this object comes from.'),
  external_network_provider_configurations: links(() => ExternalNetworkProviderConfiguration, 'External network provider settings of the host.', { rel: 'externalnetworkproviderconfigurations' }),
  hooks: links(() => Hook, 'Hooks installed on the host.', { readOnly: true, rel: 'hooks' }),
  katello_errata: links(() => KatelloErratum, 'Errata that apply.', { readOnly: true, rel: 'katelloerrata' }),
  network_attachments: links(() => NetworkAttachment, 'Networks attached to the host interfaces.', { rel: 'networkattachments' }),
  nics: links(() => HostNic, 'Network interfaces of the host.', { rel: 'nics' }),
  host_numa_nodes: links(() => NumaNode, 'NUMA nodes.', { readOnly: true, rel: 'numanodes' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  statistics: links(() => Statistic, 'Statistics of the host.', { readOnly: true, rel: 'statistics' }),
  storage_connection_extensions: links(() => StorageConnectionExtension, 'Per-host iSCSI credentials.', { rel: 'storageconnectionextensions' }),
  storages: links(() => HostStorage, 'Storage seen by the host.', { rel: 'storage' }),
  tags: links(() => Tag, 'Tags attached to the host.', { rel: 'tags' }),
  unmanaged_networks: links(() => UnmanagedNetwork, 'Networks on the host not managed by the engine.', { readOnly: true, rel: 'unmanagednetworks' }),
});

export const HardwareInformation = defineStruct('HardwareInformation', { doc: 'Hardware details reported by a host.' }, {
  family: str('Hardware family.', { readOnly: true }),
  manufacturer: str('Manufacturer of the machine.', { readOnly: true }),
  product_name: str('Product name of the machine.', { readOnly: true }),
  serial_number: str('Serial number.', { readOnly: true }),
  supported_rng_sources: listOf(RngSource, 'Random sources the host provides.', { readOnly: true, item: 'supported_rng_source' }),
  uuid: str('UUID of the machine.', { readOnly: true }),
  version: str('Hardware version.', { readOnly: true }),
});

export const PowerManagement = defineStruct('PowerManagement', { doc: 'Power management (fencing) configuration of a host.' }, {
  address: str('Address of the power management device.'),
  agents: listOf(() => Agent, 'Fence agents of the host.'),
  automatic_pm_enabled: bool('Whether power management may start and stop the host automatically.'),
  enabled: bool('Whether power management is enabled.'),
  kdump_detection: bool('Whether kdump activity is detected before fencing.'),
  options: listOf(() => Option, 'Extra options for the fence agent.'),
  password: str('Password for the fence agent.', { secret: true }),
  pm_proxies: listOf(() => PmProxy, 'Hosts preferred to run fencing.'),
  status: enumOf(PowerManagementStatus, 'Power state reported by the fence agent.', { readOnly: true }),
  type: str('Fence agent type.'),
  username: str('User name for the fence agent.'),
});

export const PmProxy = defineStruct('PmProxy', { doc: 'A kind of host that may run fencing on behalf of another.', plural: 'pm_proxies' }, {
  type: enumOf(PmProxyType, 'Which hosts are preferred.'),
});

export const Spm = defineStruct('Spm', { doc: 'Storage pool manager role of a host.' }, {
  priority: int('Likelihood the host is chosen as storage pool manager.'),
  status: enumOf(SpmStatus, 'Storage pool manager status of the host.', { readOnly: true }),
});

export const VmSummary = defineStruct('VmSummary', { doc: 'Counts of virtual machines on a host.', plural: 'vm_summaries' }, {
  active: int('Number of running virtual machines.', { readOnly: true }),
  migrating: int('Number of migrating virtual machines.', { readOnly: true }),
  total: int('Total number of virtual machines.', { readOnly: true }),
});

export const HostedEngine = defineStruct('HostedEngine', { doc: 'Hosted engine state of a host.' }, {
  active: bool('Whether the hosted engine runs on this host.', { readOnly: true }),
  configured: bool('Whether the host is set up to run the hosted engine.', { readOnly: true }),
  global_maintenance: bool('Whether the hosted engine cluster is in global maintenance.', { readOnly: true }),
  local_maintenance: bool('Whether this host is in hosted engine maintenance.', { readOnly: true }),
  score: int('Hosted engine score.', { readOnly: true }),
});

export const SeLinux = defineStruct('SeLinux', { doc: 'SELinux state of a host.' }, {
  mode: enumOf(SeLinuxMode, 'SELinux enforcement mode.', { readOnly: true }),
});

export const HostDevicePassthrough = defineStruct('HostDevicePassthrough', { doc: 'Device passthrough setting of a host.' }, {
  enabled: bool('Whether device passthrough is enabled.'),
});

export const HostNic = defineEntity('HostNic', { doc: 'A network interface of a host.', inherits: 'host' }, {
  ad_aggregator_id: int('802.3ad aggregator of the interface.', { readOnly: true }),
  base_interface: str('Interface a VLAN interface is built on.'),
  bonding: struct(() => Bonding, 'How a bond is made of other interfaces.'),
  boot_protocol: enumOf(BootProtocol, 'How the interface gets its IPv4 address.'),
  bridged: bool('Whether the interface is bridged.'),
  check_connectivity: bool('Whether connectivity is checked after a change.'),
  custom_configuration: bool('Whether the interface was configured outside its networks\' settings.', { readOnly: true }),
  ip: struct(() => Ip, 'IPv4 configuration.'),
  ipv6: struct(() => Ip, 'IPv6 configuration.'),
  ipv6_boot_protocol: enumOf(BootProtocol, 'How the interface gets its IPv6 address.'),
  mac: struct(() => Mac, 'MAC address.'),
  mtu: int('Maximum transmission unit.'),
  override_configuration: bool('Whether to apply the networks\' settings over what the host has.'),
  properties: listOf(() => Property, 'Custom properties of the interface.'),
  speed: int('Link speed, in bits per second.', { readOnly: true }),
  status: enumOf(NicStatus, 'Whether the link is up.', { readOnly: true }),
  vlan: struct(() => Vlan, 'VLAN tag of a VLAN interface.'),
  host: link(() => Host, 'The host of the interface.'),
  network: link(() => Network, 'The logical network on the interface.'),
  network_attachments: links(() => NetworkAttachment, 'Networks attached to the interface.', { rel: 'networkattachments' }),
  network_labels: links(() => NetworkLabel, 'Labels of the interface.', { rel: 'networklabels' }),
  physical_function: link(() => HostNic, 'The physical interface of a virtual function.', { readOnly: true }),
  qos: link(() => Qos, 'Quality-of-service settings of the interface.'),
  statistics: links(() => Statistic, 'Figures of the interface.', { readOnly: true, rel: 'statistics' }),
});
