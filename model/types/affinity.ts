// Affinity groups and labels: placement rules between VMs, and between VMs and hosts.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, dec, defineEntity, defineStruct, link, links, struct } from '../meta';
import { Cluster } from './cluster';
import { Host } from './host';
import { Vm } from './vm';

export const AffinityRule = defineStruct('AffinityRule', { doc: 'A rule of an affinity group, for its VMs or for its VMs and hosts.' }, {
  enabled: bool('Whether the group applies this rule.'),
  enforcing: bool('Whether the rule is hard (never broken by placement) or a preference.'),
  positive: bool('Whether the VMs go together (with the hosts) or apart (from them).'),
});

export const AffinityGroup = defineEntity('AffinityGroup', {
  doc: 'VMs, hosts and labels of one cluster with rules on where the VMs run.', inherits: 'cluster',
}, {
  broken: bool('Whether the running VMs break one of the group\'s enabled rules now.', { readOnly: true }),
  enforcing: bool('Whether the VM rule is enforcing (deprecated: `vms_rule.enforcing`).'),
  hosts_rule: struct(() => AffinityRule, 'The rule between the group\'s VMs and its hosts.'),
  positive: bool('Whether the VM rule is positive (deprecated: `vms_rule.positive`).'),
  priority: dec('Which group\'s preferences weigh more where they disagree.'),
  vms_rule: struct(() => AffinityRule, 'The rule among the group\'s VMs.'),
  cluster: link(() => Cluster, 'The cluster whose VMs and hosts the group holds.'),
  host_labels: links(() => AffinityLabel, 'Labels whose hosts are hosts of the group.', { rel: 'hostlabels' }),
  hosts: links(() => Host, 'The hosts of the group.', { rel: 'hosts' }),
  vm_labels: links(() => AffinityLabel, 'Labels whose VMs are VMs of the group.', { rel: 'vmlabels' }),
  vms: links(() => Vm, 'The VMs of the group.', { rel: 'vms' }),
});

export const AffinityLabel = defineEntity('AffinityLabel', { doc: 'A label given to VMs and hosts, which affinity groups name.' }, {
  has_implicit_affinity_group: bool('Whether the label also acts as a positive enforcing VM-to-host group (clusters of level 4.3 and older).'),
  read_only: bool('Whether the label is the engine\'s own and cannot change.', { readOnly: true }),
  hosts: links(() => Host, 'The hosts that carry the label.', { rel: 'hosts' }),
  vms: links(() => Vm, 'The VMs that carry the label.', { rel: 'vms' }),
});
