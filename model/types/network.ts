// Logical networks, vNIC profiles and virtual NICs.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { STRING, bool, defineEntity, defineStruct, enumOf, int, link, linkedFrom, links, listOf, str, own, struct, via } from '../meta';
import { Cluster } from './cluster';
import { ClusterNetwork } from './cluster-network';
import { CustomProperty, Statistic } from './common';
import { DataCenter } from './datacenter';
import { NetworkAttachment, NetworkLabel } from './host-network';
import {
  BootProtocol,
  IpVersion,
  NetworkStatus,
  NetworkUsage,
  NicInterface,
  VnicPassThroughMode,
} from './enums';
import {
  NetworkFilterParameter,
  OpenStackNetworkProvider,
} from './misc';
import { ReportedDevice } from './devices';
import { NetworkFilter, Qos } from './config';
import { InstanceType, Template } from './template';
import { Permission } from './user';
import { Vm } from './vm';

export const Network = defineEntity('Network', {
  search: { datacenter: via('data_center'), cluster: linkedFrom(() => ClusterNetwork, 'network', 'cluster') },
  inherits: 'data_center', doc: 'A logical network available to hosts and virtual machines.' }, {
  display: bool('Whether the network carries console traffic.'),
  dns_resolver_configuration: struct(() => DnsResolverConfiguration, 'DNS resolver settings for the network.'),
  ip: struct(() => Ip, 'IP settings of the network.'),
  mtu: int('Maximum transmission unit.'),
  port_isolation: bool('Whether virtual machines on the network are isolated.'),
  profile_required: bool('Whether interfaces must use a vNIC profile.'),
  required: bool('Whether hosts must have this network to be operational.'),
  status: enumOf(NetworkStatus, 'Whether the network is operational.', { readOnly: true, column: true }),
  stp: bool('Whether spanning tree is enabled.'),
  usages: listOf(NetworkUsage, 'Purposes the network serves.', { item: 'usage' }),
  vdsm_name: str('Network name on the hosts.', { readOnly: true }),
  vlan: struct(() => Vlan, 'VLAN tag of the network.'),
  cluster: link(() => Cluster, 'Cluster the network is seen through.'),
  data_center: link(() => DataCenter, 'Data center the network belongs to.'),
  external_provider: link(() => OpenStackNetworkProvider, 'External provider of the network.'),
  external_provider_physical_network: link(() => Network, 'Physical network backing this external network.'),
  network_labels: links(() => NetworkLabel, 'Labels attached to the network.', { rel: 'networklabels' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  qos: link(() => Qos, 'Quality-of-service settings of the network.'),
  vnic_profiles: links(() => VnicProfile, 'vNIC profiles of the network.', { rel: 'vnicprofiles' }),
});

export const VnicProfile = defineEntity('VnicProfile', { inherits: 'network', doc: 'Settings applied to virtual network interfaces attached to a network.' }, {
  custom_properties: listOf(() => CustomProperty, 'Custom properties.'),
  migratable: bool('Whether virtual machines using the profile can migrate.'),
  pass_through: struct(() => VnicPassThrough, 'Passthrough settings.'),
  port_mirroring: bool('Whether traffic is mirrored.'),
  failover: link(() => VnicProfile, 'Profile used when the passthrough device fails.'),
  network: link(() => Network, 'Network the profile belongs to.'),
  network_filter: link(() => NetworkFilter, 'Network filter applied to interfaces.'),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  qos: link(() => Qos, 'Quality-of-service settings of the profile.'),
});

export const Nic = defineEntity('Nic', {
  inherits: 'vm', doc: 'A virtual network interface of a virtual machine or template.', search: { name: own('name') },
}, {
  instance_type: link(() => InstanceType, 'Instance type the device belongs to.'),
  template: link(() => Template, 'Template the device belongs to.'),
  vm: link(() => Vm, 'Virtual machine the device belongs to.'),
  vms: links(() => Vm, 'Virtual machines using the device.'),
  boot_protocol: enumOf(BootProtocol, 'How the interface gets its IPv4 address.'),
  interface: enumOf(NicInterface, 'Device model of the virtual interface.'),
  linked: bool('Whether the link is up.'),
  mac: struct(() => Mac, 'MAC address of the interface.'),
  on_boot: bool('Whether the interface starts at boot.'),
  plugged: bool('Whether the device is plugged in.'),
  synced: bool('Whether the configuration matches the host.', { readOnly: true }),
  network: link(() => Network, 'Network the interface is connected to.'),
  network_attachments: links(() => NetworkAttachment, 'Network attachments of the interface.'),
  network_filter_parameters: links(() => NetworkFilterParameter, 'Parameters of the network filter.', { rel: 'networkfilterparameters' }),
  network_labels: links(() => NetworkLabel, 'Network labels of the interface.'),
  reported_devices: links(() => ReportedDevice, 'Devices reported by the guest agent.', { readOnly: true, rel: 'reporteddevices' }),
  statistics: links(() => Statistic, 'Statistics of the interface.', { readOnly: true, rel: 'statistics' }),
  virtual_function_allowed_labels: links(() => NetworkLabel, 'Labels allowed on virtual functions.'),
  virtual_function_allowed_networks: links(() => Network, 'Networks allowed on virtual functions.'),
  vnic_profile: link(() => VnicProfile, 'vNIC profile of the interface.'),
});

export const Ip = defineStruct('Ip', { doc: 'An IP address configuration.' }, {
  address: str('The IP address itself.'),
  gateway: str('Default gateway.'),
  netmask: str('Network mask.'),
  version: enumOf(IpVersion, 'IP protocol version.'),
});

export const Mac = defineStruct('Mac', { doc: 'A MAC address.' }, {
  address: str('The MAC address in colon-separated form.'),
});

export const Vlan = defineStruct('Vlan', { doc: 'A VLAN tag.' }, {
  id: int('VLAN tag number.'),
});

export const DnsResolverConfiguration = defineStruct('DnsResolverConfiguration', { doc: 'DNS resolver settings.' }, {
  name_servers: listOf(STRING, 'DNS server addresses.', { item: 'name_server' }),
});

export const VnicPassThrough = defineStruct('VnicPassThrough', { doc: 'Passthrough settings of a vNIC profile.' }, {
  mode: enumOf(VnicPassThroughMode, 'Whether passthrough is enabled for the profile.'),
});

export const HostNicVirtualFunctionsConfiguration = defineStruct('HostNicVirtualFunctionsConfiguration', { doc: 'SR-IOV virtual function settings of a host NIC.' }, {
  all_networks_allowed: bool('Whether every network may use the virtual functions.'),
  max_number_of_virtual_functions: int('Maximum number of virtual functions.'),
  number_of_virtual_functions: int('Number of enabled virtual functions.'),
});
