// Networks on hosts: which logical network each host interface carries (network attachments),
// bonds, the labels of interfaces and networks, and networks a host has that the engine does not manage.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, defineStruct, enumOf, link, links, listOf, str, struct } from '../meta';
import { Mac, DnsResolverConfiguration, Ip, Network } from './network';
import { Host, HostNic } from './host';
import { Option, Property } from './common';
import { BootProtocol } from './enums';
import { Qos } from './config';

export const NetworkAttachment = defineEntity('NetworkAttachment', { inherits: 'host', doc: 'A network attached to a host interface.' }, {
  dns_resolver_configuration: struct(() => DnsResolverConfiguration, 'DNS resolver settings of the attachment.'),
  in_sync: bool('Whether the host\'s configuration matches the network\'s.', { readOnly: true }),
  ip_address_assignments: listOf(() => IpAddressAssignment, 'How the interface gets its addresses on this network.'),
  properties: listOf(() => Property, 'Custom properties of the attachment.'),
  reported_configurations: listOf(() => ReportedConfiguration, 'What the host reports, next to what the engine expects.', { readOnly: true }),
  host: link(() => Host, 'The host.'),
  host_nic: link(() => HostNic, 'The interface carrying the network.'),
  network: link(() => Network, 'The network attached.'),
  qos: link(() => Qos, 'Quality-of-service settings of the attachment.'),
});

export const IpAddressAssignment = defineStruct('IpAddressAssignment', { doc: 'How an interface gets an address.' }, {
  assignment_method: enumOf(BootProtocol, 'Static, DHCP, ...'),
  ip: struct(() => Ip, 'The address, for static assignment.'),
});

export const ReportedConfiguration = defineStruct('ReportedConfiguration', { doc: 'A setting of a network on a host, as expected and as reported.' }, {
  actual_value: str('What the host reports.', { readOnly: true }),
  expected_value: str('What the engine expects.', { readOnly: true }),
  in_sync: bool('Whether the two agree.', { readOnly: true }),
  name: str('The setting.', { readOnly: true }),
});

export const Bonding = defineStruct('Bonding', { doc: 'The bonding of a host interface made of others.' }, {
  ad_partner_mac: struct(() => Mac, 'MAC address of the 802.3ad partner.', { readOnly: true }),
  options: listOf(() => Option, 'Bonding options (mode, miimon, ...).'),
  active_slave: link(() => HostNic, 'The slave carrying the traffic, in active-backup mode.', { readOnly: true }),
  // oVirt's model holds the slaves as values; as references they keep HostNic and Bonding out of a cycle of values.
  slaves: links(() => HostNic, 'The interfaces the bond is made of.'),
});

// Labels are named by their id. A label is kept with what carries it: a network's or an interface's.
export const NetworkLabel = defineEntity('NetworkLabel', { computed: true, doc: 'A label linking networks to host interfaces.' }, {
  host_nic: link(() => HostNic, 'The interface carrying the label.'),
  network: link(() => Network, 'The network carrying the label.'),
});

export const UnmanagedNetwork = defineEntity('UnmanagedNetwork', { computed: true, inherits: 'host', doc: 'A network found on a host but not managed by the engine.' }, {
  host: link(() => Host, 'The host.'),
  host_nic: link(() => HostNic, 'The interface carrying it.'),
});
