// The service tree: root → collections → entities → sub-collections and actions, as oVirt's
// model declares it, with each method's inputs and query parameters (oVirt's `@In` and input
// detail, from ovirt-engine-api-model's services/*.java, for what Hangar serves). Routes,
// `<link rel>` lists, `<actions>` blocks and the checks of every call's inputs are derived from it.
import { ActionDecl, InputRule, Params, StructType, action, collectionService, entityService, mandatory, optional, or, rootService } from './meta';
import * as T from './types';

const activation = [
  action('activate', 'Makes the object available for use.', 'manipulate_storage_domain'),
  action('deactivate', 'Takes the object out of use, for maintenance.', 'manipulate_storage_domain', { takes: ['async', 'force'] }),
];

/** A link given by id or by name. */
const named = (path: string) => or(mandatory(`${path}.id`), mandatory(`${path}.name`));
const SEARCH = { search: 'string', case_sensitive: 'boolean' } as const;
const ASYNC = { async: 'boolean' } as const;

/** The permissions given on objects of one kind: `/vms/{id}/permissions` and the like. */
function assignedPermissions(prefix: string, owner: string) {
  const entity = entityService({
    name: `${prefix}Permission`, type: () => T.Permission, doc: `A permission given on a ${owner}.`,
    remove: { permit: 'manipulate_permissions', params: ASYNC },
  });
  return collectionService({
    name: `${prefix}Permissions`, type: () => T.Permission, doc: `Permissions given on a ${owner}.`, owner,
    add: { permit: 'manipulate_permissions', inputs: permissionInputs(owner) }, entity: () => entity,
  });
}

/** A permission names its role, and whom it is given to unless the URL does (`/users/{id}/permissions`). */
function permissionInputs(owner?: string) {
  const grantee = owner === 'user' || owner === 'group' ? [] : [or(mandatory('user.id'), mandatory('group.id'))];
  return [named('role'), ...grantee];
}

/** The current figures of objects of one kind: `/hosts/{id}/statistics` and the like. */
function statisticsOf(prefix: string, owner: string) {
  const entity = entityService({ name: `${prefix}Statistic`, type: () => T.Statistic, doc: `A figure of a ${owner}.` });
  return collectionService({
    name: `${prefix}Statistics`, type: () => T.Statistic, doc: `Current figures of a ${owner}.`, owner, entity: () => entity,
  });
}

/**
 * The tags given to objects of one kind: `/vms/{id}/tags` and the like. Tagging is tag
 * management on the whole system, as in oVirt. The tags listed name the object (`<vm id/>`) but
 * belong to `/tags`: the collection has no owner, and removing one of its members only takes the
 * tag away.
 */
function assignedTags(prefix: string, owner: string) {
  const entity = entityService({
    name: `${prefix}AssignedTag`, type: () => T.Tag, doc: `A tag given to a ${owner}.`,
    remove: { permit: 'tag_management', params: ASYNC },
  });
  return collectionService({
    name: `${prefix}AssignedTags`, type: () => T.Tag, doc: `Tags given to a ${owner}.`, systemWide: true,
    add: { permit: 'tag_management', inputs: [or(mandatory('id'), mandatory('name'))] }, entity: () => entity,
  });
}

export const AssignedTags = {
  vm: assignedTags('Vm', 'vm'),
  host: assignedTags('Host', 'host'),
  template: assignedTags('Template', 'template'),
  user: assignedTags('User', 'user'),
  group: assignedTags('Group', 'group'),
};

const permissionsOf = {
  dataCenter: assignedPermissions('DataCenter', 'data_center'),
  cluster: assignedPermissions('Cluster', 'cluster'),
  host: assignedPermissions('Host', 'host'),
  storageDomain: assignedPermissions('StorageDomain', 'storage_domain'),
  vm: assignedPermissions('Vm', 'vm'),
  template: assignedPermissions('Template', 'template'),
  disk: assignedPermissions('Disk', 'disk'),
  network: assignedPermissions('Network', 'network'),
  cpuProfile: assignedPermissions('CpuProfile', 'cpu_profile'),
  diskProfile: assignedPermissions('DiskProfile', 'disk_profile'),
  vnicProfile: assignedPermissions('VnicProfile', 'vnic_profile'),
  user: assignedPermissions('User', 'user'),
  group: assignedPermissions('Group', 'group'),
  vmPool: assignedPermissions('VmPool', 'vm_pool'),
  quota: assignedPermissions('Quota', 'quota'),
  macPool: assignedPermissions('MacPool', 'mac_pool'),
};

// --- data centers -----------------------------------------------------------

const clusterOptions = optional(
  'version.major', 'version.minor', 'cpu.type', 'ballooning_enabled', 'comment', 'cpu.architecture', 'description', 'display.proxy',
  'error_handling.on_error', 'fencing_policy.enabled', 'fencing_policy.skip_if_connectivity_broken.enabled',
  'fencing_policy.skip_if_connectivity_broken.threshold', 'fencing_policy.skip_if_sd_active.enabled', 'gluster_service',
  'ha_reservation', 'ksm.enabled', 'ksm.merge_across_nodes', 'memory_policy.over_commit.percent', 'threads_as_cores',
  'trusted_service', 'tunnel_migration', 'virt_service', 'management_network.id', 'management_network.name',
  'scheduling_policy.id', 'scheduling_policy.name', 'external_network_providers.id', 'external_network_providers.name', 'fips_mode',
  'mac_pool.id',
);
const clusterUpdate = {
  permit: 'edit_cluster_configuration', params: ASYNC,
  inputs: [optional(
    'ballooning_enabled', 'cpu.architecture', 'cpu.type', 'description', 'display.proxy', 'error_handling.on_error', 'gluster_service',
    'ha_reservation', 'ksm.enabled', 'memory_policy.over_commit.percent', 'name', 'threads_as_cores', 'trusted_service',
    'tunnel_migration', 'version.major', 'version.minor', 'virt_service', 'scheduling_policy.id', 'scheduling_policy.name', 'fips_mode',
    'mac_pool.id',
  )],
};
const networkOptions = optional(
  'comment', 'description', 'ip.address', 'ip.gateway', 'ip.netmask', 'mtu', 'profile_required', 'stp', 'vlan.id', 'usages',
  'external_provider.id', 'external_provider_physical_network.id', 'port_isolation',
);
const networkUpdate = {
  permit: 'configure_storage_pool_network', params: ASYNC,
  inputs: [optional('comment', 'description', 'display', 'ip.address', 'ip.gateway', 'ip.netmask', 'mtu', 'name', 'stp', 'vlan.id')],
};
const networkRemoval = { permit: 'delete_storage_pool_network', params: ASYNC };

export const DataCenterClusters = collectionService({
  name: 'DataCenterClusters', type: () => T.Cluster, doc: 'Clusters of a data center.', owner: 'data_center',
  add: { permit: 'create_cluster', inputs: [mandatory('name'), clusterOptions] }, entity: () => DataCenterCluster,
});
export const DataCenterCluster = entityService({
  name: 'DataCenterCluster', type: () => T.Cluster, doc: 'A cluster of a data center.',
  update: clusterUpdate, remove: { permit: 'delete_cluster', params: ASYNC },
});

export const DataCenterNetworks = collectionService({
  name: 'DataCenterNetworks', type: () => T.Network, doc: 'Networks of a data center.', owner: 'data_center',
  add: { permit: 'create_storage_pool_network', inputs: [mandatory('name'), networkOptions] }, entity: () => DataCenterNetwork,
});
export const DataCenterNetwork = entityService({
  name: 'DataCenterNetwork', type: () => T.Network, doc: 'A network of a data center.', update: networkUpdate, remove: networkRemoval,
});

export const AttachedStorageDomains = collectionService({
  name: 'AttachedStorageDomains', type: () => T.StorageDomain, doc: 'Storage domains attached to a data center.', owner: 'data_center',
  add: { permit: 'manipulate_storage_domain', inputs: [or(mandatory('id'), mandatory('name'))] }, entity: () => AttachedStorageDomain,
});
export const AttachedStorageDomain = entityService({
  name: 'AttachedStorageDomain', type: () => T.StorageDomain, doc: 'A storage domain attached to a data center.',
  remove: { permit: 'manipulate_storage_domain', params: ASYNC }, actions: activation,
});

// Quotas: changing them and their limits is `configure_quota` on the data center, as in oVirt.
const quotaSettings = ['cluster_hard_limit_pct', 'cluster_soft_limit_pct', 'description', 'storage_hard_limit_pct', 'storage_soft_limit_pct'];
const quotaRemoval = { permit: 'configure_quota', params: ASYNC };

/** A limit of a quota: on one cluster or storage domain given by id or name, or on all of them (none given). */
function quotaLimits<T extends StructType>(name: string, type: () => T, what: string, inputs: string[]) {
  const entity = entityService({ name, type, doc: `A ${what} limit of a quota.`, remove: quotaRemoval });
  return collectionService({
    name: `${name}s`, type, doc: `The ${what} limits of a quota.`, owner: 'quota',
    add: { permit: 'configure_quota', inputs: [optional(...inputs)] }, entity: () => entity,
  });
}
export const QuotaClusterLimits = quotaLimits('QuotaClusterLimit', () => T.QuotaClusterLimit, 'vCPU and memory', ['cluster.id', 'cluster.name', 'memory_limit', 'vcpu_limit']);
export const QuotaStorageLimits = quotaLimits('QuotaStorageLimit', () => T.QuotaStorageLimit, 'storage', ['storage_domain.id', 'storage_domain.name', 'limit']);

export const DataCenterQuotas = collectionService({
  name: 'Quotas', type: () => T.Quota, doc: 'Quotas of a data center; each has its Default quota.', owner: 'data_center',
  add: { permit: 'configure_quota', inputs: [mandatory('name'), optional(...quotaSettings)] }, entity: () => DataCenterQuota,
});
export const DataCenterQuota = entityService({
  name: 'Quota', type: () => T.Quota, doc: 'A quota; removing it charges what it had to the Default quota.',
  update: { permit: 'configure_quota', params: ASYNC, inputs: [optional('name', ...quotaSettings)] },
  remove: quotaRemoval,
  locators: { permissions: () => permissionsOf.quota, quotaclusterlimits: () => QuotaClusterLimits, quotastoragelimits: () => QuotaStorageLimits },
});

export const DataCenters = collectionService({
  name: 'DataCenters', type: () => T.DataCenter, doc: 'The data centers.', list: SEARCH,
  add: {
    permit: 'create_storage_pool',
    // oVirt's model makes `local` mandatory too; a data center added without it is shared. It
    // leaves `quota_mode` out of the add and the update, but its engine takes it in both.
    inputs: [mandatory('name'), optional('local', 'comment', 'description', 'mac_pool.id', 'quota_mode', 'storage_format', 'version.major', 'version.minor')],
  },
  entity: () => DataCenterEntity,
});
export const DataCenterEntity = entityService({
  name: 'DataCenter', type: () => T.DataCenter, doc: 'A data center.',
  update: {
    permit: 'edit_storage_pool_configuration', params: ASYNC,
    inputs: [optional('comment', 'description', 'local', 'mac_pool.id', 'name', 'quota_mode', 'storage_format', 'version.major', 'version.minor')],
  },
  remove: { permit: 'delete_storage_pool', params: { force: 'boolean', async: 'boolean' } },
  actions: [
    action('setmaster', 'Makes an active data domain of the data center its master.', 'manipulate_storage_domain', {
      takes: ['storage_domain', 'async'], inputs: [named('storage_domain')],
    }),
    action('cleanfinishedtasks', 'Clears the finished storage tasks of the data center.', 'manipulate_host'),
  ],
  locators: {
    permissions: () => permissionsOf.dataCenter, clusters: () => DataCenterClusters, networks: () => DataCenterNetworks,
    storagedomains: () => AttachedStorageDomains, quotas: () => DataCenterQuotas, qoss: () => DataCenterQoss,
  },
});

// --- clusters, hosts, networks ----------------------------------------------

export const Clusters = collectionService({
  name: 'Clusters', type: () => T.Cluster, doc: 'The clusters.', list: SEARCH,
  add: { permit: 'create_cluster', inputs: [mandatory('name'), named('data_center'), clusterOptions] }, entity: () => ClusterEntity,
});
export const ClusterEntity = entityService({
  name: 'Cluster', type: () => T.Cluster, doc: 'A cluster.', update: clusterUpdate, remove: { permit: 'delete_cluster', params: ASYNC },
  actions: [
    action('syncallnetworks', 'Brings every network of every host of the cluster back to its definition.', 'configure_host_network'),
    action('resetemulatedmachine', 'Has the cluster\'s emulated machine detected again from its hosts; they must not be up.', 'edit_cluster_configuration'),
    action('upgrade', 'Marks the cluster as being upgraded, updates the progress, or clears the mark.', 'edit_cluster_configuration', {
      takes: ['upgrade_action', 'correlation_id', 'upgrade_percent_complete', 'async'],
      inputs: [mandatory('upgrade_action'), optional('correlation_id', 'upgrade_percent_complete')],
    }),
  ],
  locators: {
    permissions: () => permissionsOf.cluster, networks: () => ClusterNetworks, affinitygroups: () => AffinityGroups,
    cpuprofiles: () => ClusterCpuProfiles, enabledfeatures: () => ClusterEnabledFeatures, networkfilters: () => ClusterNetworkFilters,
  },
});

/**
 * The networks of the cluster's data center assigned to the cluster, as the cluster sees them
 * (`required`, their roles in `usages`). They belong to `/networks`: the collection has no owner,
 * and removing one of its members unassigns the network.
 */
export const ClusterNetworks = collectionService({
  name: 'ClusterNetworks', type: () => T.Network, doc: 'Networks assigned to a cluster.',
  add: { permit: 'assign_cluster_network', inputs: [or(mandatory('id'), mandatory('name')), optional('required', 'usages', 'display')] },
  entity: () => ClusterNetwork,
});
export const ClusterNetwork = entityService({
  name: 'ClusterNetwork', type: () => T.Network, doc: 'A network assigned to a cluster.',
  update: { permit: 'configure_cluster_network', params: ASYNC, inputs: [optional('required', 'usages', 'display')] },
  remove: { permit: 'assign_cluster_network', params: ASYNC },
});

export const Hosts = collectionService({
  name: 'Hosts', type: () => T.Host, doc: 'The hosts.', list: { ...SEARCH, migration_target_of: 'string', check_vms_in_affinity_closure: 'boolean' },
  add: {
    permit: 'create_host',
    // oVirt's model makes the cluster mandatory too; a host added without one joins Default.
    inputs: [mandatory('address'), mandatory('name'), optional(
      'cluster.id', 'cluster.name', 'root_password', 'comment', 'display.address', 'override_iptables', 'port',
      'power_management.automatic_pm_enabled', 'power_management.enabled', 'power_management.kdump_detection', 'protocol',
      'spm.priority', 'vgpu_placement', 'power_management.pm_proxies.type',
    )],
    params: { deploy_hosted_engine: 'boolean', undeploy_hosted_engine: 'boolean', activate: 'boolean', reboot: 'boolean' },
  },
  entity: () => HostEntity,
});
export const HostStatistics = statisticsOf('Host', 'host');

// --- networks on hosts --------------------------------------------------------

const attachmentOptions = optional(
  'properties.name', 'properties.value', 'ip_address_assignments.assignment_method', 'ip_address_assignments.ip.address',
  'ip_address_assignments.ip.gateway', 'ip_address_assignments.ip.netmask', 'ip_address_assignments.ip.version',
);
const attachmentEntity = (prefix: string, where: string) => entityService({
  name: `${prefix}NetworkAttachment`, type: () => T.NetworkAttachment, doc: `A network attached to ${where}.`,
  update: { permit: 'configure_host_network', params: ASYNC, inputs: [attachmentOptions] },
  remove: { permit: 'configure_host_network', params: ASYNC },
});

const hostAttachment = attachmentEntity('Host', 'an interface of a host');
export const HostNetworkAttachments = collectionService({
  name: 'HostNetworkAttachments', type: () => T.NetworkAttachment, doc: 'Networks attached to the interfaces of a host.', owner: 'host',
  // oVirt's model names only the network; attached from the host, the interface must be named too.
  add: { permit: 'configure_host_network', inputs: [named('network'), named('host_nic'), attachmentOptions] }, entity: () => hostAttachment,
});
const nicAttachment = attachmentEntity('HostNic', 'a host interface');
export const HostNicNetworkAttachments = collectionService({
  name: 'HostNicNetworkAttachments', type: () => T.NetworkAttachment, doc: 'Networks attached to a host interface.', owner: 'host_nic',
  add: { permit: 'configure_host_network', inputs: [named('network'), attachmentOptions] }, entity: () => nicAttachment,
});

/** Labels kept with what carries them: `/hosts/{id}/nics/{id}/networklabels`, `/networks/{id}/networklabels`. */
function labelsOf(prefix: string, owner: string, permit: string) {
  const entity = entityService({
    name: `${prefix}NetworkLabel`, type: () => T.NetworkLabel, doc: `A label of a ${owner}.`, remove: { permit, params: ASYNC },
  });
  return collectionService({
    name: `${prefix}NetworkLabels`, type: () => T.NetworkLabel, doc: `Labels of a ${owner}.`, owner,
    add: { permit, inputs: [mandatory('id')] }, entity: () => entity,
  });
}
export const HostNicNetworkLabels = labelsOf('HostNic', 'host_nic', 'configure_host_network');
export const NetworkNetworkLabels = labelsOf('Network', 'network', 'configure_storage_pool_network');

export const HostNicStatistics = statisticsOf('HostNic', 'host_nic');

export const HostNics = collectionService({
  name: 'HostNics', type: () => T.HostNic, doc: 'Network interfaces of a host, bonds and VLAN interfaces included.', owner: 'host', entity: () => HostNicEntity,
});
export const HostNicEntity = entityService({
  name: 'HostNic', type: () => T.HostNic, doc: 'A network interface of a host.',
  locators: { networkattachments: () => HostNicNetworkAttachments, networklabels: () => HostNicNetworkLabels, statistics: () => HostNicStatistics },
});

export const UnmanagedNetworks = collectionService({
  name: 'UnmanagedNetworks', type: () => T.UnmanagedNetwork, doc: 'Networks a host has that the engine does not manage.', owner: 'host',
  entity: () => UnmanagedNetwork,
});
export const UnmanagedNetwork = entityService({
  name: 'UnmanagedNetwork', type: () => T.UnmanagedNetwork, doc: 'A network on a host that the engine does not manage.',
  remove: { permit: 'configure_host_network', params: ASYNC },
});

const setupNetworks = action('setupnetworks', 'Changes the networks, bonds and labels of a host\'s interfaces at once.', 'configure_host_network', {
  takes: [
    'modified_network_attachments', 'removed_network_attachments', 'synchronized_network_attachments', 'modified_bonds', 'removed_bonds',
    'modified_labels', 'removed_labels', 'commit_on_success', 'check_connectivity', 'connectivity_timeout', 'async',
  ],
  inputs: [optional(
    'commit_on_success', 'check_connectivity', 'connectivity_timeout',
    'modified_network_attachments.host_nic.name', 'modified_network_attachments.host_nic.id', 'modified_network_attachments.id',
    'modified_network_attachments.ip_address_assignments.ip', 'modified_network_attachments.ip_address_assignments.assignment_method',
    'modified_network_attachments.network.name', 'modified_network_attachments.network.id',
    'modified_network_attachments.properties.name', 'modified_network_attachments.properties.value',
    'removed_labels.id', 'synchronized_network_attachments.id', 'removed_network_attachments.id',
    'modified_labels.host_nic.name', 'modified_labels.host_nic.id', 'modified_labels.id',
    'modified_bonds.bonding.options.name', 'modified_bonds.bonding.options.value', 'modified_bonds.name', 'modified_bonds.id',
    'removed_bonds.name', 'removed_bonds.id',
  )],
});

export const HostEntity = entityService({
  name: 'Host', type: () => T.Host, doc: 'A host.',
  update: {
    permit: 'edit_host_configuration', params: ASYNC,
    inputs: [optional(
      'address', 'comment', 'display.address', 'name', 'port', 'power_management.automatic_pm_enabled', 'power_management.enabled',
      'power_management.kdump_detection', 'spm.priority', 'vgpu_placement', 'cluster.id', 'cluster.name', 'root_password',
    )],
  },
  remove: { permit: 'delete_host', params: { force: 'boolean', async: 'boolean' } },
  actions: [
    action('activate', 'Brings a host out of maintenance.', 'manipulate_host'),
    action('deactivate', 'Puts a host into maintenance, migrating its VMs away.', 'manipulate_host', {
      takes: ['reason', 'async', 'stop_gluster_service'], inputs: [optional('reason')],
    }),
    action('refresh', 'Reads the host\'s capabilities again.', 'manipulate_host'),
    setupNetworks,
    action('commitnetconfig', 'Makes the host\'s network configuration persist across reboots.', 'configure_host_network'),
    action('syncallnetworks', 'Brings every network of the host back to its definition.', 'configure_host_network'),
    action('copyhostnetworks', 'Gives the host the network configuration of another host.', 'configure_host_network', {
      takes: ['source_host', 'async'], inputs: [mandatory('source_host.id')],
    }),
    action('install', 'Installs the host again; it must be in maintenance.', 'edit_host_configuration', {
      takes: ['activate', 'root_password', 'ssh', 'host', 'image', 'async', 'deploy_hosted_engine', 'undeploy_hosted_engine', 'reboot'],
      inputs: [optional(
        'activate', 'root_password', 'host.override_iptables', 'image', 'deploy_hosted_engine', 'undeploy_hosted_engine', 'reboot',
      )],
    }),
    action('approve', 'Approves a host waiting for approval, then installs it.', 'create_host', {
      takes: ['host', 'cluster', 'async', 'activate', 'reboot'],
      inputs: [optional('cluster.id', 'cluster.name', 'activate', 'reboot', 'host.root_password')],
    }),
    action('upgradecheck', 'Checks whether the host has updates to install.', 'edit_host_configuration', { takes: [] }),
    action('upgrade', 'Installs the updates the last check found.', 'edit_host_configuration', {
      takes: ['image', 'reboot', 'async', 'timeout'], inputs: [optional('image', 'reboot', 'timeout')],
    }),
    action('enrollcertificate', 'Issues the host a new certificate from the engine\'s CA; the host must be in maintenance.', 'edit_host_configuration'),
    action('fence', 'Controls the host\'s power through its fence agents: status, start, stop, restart; or confirms a manual reboot.', 'manipulate_host', {
      takes: ['fence_type', 'async', 'maintenance_after_restart'], inputs: [mandatory('fence_type'), optional('maintenance_after_restart')],
    }),
    action('forceselectspm', 'Makes the host the storage pool manager of its data center.', 'manipulate_host'),
  ],
  locators: {
    permissions: () => permissionsOf.host, statistics: () => HostStatistics, nics: () => HostNics, tags: () => AssignedTags.host,
    networkattachments: () => HostNetworkAttachments, unmanagednetworks: () => UnmanagedNetworks, affinitylabels: () => AssignedAffinityLabels.host,
    fenceagents: () => FenceAgents, hooks: () => HostHooks, devices: () => HostDevices, numanodes: () => HostNumaNodes,
    cpuunits: () => HostCpuUnits, storage: () => HostStorage, storageconnectionextensions: () => StorageConnectionExtensions,
  },
});

const fenceAgentInputs = ['port', 'encrypt_options', 'name', 'options.name', 'options.value', 'options.type', 'concurrent'];
export const FenceAgents = collectionService({
  name: 'FenceAgents', type: () => T.Agent, doc: 'Fence agents of a host.', owner: 'host',
  // The SDK's examples give `options` too, which oVirt takes.
  add: {
    permit: 'edit_host_configuration',
    inputs: [mandatory('address'), mandatory('order'), mandatory('password'), mandatory('type'), mandatory('username'), optional(...fenceAgentInputs)],
  },
  entity: () => FenceAgent,
});
export const FenceAgent = entityService({
  name: 'FenceAgent', type: () => T.Agent, doc: 'A fence agent of a host.',
  update: { permit: 'edit_host_configuration', params: ASYNC, inputs: [optional('address', 'order', 'password', 'type', 'username', ...fenceAgentInputs)] },
  remove: { permit: 'edit_host_configuration', params: ASYNC },
});

export const HostHooks = collectionService({ name: 'HostHooks', type: () => T.Hook, doc: 'Hooks installed on a host.', owner: 'host', entity: () => HostHook });
export const HostHook = entityService({ name: 'HostHook', type: () => T.Hook, doc: 'A hook installed on a host.' });
export const HostDevices = collectionService({ name: 'HostDevices', type: () => T.HostDevice, doc: 'Devices of a host.', owner: 'host', entity: () => HostDevice });
export const HostDevice = entityService({ name: 'HostDevice', type: () => T.HostDevice, doc: 'A device of a host.' });
export const HostNumaNodes = collectionService({ name: 'HostNumaNodes', type: () => T.NumaNode, doc: 'NUMA nodes of a host.', owner: 'host', entity: () => HostNumaNode });
export const HostNumaNode = entityService({ name: 'HostNumaNode', type: () => T.NumaNode, doc: 'A NUMA node of a host.' });
export const HostCpuUnits = collectionService({ name: 'HostCpuUnits', type: () => T.HostCpuUnit, doc: 'Physical CPUs of a host.', entity: () => HostCpuUnit });
export const HostCpuUnit = entityService({ name: 'HostCpuUnit', type: () => T.HostCpuUnit, doc: 'A physical CPU of a host.' });
/** The block storage a host sees (LUNs); file storage is reached through its domains, not listed here. */
export const HostStorage = collectionService({
  name: 'HostStorage', type: () => T.HostStorage, doc: 'Storage a host sees.', owner: 'host', list: { report_status: 'boolean' }, entity: () => HostStorageEntity,
});
export const HostStorageEntity = entityService({ name: 'Storage', type: () => T.HostStorage, doc: 'Storage a host sees.' });

export const StorageConnectionExtensions = collectionService({
  name: 'StorageServerConnectionExtensions', type: () => T.StorageConnectionExtension, doc: 'Per-host iSCSI credentials.', owner: 'host',
  add: { permit: 'create_storage_domain', inputs: [mandatory('password'), mandatory('target'), mandatory('username')] },
  entity: () => StorageConnectionExtension,
});
export const StorageConnectionExtension = entityService({
  name: 'StorageServerConnectionExtension', type: () => T.StorageConnectionExtension, doc: 'Per-host credentials for an iSCSI target.',
  update: { permit: 'create_storage_domain', params: ASYNC, inputs: [optional('password', 'target', 'username')] },
  remove: { permit: 'create_storage_domain', params: ASYNC },
});

const vnicProfileOptions = optional('description', 'pass_through.mode', 'port_mirroring', 'custom_properties.name', 'custom_properties.value', 'failover');
const vnicProfileRemoval = { permit: 'delete_network_vnic_profile', params: ASYNC };

export const NetworkVnicProfiles = collectionService({
  name: 'AssignedVnicProfiles', type: () => T.VnicProfile, doc: 'vNIC profiles of a network.', owner: 'network',
  add: { permit: 'create_network_vnic_profile', inputs: [mandatory('name'), vnicProfileOptions] }, entity: () => NetworkVnicProfile,
});
export const NetworkVnicProfile = entityService({
  name: 'AssignedVnicProfile', type: () => T.VnicProfile, doc: 'A vNIC profile of a network.', remove: vnicProfileRemoval,
});

export const Networks = collectionService({
  name: 'Networks', type: () => T.Network, doc: 'The logical networks.', list: SEARCH,
  // oVirt's model declares `or(mandatory(id), mandatory(name))`; a new network needs its name and data center.
  add: { permit: 'create_storage_pool_network', inputs: [mandatory('name'), named('data_center'), networkOptions] }, entity: () => NetworkEntity,
});
export const NetworkEntity = entityService({
  name: 'Network', type: () => T.Network, doc: 'A logical network.', update: networkUpdate, remove: networkRemoval,
  locators: { permissions: () => permissionsOf.network, vnicprofiles: () => NetworkVnicProfiles, networklabels: () => NetworkNetworkLabels },
});

export const VnicProfiles = collectionService({
  name: 'VnicProfiles', type: () => T.VnicProfile, doc: 'The vNIC profiles.',
  add: { permit: 'create_network_vnic_profile', inputs: [mandatory('name'), named('network'), vnicProfileOptions] }, entity: () => VnicProfileEntity,
});
export const VnicProfileEntity = entityService({
  name: 'VnicProfile', type: () => T.VnicProfile, doc: 'A vNIC profile.', remove: vnicProfileRemoval,
  locators: { permissions: () => permissionsOf.vnicProfile },
  update: {
    permit: 'configure_network_vnic_profile', params: ASYNC,
    inputs: [optional('description', 'name', 'pass_through.mode', 'port_mirroring', 'custom_properties.name', 'custom_properties.value', 'network_filter', 'qos', 'failover')],
  },
});

// --- storage ----------------------------------------------------------------

export const StorageDomainFiles = collectionService({
  name: 'Files', type: () => T.File, doc: 'Files (ISO and floppy images) of a storage domain.',
  owner: 'storage_domain', entity: () => StorageDomainFile,
});
export const StorageDomainFile = entityService({
  name: 'File', type: () => T.File, doc: 'A file of a storage domain.',
});

export const StorageDomainDisks = collectionService({
  name: 'StorageDomainDisks', type: () => T.Disk,
  doc: 'Disks stored on a storage domain; with `unregistered`, the disks of its directory the engine does not know.',
  owner: 'storage_domain', list: { unregistered: 'boolean' },
  // oVirt's deprecated add: a new disk on the domain, or with `unregistered` a disk of its directory registered.
  add: {
    permit: 'create_disk', params: { unregistered: 'boolean' },
    inputs: [optional('alias', 'description', 'name', 'shareable', 'sparse', 'wipe_after_delete', 'backup')],
    signatures: { Registering: [mandatory('id')], New: [mandatory('provisioned_size'), mandatory('format'), optional('id')] },
  },
  entity: () => StorageDomainDisk,
});
export const StorageDomainDisk = entityService({
  name: 'StorageDomainDisk', type: () => T.Disk, doc: 'A disk stored on a storage domain; removing it removes the disk.',
  remove: { permit: 'delete_disk', params: ASYNC },
  actions: [action('register', 'Makes a disk of the domain\'s directory that the engine does not know a floating disk of the engine.', 'create_disk')],
});

/** What a data domain's directory holds that the engine does not know: VMs and templates of its OVF store, volumes. */
export const StorageDomainVms = collectionService({
  name: 'StorageDomainVms', type: () => T.Vm, doc: 'VMs with disks on the domain; with `unregistered`, those of its OVF store the engine does not know; of an export domain, those exported there.',
  owner: 'storage_domain', list: { unregistered: 'boolean' }, entity: () => StorageDomainVm,
});
export const StorageDomainVm = entityService({
  name: 'StorageDomainVm', type: () => T.Vm, doc: 'A VM of the domain.',
  actions: [action('import', 'Makes a VM of an export domain a VM of the engine, with a copy of each disk on a data domain.', 'import_export_vm', {
    takes: ['cluster', 'storage_domain', 'vm', 'clone', 'collapse_snapshots', 'exclusive', 'async'],
    inputs: [or(mandatory('cluster.id'), mandatory('cluster.name')), or(mandatory('storage_domain.id'), mandatory('storage_domain.name')), optional('vm.name', 'clone', 'collapse_snapshots', 'exclusive')],
  }), action('register', 'Makes a VM of the OVF store a VM of the engine again, with its disks on the domain.', 'import_export_vm', {
    takes: ['allow_partial_import', 'clone', 'cluster', 'reassign_bad_macs', 'registration_configuration', 'vm', 'vnic_profile_mappings', 'async'],
    inputs: [optional(
      'cluster.id', 'cluster.name', 'vm.name', 'allow_partial_import', 'reassign_bad_macs', 'clone',
      'vnic_profile_mappings.source_network_name', 'vnic_profile_mappings.source_network_profile_name', 'vnic_profile_mappings.target_vnic_profile.id',
      'vnic_profile_mappings.target_vnic_profile.name', 'registration_configuration',
    )],
  })],
});
export const StorageDomainTemplates = collectionService({
  name: 'StorageDomainTemplates', type: () => T.Template, doc: 'Templates with disks on the domain; with `unregistered`, those of its OVF store the engine does not know; of an export domain, those exported there.',
  owner: 'storage_domain', list: { unregistered: 'boolean' }, entity: () => StorageDomainTemplate,
});
export const StorageDomainTemplate = entityService({
  name: 'StorageDomainTemplate', type: () => T.Template, doc: 'A template of the domain.',
  actions: [action('import', 'Makes a template of an export domain a template of the engine, with a copy of each disk on a data domain.', 'import_export_vm', {
    takes: ['cluster', 'storage_domain', 'template', 'clone', 'exclusive', 'async'],
    inputs: [or(mandatory('cluster.id'), mandatory('cluster.name')), or(mandatory('storage_domain.id'), mandatory('storage_domain.name')), optional('template.name', 'clone', 'exclusive')],
  }), action('register', 'Makes a template of the OVF store a template of the engine again, with its disks on the domain.', 'import_export_vm', {
    takes: ['allow_partial_import', 'clone', 'cluster', 'exclusive', 'registration_configuration', 'template', 'vnic_profile_mappings', 'async'],
    inputs: [optional('cluster.id', 'cluster.name', 'template.name', 'allow_partial_import', 'registration_configuration', 'vnic_profile_mappings.source_network_name',
      'vnic_profile_mappings.source_network_profile_name', 'vnic_profile_mappings.target_vnic_profile.id', 'vnic_profile_mappings.target_vnic_profile.name')],
  })],
});
export const StorageDomainImages = collectionService({
  name: 'Images', type: () => T.Image, doc: 'The volumes in the domain\'s directory that no disk of the engine holds.', owner: 'storage_domain', entity: () => StorageDomainImage,
});
export const StorageDomainImage = entityService({ name: 'Image', type: () => T.Image, doc: 'A volume of the domain no disk holds.' });

export const StorageDomains = collectionService({
  name: 'StorageDomains', type: () => T.StorageDomain, doc: 'The storage domains.', list: SEARCH,
  add: {
    permit: 'create_storage_domain',
    // Domains here are directories (oVirt's `ByPath` and `Local`), so each needs its path and a
    // name; no host has to mount them.
    inputs: [mandatory('name'), mandatory('type'), mandatory('storage.type'), mandatory('storage.path'), optional(
      'host.id', 'host.name', 'comment', 'critical_space_action_blocker', 'warning_low_space_indicator', 'backup', 'block_size',
      'storage.address', 'storage.vfs_type', 'storage.mount_options', 'storage_format', 'wipe_after_delete',
      // A domain found in storage.path, taken over with its disks (its id and format are its own).
      'import',
    )],
  },
  entity: () => StorageDomainEntity,
});
export const StorageDomainEntity = entityService({
  name: 'StorageDomain', type: () => T.StorageDomain, doc: 'A storage domain.',
  update: {
    // The storage's place and type are fixed at creation; block storage (LUNs) is not served.
    permit: 'edit_storage_domain_configuration', params: ASYNC,
    inputs: [optional('name', 'description', 'comment', 'critical_space_action_blocker', 'warning_low_space_indicator', 'wipe_after_delete')],
  },
  remove: { permit: 'delete_storage_domain', params: { host: 'string', format: 'boolean', destroy: 'boolean', async: 'boolean' } },
  actions: [
    action('isattached', 'Tells whether the domain is attached to a data center.', 'manipulate_storage_domain', {
      takes: ['host', 'async'], inputs: [optional('host.id', 'host.name')],
    }),
    action('updateovfstore', 'Writes the OVF documents of the VMs on the domain into its OVF store.', 'manipulate_storage_domain'),
  ],
  locators: {
    permissions: () => permissionsOf.storageDomain, files: () => StorageDomainFiles, disks: () => StorageDomainDisks,
    diskprofiles: () => StorageDomainDiskProfiles, storageconnections: () => StorageDomainConnections,
    disksnapshots: () => StorageDomainDiskSnapshots, vms: () => StorageDomainVms, templates: () => StorageDomainTemplates,
    images: () => StorageDomainImages,
  },
});

export const StorageDomainDiskSnapshots = collectionService({
  name: 'StorageDomainDiskSnapshots', type: () => T.DiskSnapshot, doc: 'The snapshot volumes of the disks of a storage domain.',
  list: { include_active: 'boolean', include_template: 'boolean' }, entity: () => StorageDomainDiskSnapshot,
});
export const StorageDomainDiskSnapshot = entityService({ name: 'StorageDomainDiskSnapshot', type: () => T.DiskSnapshot, doc: 'A snapshot volume of a disk of the domain.' });

/** A new disk image on a storage domain (oVirt's `OnStorageDomain`): here every disk has one. */
const newDisk = (prefix: string) => [
  mandatory(`${prefix}provisioned_size`), mandatory(`${prefix}format`),
  or(mandatory(`${prefix}storage_domains.id`), mandatory(`${prefix}storage_domains.name`)),
  // Incremental backup: a qcow2 disk keeps checkpoints (upload_disk.py --enable-backup).
  optional(`${prefix}backup`),
];

export const Disks = collectionService({
  name: 'Disks', type: () => T.Disk, doc: 'The disks.', list: SEARCH,
  add: {
    permit: 'create_disk',
    // oVirt's model makes the deprecated disk `interface` mandatory too; attachments carry it.
    inputs: [...newDisk(''), optional(
      'interface', 'alias', 'bootable', 'description', 'propagate_errors', 'quota.id', 'shareable', 'sparse', 'wipe_after_delete',
      'id', 'disk_profile.id', 'name', 'openstack_volume_type.name',
    )],
  },
  entity: () => DiskEntity,
});
export const DiskSnapshots = collectionService({
  name: 'DiskSnapshots', type: () => T.DiskSnapshot, doc: 'The snapshots of a disk: the volumes of its chain.', owner: 'disk',
  list: { include_active: 'boolean', include_template: 'boolean' }, entity: () => DiskSnapshotEntity,
});
export const DiskSnapshotEntity = entityService({ name: 'DiskSnapshot', type: () => T.DiskSnapshot, doc: 'A snapshot of a disk.' });

/** What an update changes of a disk: a volume's format and allocation are not converted here. */
const diskChanges = ['alias', 'backup', 'bootable', 'comment', 'description', 'name', 'propagate_errors', 'provisioned_size', 'quota.id', 'shareable', 'wipe_after_delete'];

export const DiskEntity = entityService({
  name: 'Disk', type: () => T.Disk, doc: 'A disk.',
  update: { permit: 'edit_disk_properties', inputs: [optional(...diskChanges)] },
  remove: { permit: 'delete_disk', params: ASYNC },
  actions: [
    action('copy', 'Makes a new disk on a storage domain with what this one reads, its snapshots collapsed.', 'configure_disk_storage', {
      takes: ['storage_domain', 'disk', 'async', 'filter'],
      inputs: [or(mandatory('storage_domain.id'), mandatory('storage_domain.name')), optional('disk.name', 'disk.alias')],
    }),
    action('move', 'Moves the disk to another storage domain.', 'configure_disk_storage', {
      takes: ['storage_domain', 'async', 'filter'],
      inputs: [or(mandatory('storage_domain.id'), mandatory('storage_domain.name'))],
    }),
    action('convert', 'Changes the format or the allocation of the disk\'s volume.', 'configure_disk_storage', {
      takes: ['disk', 'async'],
      inputs: [or(mandatory('disk.format'), mandatory('disk.sparse'))],
    }),
    action('sparsify', 'Gives back to the storage the blocks of the disk that hold only zeros.', 'sparsify_disk'),
    action('reduce', 'Shrinks the logical volume of a disk on a block domain to what its image uses; file domains need none.', 'reduce_disk', { takes: ['async'] }),
  ],
  locators: { permissions: () => permissionsOf.disk, disksnapshots: () => DiskSnapshots, statistics: () => DiskStatistics },
});

export const ImageTransfers = collectionService({
  name: 'ImageTransfers', type: () => T.ImageTransfer, doc: 'Uploads and downloads of disk images through the image proxy.',
  // A transfer of a disk snapshot acts on the snapshot's disk.
  add: {
    permit: 'access_image_storage', on: ['snapshot', 'disk'],
    // oVirt's signatures ForDisk, ForSnapshot and the deprecated ForImage (`image` names the disk).
    inputs: [or(mandatory('disk.id'), mandatory('snapshot.id'), mandatory('image.id')), optional(
      'direction', 'format', 'inactivity_timeout', 'timeout_policy', 'shallow', 'host.id', 'backup.id',
    )],
  },
  entity: () => ImageTransferEntity,
});
const transferAction = (name: string, doc: string) => action(name, doc, 'access_image_storage', { takes: [] });
export const ImageTransferEntity = entityService({
  name: 'ImageTransfer', type: () => T.ImageTransfer, doc: 'An upload or download of a disk image.',
  actions: [
    transferAction('extend', 'Keeps the transfer alive.'),
    transferAction('pause', 'Pauses an upload.'),
    transferAction('resume', 'Resumes a paused transfer.'),
    transferAction('cancel', 'Aborts the transfer; an upload\'s disk is removed.'),
    transferAction('finalize', 'Ends the transfer, checking what was uploaded.'),
  ],
});

// --- templates and virtual machines -----------------------------------------

/**
 * What VMs and templates both take in an add or an update (oVirt declares each; these are in
 * both). `memory_policy.max` is missing from oVirt's lists, but its engine changes it.
 */
const vmBaseChanges = [
  'memory_policy.max',
  'bios.boot_menu.enabled', 'comment', 'console.enabled', 'cpu.architecture', 'cpu.topology.cores', 'cpu.topology.sockets',
  'cpu.topology.threads', 'cpu_profile.id', 'cpu_shares', 'custom_cpu_model', 'custom_emulated_machine', 'delete_protected',
  'description', 'display.allow_override', 'display.copy_paste_enabled', 'display.file_transfer_enabled', 'display.keyboard_layout',
  'display.monitors', 'display.single_qxl_pci', 'display.smartcard_enabled', 'display.type', 'domain.name',
  'high_availability.enabled', 'high_availability.priority', 'io.threads', 'large_icon.id', 'memory', 'memory_policy.ballooning',
  'memory_policy.guaranteed', 'migration.auto_converge', 'migration.compressed', 'migration_downtime', 'name', 'origin',
  'os.cmdline', 'os.initrd', 'os.kernel', 'os.type', 'rng_device.rate.bytes', 'rng_device.rate.period', 'rng_device.source',
  'serial_number.policy', 'serial_number.value', 'small_icon.id', 'soundcard_enabled', 'start_paused', 'stateless',
  'time_zone.name', 'tunnel_migration', 'type', 'usb.enabled', 'usb.type', 'virtio_scsi.enabled', 'os.boot.devices',
  'placement_policy.hosts.id', 'placement_policy.hosts.name', 'cpu.cpu_tune.vcpu_pins.cpu_set', 'cpu.cpu_tune.vcpu_pins.vcpu',
  'custom_properties.name', 'custom_properties.value', 'sso.methods.id', 'storage_error_resume_behaviour', 'multi_queues_enabled',
  'virtio_scsi_multi_queues_enabled', 'virtio_scsi_multi_queues', 'tpm_enabled', 'auto_pinning_policy',
];
const templateChanges = ['display.disconnect_action', 'initialization.configuration.data', 'initialization.configuration.type', 'version.version_name'];
const vmChanges = [
  'cpu.mode', 'display.video_type', 'external_host_provider.id', 'numa_tune_mode', 'placement_policy.affinity',
  'use_latest_template_version', 'cluster.id', 'cluster.name', 'instance_type.id', 'instance_type.name',
  'payloads.files.name', 'payloads.files.content', 'payloads.type', 'payloads.volume_id',
];

export const Templates = collectionService({
  name: 'Templates', type: () => T.Template, doc: 'The templates.', list: SEARCH,
  add: {
    permit: 'create_template', params: { clone_permissions: 'boolean', seal: 'boolean' },
    // From a VM, or (as upload_ova_as_vm_or_template.py --template adds) from an OVF document, which gives the name.
    signatures: {
      FromVm: [mandatory('name'), named('vm')],
      FromConfiguration: [named('cluster'), mandatory('initialization.configuration.type'), mandatory('initialization.configuration.data')],
    },
    inputs: [optional(
      'name',
      ...vmBaseChanges, ...templateChanges, 'cluster.id', 'cluster.name', 'storage_domain.id', 'version.base_template.id',
      'vm.disk_attachments.id', 'vm.disk_attachments.name', 'vm.disk_attachments.description',
      // How each disk is copied, as oVirt's documentation of the method and the SDK's add_template.py give it.
      'vm.disk_attachments.disk.id', 'vm.disk_attachments.disk.format', 'vm.disk_attachments.disk.sparse',
      'vm.disk_attachments.disk.alias', 'vm.disk_attachments.disk.name', 'vm.disk_attachments.disk.storage_domains.id',
    )],
  },
  entity: () => TemplateEntity,
});
export const TemplateEntity = entityService({
  name: 'Template', type: () => T.Template, doc: 'A template.',
  update: { permit: 'edit_template_properties', params: ASYNC, inputs: [optional(...vmBaseChanges, ...templateChanges)] },
  remove: { permit: 'delete_template', params: ASYNC },
  actions: [
    // As the VM's: to an export domain, or (the SDK's `export_to_path_on_host`) as an OVA file in a directory of a host.
    action('export', 'Copies the template to an export domain, or writes it as an OVA in a directory under a storage root.', 'import_export_vm', {
      takes: ['storage_domain', 'host', 'directory', 'filename', 'exclusive', 'async'],
      inputs: [
        or(mandatory('storage_domain.id'), mandatory('storage_domain.name'), mandatory('host.id'), mandatory('host.name')),
        optional('directory', 'filename', 'exclusive'),
      ],
    }),
  ],
  locators: {
    permissions: () => permissionsOf.template, tags: () => AssignedTags.template, graphicsconsoles: () => TemplateGraphicsConsoles,
    watchdogs: () => TemplateWatchdogs, mediateddevices: () => TemplateMediatedDevices, nics: () => TemplateNics, cdroms: () => TemplateCdroms,
    diskattachments: () => TemplateDiskAttachments,
  },
});
export const TemplateDiskAttachments = collectionService({
  name: 'TemplateDiskAttachments', type: () => T.DiskAttachment, doc: 'The disks of a template: its own copies of its VM\'s disks.',
  owner: 'template', entity: () => TemplateDiskAttachment,
});
export const TemplateDiskAttachment = entityService({
  name: 'TemplateDiskAttachment', type: () => T.DiskAttachment, doc: 'A disk of a template.',
  // `storage_domain` names the copy to remove (a template disk may have a copy per domain).
  remove: { permit: 'delete_disk', params: { storage_domain: 'string', force: 'boolean' } },
});

const nicChanges = ['linked', 'mac.address', 'plugged', 'vnic_profile.id'];
export const VmNics = collectionService({
  name: 'VmNics', type: () => T.Nic, doc: 'Network interfaces of a virtual machine.', owner: 'vm',
  add: { permit: 'configure_vm_network', inputs: [mandatory('name'), optional(...nicChanges, 'interface')] }, entity: () => VmNic,
});
export const VmNic = entityService({
  name: 'VmNic', type: () => T.Nic, doc: 'A network interface of a virtual machine.',
  update: { permit: 'configure_vm_network', params: ASYNC, inputs: [optional('name', ...nicChanges)] },
  remove: { permit: 'configure_vm_network', params: ASYNC },
  locators: { reporteddevices: () => VmNicReportedDevices, statistics: () => VmNicStatistics },
});

export const VmDiskAttachments = collectionService({
  name: 'DiskAttachments', type: () => T.DiskAttachment, doc: 'Disks attached to a virtual machine.', owner: 'vm',
  add: {
    permit: 'configure_vm_storage',
    // As oVirt's AttachDiskToVmCommand: an existing disk needs its own permit too.
    linked: [{ link: 'disk', permit: 'attach_disk' }],
    // oVirt's model makes `bootable` and `pass_discard` mandatory too; both are false unless given.
    inputs: [mandatory('interface'), optional('bootable', 'pass_discard', 'active', 'read_only', 'uses_scsi_reservation', 'logical_name')],
    // An existing disk, or a new one made with the attachment.
    // `disk.snapshot.id` attaches the disk as that snapshot holds it, as backup software does.
    signatures: { ProvidingDiskId: [mandatory('disk.id'), optional('disk.snapshot.id')], OnStorageDomain: newDisk('disk.') },
  },
  entity: () => VmDiskAttachment,
});
export const VmDiskAttachment = entityService({
  name: 'DiskAttachment', type: () => T.DiskAttachment, doc: 'A disk attached to a virtual machine.',
  // The attachment's `disk` members change the disk itself.
  update: {
    permit: 'configure_vm_storage',
    // oVirt's engine also takes `active` (plugging and unplugging the disk, as the SDK's
    // deactivate_disk_attachment.py does), `interface`, `pass_discard` and `read_only`.
    inputs: [optional('active', 'bootable', 'description', 'interface', 'name', 'pass_discard', 'read_only', 'uses_scsi_reservation', ...diskChanges.map((c) => `disk.${c}`))],
  },
  remove: { permit: 'configure_vm_storage', params: { detach_only: 'boolean' } },
});

export const VmCdroms = collectionService({
  name: 'VmCdroms', type: () => T.Cdrom, doc: 'CD-ROM drives of a virtual machine.',
  owner: 'vm', entity: () => VmCdrom,
});
export const VmCdrom = entityService({
  name: 'VmCdrom', type: () => T.Cdrom, doc: 'A CD-ROM drive of a virtual machine.',
  // `current` asks for the running VM's drive; here the drive is one, running or not.
  update: { permit: 'change_vm_cd', params: { current: 'boolean' }, inputs: [optional('file.id')] },
});

// --- devices of VMs, templates and instance types ---------------------------

/** Who may change the devices of a VM, a template or an instance type. */
const DEVICE_PERMITS = { vm: 'edit_vm_properties', template: 'edit_template_properties', instance_type: 'edit_admin_template_properties' } as const;
type DeviceOwner = keyof typeof DEVICE_PERMITS;
const OWNER_PREFIX: Record<DeviceOwner, string> = { vm: 'Vm', template: 'Template', instance_type: 'InstanceType' };
const OWNER_WORD: Record<DeviceOwner, string> = { vm: 'virtual machine', template: 'template', instance_type: 'instance type' };

/**
 * A device sub-collection of one kind of owner (`/vms/{id}/watchdogs`, `/templates/{id}/watchdogs`):
 * the members it adds take `add`, an update (when given) `update`; `actions` are the entity's.
 */
function devicesOf<T extends StructType>(owner: DeviceOwner, o: {
  name: string; type: () => T; what: string; add?: readonly InputRule[]; update?: readonly InputRule[];
  list?: Params; actions?: ActionDecl[];
}) {
  const permit = DEVICE_PERMITS[owner];
  const entity = entityService({
    name: `${OWNER_PREFIX[owner]}${o.name}`, type: o.type, doc: `A ${o.what} of a ${OWNER_WORD[owner]}.`, actions: o.actions ?? [],
    update: o.update ? { permit, params: ASYNC, inputs: o.update } : undefined,
    remove: o.add ? { permit, params: ASYNC } : undefined,
  });
  return collectionService({
    name: `${OWNER_PREFIX[owner]}${o.name}s`, type: o.type, doc: `The ${o.what}s of a ${OWNER_WORD[owner]}.`, owner, list: o.list,
    add: o.add ? { permit, inputs: o.add } : undefined, entity: () => entity,
  });
}

const consoleActions = [
  action('ticket', 'Sets a one-time password for the console of the running VM, valid for `expiry` seconds (120 unless given).', 'connect_to_vm', {
    takes: ['ticket', 'async'], inputs: [optional('ticket.value', 'ticket.expiry')],
  }),
  action('remoteviewerconnectionfile', 'Answers a remote-viewer (`.vv`) file to connect to the console, with a new ticket.', 'connect_to_vm', { takes: [] }),
];
const consoles = (owner: DeviceOwner, actions: ActionDecl[] = []) => devicesOf(owner, {
  name: 'GraphicsConsole', type: () => T.GraphicsConsole, what: 'graphical console', add: [mandatory('protocol')], actions,
  list: owner === 'vm' ? { current: 'boolean' } : undefined,
});
const watchdogChanges = [optional('action', 'model')];
const watchdogs = (owner: DeviceOwner) => devicesOf(owner, {
  name: 'Watchdog', type: () => T.Watchdog, what: 'watchdog', add: [mandatory('action'), mandatory('model')], update: watchdogChanges,
});
const mediatedChanges = [optional('spec_params.name', 'spec_params.value')];
const mediatedDevices = (owner: DeviceOwner) => devicesOf(owner, {
  name: 'MediatedDevice', type: () => T.VmMediatedDevice, what: 'mediated device', add: mediatedChanges, update: mediatedChanges,
});

export const VmGraphicsConsoles = consoles('vm', consoleActions);
export const VmWatchdogs = watchdogs('vm');
export const VmMediatedDevices = mediatedDevices('vm');
export const VmHostDevices = devicesOf('vm', {
  name: 'HostDevice', type: () => T.HostDevice, what: 'host device passed', add: [or(mandatory('id'), mandatory('name'))],
});
const numaNodeChanges = ['index', 'memory', 'cpu.cores.index', 'numa_node_pins.index', 'numa_tune_mode'];
export const VmNumaNodes = devicesOf('vm', {
  name: 'NumaNode', type: () => T.VirtualNumaNode, what: 'virtual NUMA node',
  add: [mandatory('index'), mandatory('memory'), mandatory('cpu.cores.index'), optional('numa_node_pins.index', 'numa_tune_mode')],
  update: [optional(...numaNodeChanges)],
});
// What the guest agent reports: read only.
export const VmReportedDevices = devicesOf('vm', { name: 'ReportedDevice', type: () => T.ReportedDevice, what: 'device the guest reports' });
// The devices the guest reports for one NIC of the VM: those with its MAC address.
const VmNicReportedDevice = entityService({ name: 'VmNicReportedDevice', type: () => T.ReportedDevice, doc: 'A device the guest reports for a network interface of a virtual machine.' });
export const VmNicReportedDevices = collectionService({
  name: 'VmNicReportedDevices', type: () => T.ReportedDevice, owner: 'vm', entity: () => VmNicReportedDevice,
  doc: 'The devices the guest reports for a network interface of a virtual machine: those with its MAC address.',
});
export const VmApplications = devicesOf('vm', { name: 'Application', type: () => T.Application, what: 'application the guest reports' });
export const VmSessions = devicesOf('vm', { name: 'Session', type: () => T.Session, what: 'user session' });

const nicAdd = [mandatory('name'), optional(...nicChanges, 'interface')];
const nicUpdate = [optional('name', 'interface', ...nicChanges)];
export const TemplateGraphicsConsoles = consoles('template');
export const TemplateWatchdogs = watchdogs('template');
export const TemplateMediatedDevices = mediatedDevices('template');
export const TemplateNics = devicesOf('template', { name: 'Nic', type: () => T.Nic, what: 'network interface', add: nicAdd, update: nicUpdate });
export const TemplateCdroms = devicesOf('template', { name: 'Cdrom', type: () => T.Cdrom, what: 'CD-ROM drive' });

export const InstanceTypeGraphicsConsoles = consoles('instance_type');
export const InstanceTypeWatchdogs = watchdogs('instance_type');
// oVirt's instance type NICs, alone of the device lists, take a search (Ansible's ovirt_instance_type looks them up by name).
export const InstanceTypeNics = devicesOf('instance_type', { name: 'Nic', type: () => T.Nic, what: 'network interface', add: nicAdd, update: nicUpdate, list: SEARCH });

export const Vms = collectionService({
  name: 'Vms', type: () => T.Vm, doc: 'The virtual machines.', list: { ...SEARCH, ovf_as_ova: 'boolean' },
  add: {
    // oVirt's `FromScratch`: from a template.
    permit: 'create_vm', params: { clone: 'boolean', clone_permissions: 'boolean', filter: 'boolean', seal: 'boolean' },
    inputs: [named('cluster'), optional(
      'name', ...vmBaseChanges, ...vmChanges.filter((c) => !c.startsWith('cluster.')), 'display.disconnect_action', 'quota.id',
      // How each of the template's disks is made for the VM, as the SDK's add_vm_from_template_version.py asks it.
      'disk_attachments.disk.id', 'disk_attachments.disk.format', 'disk_attachments.disk.sparse', 'disk_attachments.disk.alias',
      'disk_attachments.disk.name', 'disk_attachments.disk.storage_domains.id',
    )],
    // oVirt's model asks a template of a VM from a snapshot too, but its engine (and the SDK's
    // clone_vm_from_snapshot.py) does without: the snapshot's VM gives it. From an OVF document
    // (`FromConfiguration`, as upload_ova_as_vm_or_template.py adds), the document gives the name.
    signatures: {
      FromScratch: [mandatory('name'), named('template')],
      FromSnapshot: [mandatory('name'), mandatory('snapshots.id')],
      FromConfiguration: [mandatory('initialization.configuration.type'), mandatory('initialization.configuration.data')],
    },
  },
  entity: () => VmEntity,
});
export const VmStatistics = statisticsOf('Vm', 'vm');
export const VmNicStatistics = statisticsOf('VmNic', 'nic');

export const VmSerialConsoles = collectionService({
  name: 'VmSerialConsoles', type: () => T.SerialConsole, doc: 'The serial console of a VM running on a real host, with its output (Hangar extension).',
  owner: 'vm', entity: () => VmSerialConsole,
});
export const VmSerialConsole = entityService({
  name: 'VmSerialConsole', type: () => T.SerialConsole, doc: 'The serial console of a VM and what its guest wrote on it; `offset` skips what was read before.',
  getParams: { offset: 'integer' },
});
export const DiskStatistics = statisticsOf('Disk', 'disk');

export const SnapshotDisks = collectionService({
  name: 'SnapshotDisks', type: () => T.Disk, doc: 'Disks as a snapshot captured them.', owner: 'snapshot', entity: () => SnapshotDisk,
});
export const SnapshotDisk = entityService({ name: 'SnapshotDisk', type: () => T.Disk, doc: 'A disk as a snapshot captured it.' });

export const VmSnapshots = collectionService({
  name: 'Snapshots', type: () => T.Snapshot, doc: 'Snapshots of a virtual machine, the active state first.', owner: 'vm',
  list: { all_content: 'boolean' },
  add: { permit: 'manipulate_vm_snapshots', inputs: [mandatory('description'), optional('persist_memorystate', 'disk_attachments.id')] },
  entity: () => VmSnapshot,
});
export const VmSnapshot = entityService({
  name: 'Snapshot', type: () => T.Snapshot, doc: 'A snapshot of a virtual machine.',
  remove: { permit: 'manipulate_vm_snapshots', params: { async: 'boolean', all_content: 'boolean' } },
  actions: [action('restore', 'Brings the VM back to the snapshot, dropping what came after it.', 'manipulate_vm_snapshots', {
    takes: ['disks', 'restore_memory', 'async'], inputs: [optional('restore_memory', 'disks.id')],
  })],
  locators: { disks: () => SnapshotDisks },
});

// --- backups and checkpoints -------------------------------------------------

export const VmBackupDisk = entityService({ name: 'VmBackupDisk', type: () => T.Disk, doc: 'A disk of the backup.' });
export const VmBackupDisks = collectionService({
  name: 'VmBackupDisks', type: () => T.Disk, doc: 'The disks of a backup, each with its backup mode.', entity: () => VmBackupDisk,
});
export const VmCheckpointDisk = entityService({ name: 'VmCheckpointDisk', type: () => T.Disk, doc: 'A disk of the checkpoint.' });
export const VmCheckpointDisks = collectionService({
  name: 'VmCheckpointDisks', type: () => T.Disk, doc: 'The disks a checkpoint covers.', entity: () => VmCheckpointDisk,
});

export const VmBackups = collectionService({
  name: 'VmBackups', type: () => T.Backup, doc: 'The backups of a virtual machine.', owner: 'vm',
  add: {
    permit: 'backup_disk', params: { require_consistency: 'boolean', use_active: 'boolean' },
    inputs: [mandatory('disks.id'), optional('id', 'from_checkpoint_id', 'to_checkpoint_id', 'description')],
  },
  entity: () => VmBackup,
});
export const VmBackup = entityService({
  name: 'VmBackup', type: () => T.Backup, doc: 'A backup of a virtual machine.',
  actions: [action('finalize', 'Ends the backup: its disks are free again, and its checkpoint is kept.', 'backup_disk')],
  locators: { disks: () => VmBackupDisks },
});

export const VmCheckpoints = collectionService({
  name: 'VmCheckpoints', type: () => T.Checkpoint, doc: 'The checkpoints of a virtual machine, oldest first.', owner: 'vm', entity: () => VmCheckpoint,
});
export const VmCheckpoint = entityService({
  name: 'VmCheckpoint', type: () => T.Checkpoint, doc: 'A checkpoint of a virtual machine.',
  remove: { permit: 'backup_disk', params: ASYNC },
  locators: { disks: () => VmCheckpointDisks },
});

/** Stop, shutdown and reboot may be forced. */
const forcible = { takes: ['force', 'async', 'reason'], inputs: [optional('force')] };

export const VmEntity = entityService({
  name: 'Vm', type: () => T.Vm, doc: 'A virtual machine.',
  // With `all_content`, the VM's OVF document (`initialization.configuration`), in its OVA form if asked.
  getParams: { ovf_as_ova: 'boolean' },
  update: { permit: 'edit_vm_properties', params: { next_run: 'boolean', async: 'boolean' }, inputs: [optional(...vmBaseChanges, ...vmChanges)] },
  remove: { permit: 'delete_vm', params: { async: 'boolean', detach_only: 'boolean', force: 'boolean' } },
  actions: [
    action('start', 'Starts the VM on a host of its cluster; the body may change boot devices for this run only.', 'run_vm', {
      // `host` (a Hangar addition) names the host to start on.
      takes: ['authorized_key', 'pause', 'vm', 'use_cloud_init', 'use_sysprep', 'use_ignition', 'use_initialization', 'async', 'filter', 'volatile', 'attach_wgt', 'host'],
      inputs: [optional(
        'pause', 'use_cloud_init', 'use_sysprep', 'use_ignition', 'use_initialization', 'volatile', 'attach_wgt', 'host.id', 'host.name',
        'vm.custom_cpu_model', 'vm.custom_emulated_machine', 'vm.display.type', 'vm.display.video_type', 'vm.domain.name',
        'vm.os.cmdline', 'vm.os.initrd', 'vm.os.kernel', 'vm.os.boot.devices', 'vm.placement_policy.affinity',
        'vm.placement_policy.hosts.id', 'vm.placement_policy.hosts.name', 'vm.stateless', 'vm.initialization',
      )],
    }),
    action('stop', 'Powers the VM off at once.', 'stop_vm', forcible),
    action('shutdown', 'Asks the guest to shut down.', 'shut_down_vm', forcible),
    action('reboot', 'Reboots the VM.', 'reboot_vm', { takes: ['force', 'async'], inputs: [optional('force')] }),
    action('suspend', 'Saves the VM\'s memory and stops it.', 'hibernate_vm'),
    action('migrate', 'Moves the running VM to another host.', 'migrate_vm', {
      takes: ['cluster', 'force', 'host', 'migrate_vms_in_affinity_closure', 'async'], inputs: [optional('cluster.id', 'force', 'host.id', 'host.name')],
    }),
    action('cancelmigration', 'Stops a migration under way.', 'migrate_vm'),
    action('clone', 'Makes a new VM with copies of this one\'s configuration, disks and NICs.', 'create_vm', {
      takes: ['vm', 'async', 'discard_snapshots', 'storage_domain'],
      inputs: [mandatory('vm.name'), optional('discard_snapshots', 'storage_domain.id', 'storage_domain.name')],
    }),
    action('previewsnapshot', 'Runs the VM from a snapshot for a while, to look before restoring.', 'manipulate_vm_snapshots', {
      takes: ['disks', 'restore_memory', 'lease', 'snapshot', 'vm', 'async'],
      inputs: [mandatory('snapshot.id'), optional('restore_memory', 'lease', 'disks.id', 'disks.snapshot.id')],
    }),
    action('commitsnapshot', 'Keeps the previewed snapshot, dropping what came after it.', 'manipulate_vm_snapshots'),
    action('undosnapshot', 'Ends a preview, back to where the VM was.', 'manipulate_vm_snapshots'),
    action('ticket', 'Sets a one-time password for the first console of the running VM.', 'connect_to_vm', {
      takes: ['ticket', 'async'], inputs: [optional('ticket.value', 'ticket.expiry')],
    }),
    action('logon', 'Logs the caller on in the guest, through its agent.', 'connect_to_vm'),
    action('screenshot', 'Takes a picture of the running VM\'s screen.', 'connect_to_vm', { takes: [] }),
    action('reset', 'Resets the running VM, as its reset button would.', 'reset_vm'),
    action('freezefilesystems', 'Freezes the guest\'s file systems, through its agent.', 'manipulate_vm_snapshots'),
    action('thawfilesystems', 'Thaws the guest\'s file systems, through its agent.', 'manipulate_vm_snapshots'),
    action('reordermacaddresses', 'Gives the VM\'s NICs their MAC addresses in the order of the NICs.', 'edit_vm_properties'),
    action('detach', 'Takes the VM out of its pool; it stays, as a VM of its own.', 'edit_vm_pool_configuration'),
    action('maintenance', 'Sets or ends the maintenance of a hosted-engine VM.', 'edit_admin_vm_properties', {
      takes: ['maintenance_enabled', 'async'], inputs: [mandatory('maintenance_enabled')],
    }),
    // oVirt's `export` and `exportToPathOnHost` are one action: to an export domain (`storage_domain`),
    // or as an OVA file (its OVF, then its disks as qcow2) in a directory of a host (`host`, `directory`).
    action('export', 'Copies the VM, down, to an export domain, or writes it as an OVA in a directory under a storage root.', 'import_export_vm', {
      takes: ['storage_domain', 'host', 'directory', 'filename', 'exclusive', 'discard_snapshots', 'async'],
      inputs: [
        or(mandatory('storage_domain.id'), mandatory('storage_domain.name'), mandatory('host.id'), mandatory('host.name')),
        optional('exclusive', 'discard_snapshots', 'directory', 'filename'),
      ],
    }),
    action('autopincpuandnumanodes', 'Pins the VM\'s CPUs and NUMA nodes to its pinned host\'s.', 'edit_vm_properties', {
      takes: ['optimize_cpu_settings', 'async'], inputs: [optional('optimize_cpu_settings')],
    }),
  ],
  locators: {
    permissions: () => permissionsOf.vm, statistics: () => VmStatistics, serialconsoles: () => VmSerialConsoles, snapshots: () => VmSnapshots, nics: () => VmNics, diskattachments: () => VmDiskAttachments,
    cdroms: () => VmCdroms, tags: () => AssignedTags.vm, graphicsconsoles: () => VmGraphicsConsoles, watchdogs: () => VmWatchdogs,
    mediateddevices: () => VmMediatedDevices, hostdevices: () => VmHostDevices, numanodes: () => VmNumaNodes, reporteddevices: () => VmReportedDevices,
    applications: () => VmApplications, sessions: () => VmSessions, affinitylabels: () => AssignedAffinityLabels.vm,
    backups: () => VmBackups, checkpoints: () => VmCheckpoints,
  },
});

// --- VM pools ---------------------------------------------------------------

const vmPoolChanges = ['comment', 'description', 'display.proxy', 'max_user_vms', 'prestarted_vms', 'size', 'type', 'use_latest_template_version'];
export const VmPools = collectionService({
  name: 'VmPools', type: () => T.VmPool, doc: 'The VM pools: VMs made from one template, which users take.', list: SEARCH,
  add: {
    permit: 'create_vm_pool',
    inputs: [mandatory('name'), named('cluster'), named('template'), optional(...vmPoolChanges, 'soundcard_enabled', 'tpm_enabled')],
  },
  entity: () => VmPoolEntity,
});
export const VmPoolEntity = entityService({
  name: 'VmPool', type: () => T.VmPool, doc: 'A VM pool; its size grows or shrinks it, and removing it removes its VMs.',
  update: {
    permit: 'edit_vm_pool_configuration', params: ASYNC,
    inputs: [optional(...vmPoolChanges, 'name', 'cluster.id', 'cluster.name', 'template.id', 'template.name')],
  },
  remove: { permit: 'delete_vm_pool', params: ASYNC },
  actions: [action('allocatevm', 'Gives the caller a free VM of the pool, and starts it.', 'vm_pool_basic_operations')],
  locators: { permissions: () => permissionsOf.vmPool },
});

// --- jobs, events, identity -------------------------------------------------

export const JobSteps = collectionService({
  name: 'Steps', type: () => T.Step, doc: 'Steps of a job; external systems add steps to their external jobs.', owner: 'job',
  add: { permit: 'inject_external_tasks', inputs: [mandatory('description'), mandatory('type'), optional('job.id', 'parent_step.id')] },
  entity: () => JobStep,
});
export const JobStep = entityService({
  name: 'Step', type: () => T.Step, doc: 'A step of a job.',
  actions: [
    action('end', 'Ends an external step.', 'inject_external_tasks', { takes: ['force', 'succeeded', 'async'], inputs: [mandatory('succeeded'), optional('force')] }),
  ],
});

export const Jobs = collectionService({
  name: 'Jobs', type: () => T.Job, doc: 'Jobs: the tracked progress of actions; external systems add their own.', list: SEARCH,
  add: { permit: 'inject_external_tasks', inputs: [mandatory('description'), optional('auto_cleared')] }, entity: () => JobEntity,
});
export const JobEntity = entityService({
  name: 'Job', type: () => T.Job, doc: 'A job.', locators: { steps: () => JobSteps },
  actions: [
    action('end', 'Ends an external job.', 'inject_external_tasks', { takes: ['force', 'succeeded', 'async'] }),
    action('clear', 'Removes an ended job from the list.', 'inject_external_tasks'),
  ],
});

export const Events = collectionService({
  name: 'Events', type: () => T.Event, doc: 'The audit log, newest first; external systems add their own events.',
  // `from`: only events after the one with this id.
  list: { ...SEARCH, from: 'integer' },
  add: {
    permit: 'inject_external_events',
    inputs: [mandatory('custom_id'), mandatory('description'), mandatory('origin'), mandatory('severity'), optional(
      'code', 'cluster.id', 'data_center.id', 'flood_rate', 'host.external_status', 'host.id', 'storage_domain.external_status',
      'storage_domain.id', 'template.id', 'user.id', 'vm.id', 'log_on_host',
    )],
  },
  entity: () => EventEntity,
});
export const EventEntity = entityService({ name: 'Event', type: () => T.Event, doc: 'An audit log entry.' });

export const UserApiTokens = collectionService({
  name: 'UserApiTokens', type: () => T.ApiToken, doc: 'Long-lived tokens a user made for scripts (Hangar extension).',
  owner: 'user', selfService: true,
  add: { permit: 'manipulate_users', inputs: [mandatory('name'), mandatory('expiration'), optional('description')] }, entity: () => UserApiToken,
});
export const UserApiToken = entityService({
  name: 'UserApiToken', type: () => T.ApiToken, doc: 'A long-lived token of a user.', remove: { permit: 'manipulate_users' }, selfService: true,
});

const userRemoval = { permit: 'manipulate_users', params: ASYNC };

export const SshPublicKeys = collectionService({
  name: 'SshPublicKeys', type: () => T.SshPublicKey, doc: 'The SSH public key of a user; users manage their own.', owner: 'user', selfService: true,
  add: { permit: 'manipulate_users', inputs: [mandatory('content')] }, entity: () => SshPublicKeyEntity,
});
export const SshPublicKeyEntity = entityService({
  name: 'SshPublicKey', type: () => T.SshPublicKey, doc: 'An SSH public key of a user.',
  // Deprecated in oVirt for a removal and an add, and still what its Ansible modules send.
  update: { permit: 'manipulate_users', params: ASYNC, inputs: [mandatory('content')] }, remove: userRemoval,
});

export const UserOptions = collectionService({
  name: 'UserOptions', type: () => T.UserOption, doc: 'Preferences stored for a user, as JSON; users manage their own.', owner: 'user', selfService: true,
  add: { permit: 'manipulate_users', inputs: [mandatory('content'), mandatory('name')] }, entity: () => UserOptionEntity,
});
export const UserOptionEntity = entityService({
  name: 'UserOption', type: () => T.UserOption, doc: 'A preference of a user.', remove: { permit: 'manipulate_users' },
});

const subscriptionPermit = 'event_notification_management';
export const EventSubscriptions = collectionService({
  name: 'EventSubscriptions', type: () => T.EventSubscription, doc: 'The events a user is told of by e-mail.', owner: 'user',
  add: { permit: subscriptionPermit, inputs: [mandatory('event'), optional('notification_method', 'address')] }, entity: () => EventSubscriptionEntity,
});
export const EventSubscriptionEntity = entityService({
  name: 'EventSubscription', type: () => T.EventSubscription, doc: 'A subscription of a user to an event.',
  remove: { permit: subscriptionPermit, params: ASYNC },
});

/** The roles a user or group holds on the whole system, through its permissions: `/users/{id}/roles`. */
function assignedRoles(prefix: string, owner: string) {
  const entity = entityService({ name: `${prefix}AssignedRole`, type: () => T.Role, doc: `A role a ${owner} holds.` });
  return collectionService({
    name: `${prefix}AssignedRoles`, type: () => T.Role, doc: `Roles a ${owner} holds on the whole system.`, selfService: owner === 'user', entity: () => entity,
  });
}
export const AssignedRoles = { user: assignedRoles('User', 'user'), group: assignedRoles('Group', 'group') };

export const DomainUserGroups = collectionService({
  name: 'DomainUserGroups', type: () => T.Group, doc: 'The groups a user is in.', selfService: true, entity: () => DomainUserGroup,
});
export const DomainUserGroup = entityService({ name: 'DomainUserGroup', type: () => T.Group, doc: 'A group a user is in.' });

export const Users = collectionService({
  name: 'Users', type: () => T.User, doc: 'Users known to the engine.', list: SEARCH,
  add: { permit: 'manipulate_users', inputs: [mandatory('user_name'), named('domain'), optional('namespace', 'principal')] }, entity: () => UserEntity,
});
export const UserEntity = entityService({
  name: 'User', type: () => T.User, doc: 'A user; users change their own password with an update.',
  // oVirt's model declares `user_options`; here an update changes the password only.
  update: { permit: 'manipulate_users', inputs: [optional('password')] }, remove: userRemoval, selfService: true,
  locators: {
    permissions: () => permissionsOf.user, apitokens: () => UserApiTokens, tags: () => AssignedTags.user, sshpublickeys: () => SshPublicKeys,
    options: () => UserOptions, eventsubscriptions: () => EventSubscriptions, roles: () => AssignedRoles.user, groups: () => DomainUserGroups,
  },
});

export const Groups = collectionService({
  name: 'Groups', type: () => T.Group, doc: 'Groups known to the engine.', list: SEARCH,
  add: { permit: 'manipulate_users', inputs: [mandatory('name'), optional('namespace')] }, entity: () => GroupEntity,
});
export const GroupEntity = entityService({
  name: 'Group', type: () => T.Group, doc: 'A group.', remove: userRemoval,
  locators: { permissions: () => permissionsOf.group, tags: () => AssignedTags.group, roles: () => AssignedRoles.group },
});

export const DomainUsers = collectionService({
  name: 'DomainUsers', type: () => T.User, doc: 'Accounts of an authentication domain; the internal one takes new accounts.', owner: 'domain',
  add: { permit: 'manipulate_users', inputs: [mandatory('user_name'), mandatory('password'), optional('groups.name')] }, entity: () => DomainUser,
});
export const DomainUser = entityService({ name: 'DomainUser', type: () => T.User, doc: 'An account of a domain.' });

export const DomainGroups = collectionService({
  name: 'DomainGroups', type: () => T.Group, doc: 'Groups of an authentication domain.', owner: 'domain', entity: () => DomainGroup,
});
export const DomainGroup = entityService({ name: 'DomainGroup', type: () => T.Group, doc: 'A group of a domain.' });

export const Domains = collectionService({
  name: 'Domains', type: () => T.Domain, doc: 'Authentication domains.', entity: () => DomainEntity,
});
export const DomainEntity = entityService({
  name: 'Domain', type: () => T.Domain, doc: 'An authentication domain.', locators: { users: () => DomainUsers, groups: () => DomainGroups },
});

const roleRemoval = { permit: 'manipulate_roles', params: ASYNC };

export const RolePermits = collectionService({
  name: 'Permits', type: () => T.Permit, doc: 'Permits of a role.', owner: 'role',
  add: { permit: 'manipulate_roles', inputs: [or(mandatory('id'), mandatory('name'))] }, entity: () => RolePermit,
});
export const RolePermit = entityService({ name: 'Permit', type: () => T.Permit, doc: 'A permit of a role.', remove: roleRemoval });

export const Roles = collectionService({
  name: 'Roles', type: () => T.Role, doc: 'Roles: named sets of permits.',
  add: { permit: 'manipulate_roles', inputs: [mandatory('name'), named('permits'), optional('administrative', 'description')] },
  entity: () => RoleEntity,
});
export const RoleEntity = entityService({
  name: 'Role', type: () => T.Role, doc: 'A role.',
  // oVirt's model declares no detail here; its engine changes these three.
  update: { permit: 'manipulate_roles', params: ASYNC, inputs: [optional('name', 'description', 'administrative')] },
  remove: roleRemoval,
  locators: { permits: () => RolePermits },
});

const systemPermission = entityService({
  name: 'SystemPermission', type: () => T.Permission, doc: 'A permission given on the whole system.',
  remove: { permit: 'manipulate_permissions', params: ASYNC },
});
export const SystemPermissions = collectionService({
  name: 'SystemPermissions', type: () => T.Permission, doc: 'Permissions given on the whole system.',
  add: { permit: 'manipulate_permissions', inputs: permissionInputs() }, entity: () => systemPermission,
});

export const AssignedPermissions = permissionsOf;

// --- what the engine offers: operating systems, cluster levels, scheduling ---

export const OperatingSystems = collectionService({
  name: 'OperatingSystems', type: () => T.OperatingSystemInfo, doc: 'The guest operating systems the engine knows.', everyoneReads: true, entity: () => OperatingSystemEntity,
});
export const OperatingSystemEntity = entityService({ name: 'OperatingSystem', type: () => T.OperatingSystemInfo, doc: 'A guest operating system.' });

export const ClusterLevels = collectionService({
  name: 'ClusterLevels', type: () => T.ClusterLevel, doc: 'The cluster compatibility levels the engine supports.', everyoneReads: true, entity: () => ClusterLevelEntity,
});
export const ClusterLevelEntity = entityService({
  name: 'ClusterLevel', type: () => T.ClusterLevel, doc: 'A cluster compatibility level.', locators: { clusterfeatures: () => ClusterLevelFeatures },
});
export const ClusterLevelFeatures = collectionService({
  name: 'ClusterFeatures', type: () => T.ClusterFeature, doc: 'The optional features of a cluster level.', everyoneReads: true, entity: () => ClusterLevelFeature,
});
export const ClusterLevelFeature = entityService({ name: 'ClusterFeature', type: () => T.ClusterFeature, doc: 'An optional feature of a cluster level.' });

export const SchedulingPolicyUnits = collectionService({
  name: 'SchedulingPolicyUnits', type: () => T.SchedulingPolicyUnit, doc: 'The units scheduling policies are made of.', entity: () => SchedulingPolicyUnitEntity,
});
export const SchedulingPolicyUnitEntity = entityService({ name: 'SchedulingPolicyUnit', type: () => T.SchedulingPolicyUnit, doc: 'A scheduling policy unit.' });

export const SchedulingPolicyFilters = collectionService({
  name: 'Filters', type: () => T.Filter, doc: 'The filters of a scheduling policy.', entity: () => SchedulingPolicyFilter,
});
export const SchedulingPolicyFilter = entityService({ name: 'Filter', type: () => T.Filter, doc: 'A filter of a scheduling policy.' });

export const SchedulingPolicyWeights = collectionService({
  name: 'Weights', type: () => T.Weight, doc: 'The weights of a scheduling policy.', owner: 'scheduling_policy', entity: () => SchedulingPolicyWeight,
});
export const SchedulingPolicyWeight = entityService({ name: 'Weight', type: () => T.Weight, doc: 'A weight of a scheduling policy.' });

export const SchedulingPolicyBalances = collectionService({
  name: 'Balances', type: () => T.Balance, doc: 'The load balancing of a scheduling policy.', owner: 'scheduling_policy', entity: () => SchedulingPolicyBalance,
});
export const SchedulingPolicyBalance = entityService({ name: 'Balance', type: () => T.Balance, doc: 'The balance of a scheduling policy.' });

export const SchedulingPolicies = collectionService({
  name: 'SchedulingPolicies', type: () => T.SchedulingPolicy, doc: 'The scheduling policies; the built-in ones cannot be changed.', entity: () => SchedulingPolicyEntity,
});
export const SchedulingPolicyEntity = entityService({
  name: 'SchedulingPolicy', type: () => T.SchedulingPolicy, doc: 'A scheduling policy.',
  locators: { filters: () => SchedulingPolicyFilters, weights: () => SchedulingPolicyWeights, balances: () => SchedulingPolicyBalances },
});

// --- tags -------------------------------------------------------------------

// oVirt's model makes a tag's parent optional; without one, a tag hangs from the root tag.
export const Tags = collectionService({
  name: 'Tags', type: () => T.Tag, doc: 'The tags: a tree under the built-in root tag.',
  add: { permit: 'tag_management', inputs: [mandatory('name'), optional('description', 'parent.id', 'parent.name')] }, entity: () => TagEntity,
});
export const TagEntity = entityService({
  name: 'Tag', type: () => T.Tag, doc: 'A tag; removing it removes the tags under it, and takes them all from the objects that had them.',
  update: { permit: 'tag_management', params: ASYNC, inputs: [optional('description', 'name', 'parent.id', 'parent.name')] },
  remove: { permit: 'tag_management', params: ASYNC },
});

// --- MAC pools and instance types -------------------------------------------

const macPoolOptions = ['allow_duplicates', 'default_pool', 'description'];
export const MacPools = collectionService({
  name: 'MacPools', type: () => T.MacPool, doc: 'The MAC address pools clusters give their virtual NICs addresses from.',
  add: { permit: 'create_mac_pool', inputs: [mandatory('name'), mandatory('ranges.from'), mandatory('ranges.to'), optional(...macPoolOptions)] },
  entity: () => MacPoolEntity,
});
export const MacPoolEntity = entityService({
  name: 'MacPool', type: () => T.MacPool, doc: 'A MAC address pool; one a cluster uses stays.',
  update: { permit: 'edit_mac_pool', params: ASYNC, inputs: [optional(...macPoolOptions, 'name', 'ranges.from', 'ranges.to')] },
  remove: { permit: 'delete_mac_pool', params: ASYNC },
  locators: { permissions: () => permissionsOf.macPool },
});

/** The hardware an instance type gives the VMs made with it (oVirt's input detail of its add). */
export const INSTANCE_TYPE_SETTINGS = [
  'console.enabled', 'cpu.architecture', 'cpu.topology.cores', 'cpu.topology.sockets', 'cpu.topology.threads', 'cpu_shares',
  'custom_cpu_model', 'custom_emulated_machine', 'display.monitors', 'display.smartcard_enabled', 'display.type',
  'high_availability.enabled', 'high_availability.priority', 'io.threads', 'memory', 'memory_policy.ballooning',
  'memory_policy.guaranteed', 'memory_policy.max', 'migration_downtime', 'origin', 'soundcard_enabled', 'usb.enabled', 'usb.type',
  'virtio_scsi.enabled', 'storage_error_resume_behaviour',
];
export const InstanceTypes = collectionService({
  name: 'InstanceTypes', type: () => T.InstanceType, doc: 'The instance types: hardware settings new VMs may take.', list: SEARCH,
  everyoneReads: true,
  add: { permit: 'create_template', inputs: [mandatory('name'), optional('description', ...INSTANCE_TYPE_SETTINGS)] },
  entity: () => InstanceTypeEntity,
});
export const InstanceTypeEntity = entityService({
  name: 'InstanceType', type: () => T.InstanceType, doc: 'An instance type; one VMs use stays.',
  // oVirt's model declares only `storage_error_resume_behaviour`; its engine changes all the settings.
  update: { permit: 'edit_admin_template_properties', params: ASYNC, inputs: [optional('name', 'description', ...INSTANCE_TYPE_SETTINGS)] },
  remove: { permit: 'delete_template', params: ASYNC },
  locators: { graphicsconsoles: () => InstanceTypeGraphicsConsoles, nics: () => InstanceTypeNics, watchdogs: () => InstanceTypeWatchdogs },
});

// --- affinity groups and labels ---------------------------------------------

const ruleInputs = (rule: string) => [`${rule}.enabled`, `${rule}.enforcing`, `${rule}.positive`];
/**
 * What a group's add and update take: oVirt's model declares `name`, `enforcing` and `positive`
 * for an update, but its engine maps the rules, priority and members on both, as Ansible sends them.
 */
const affinityGroupChanges = [
  'description', 'enforcing', 'positive', 'priority', ...ruleInputs('vms_rule'), ...ruleInputs('hosts_rule'),
  'vms.id', 'vms.name', 'hosts.id', 'hosts.name', 'vm_labels.id', 'vm_labels.name', 'host_labels.id', 'host_labels.name',
];
const affinityGroupWrite = { permit: 'manipulate_affinity_groups', params: ASYNC };

/** A member of an affinity group, added by id or by name (oVirt's AffinityGroupVms and the like). */
function affinityGroupMembers(name: string, type: () => StructType, what: string) {
  const entity = entityService({ name: `AffinityGroup${name}`, type, doc: `A ${what} of an affinity group; removing it takes it out of the group.`, remove: affinityGroupWrite });
  return collectionService({
    name: `AffinityGroup${name}s`, type, doc: `The ${what}s of an affinity group.`,
    add: { permit: 'manipulate_affinity_groups', inputs: [or(mandatory('id'), mandatory('name'))] }, entity: () => entity,
  });
}

export const AffinityGroupVms = affinityGroupMembers('Vm', () => T.Vm, 'VM');
export const AffinityGroupHosts = affinityGroupMembers('Host', () => T.Host, 'host');
export const AffinityGroupVmLabels = affinityGroupMembers('VmLabel', () => T.AffinityLabel, 'VM label');
export const AffinityGroupHostLabels = affinityGroupMembers('HostLabel', () => T.AffinityLabel, 'host label');

export const AffinityGroups = collectionService({
  name: 'AffinityGroups', type: () => T.AffinityGroup, doc: 'The affinity groups of a cluster.', owner: 'cluster',
  add: { permit: 'manipulate_affinity_groups', inputs: [mandatory('name'), optional(...affinityGroupChanges)] }, entity: () => AffinityGroupEntity,
});
export const AffinityGroupEntity = entityService({
  name: 'AffinityGroup', type: () => T.AffinityGroup, doc: 'An affinity group.',
  update: { ...affinityGroupWrite, inputs: [optional('name', ...affinityGroupChanges)] }, remove: affinityGroupWrite,
  locators: { vms: () => AffinityGroupVms, hosts: () => AffinityGroupHosts, vmlabels: () => AffinityGroupVmLabels, hostlabels: () => AffinityGroupHostLabels },
});

/**
 * The VMs or hosts carrying a label, or the labels a VM or host carries. Labels are tag management
 * on the whole system, as in oVirt; the objects listed belong to their own collections.
 */
function labelled(name: string, type: () => StructType, doc: string, item: string) {
  const entity = entityService({ name: name.replace(/s$/, ''), type, doc: `${item}; removing it takes the label away.`, remove: { permit: 'tag_management' } });
  return collectionService({
    name, type, doc, systemWide: true, add: { permit: 'tag_management', inputs: [mandatory('id')] }, entity: () => entity,
  });
}

export const AffinityLabelVms = labelled('AffinityLabelVms', () => T.Vm, 'The VMs that carry an affinity label.', 'A VM that carries the label');
export const AffinityLabelHosts = labelled('AffinityLabelHosts', () => T.Host, 'The hosts that carry an affinity label.', 'A host that carries the label');
export const AssignedAffinityLabels = {
  vm: labelled('VmAssignedAffinityLabels', () => T.AffinityLabel, 'The affinity labels a VM carries.', 'A label the VM carries'),
  host: labelled('HostAssignedAffinityLabels', () => T.AffinityLabel, 'The affinity labels a host carries.', 'A label the host carries'),
};

const affinityLabelChanges = ['has_implicit_affinity_group', 'vms.id', 'hosts.id'];
export const AffinityLabels = collectionService({
  name: 'AffinityLabels', type: () => T.AffinityLabel, doc: 'The affinity labels.',
  // oVirt's model declares no input detail; its engine refuses a label without a name.
  add: { permit: 'tag_management', inputs: [mandatory('name'), optional(...affinityLabelChanges)] }, entity: () => AffinityLabelEntity,
});
export const AffinityLabelEntity = entityService({
  name: 'AffinityLabel', type: () => T.AffinityLabel, doc: 'An affinity label; removing it takes it from what carries it and from the groups naming it.',
  update: { permit: 'tag_management', inputs: [optional('name', ...affinityLabelChanges)] }, remove: { permit: 'tag_management' },
  locators: { vms: () => AffinityLabelVms, hosts: () => AffinityLabelHosts },
});

// --- quality of service and the profiles that apply it ---------------------

const QOS_LIMITS = [
  'cpu_limit', 'inbound_average', 'inbound_burst', 'inbound_peak', 'max_iops', 'max_read_iops', 'max_read_throughput', 'max_throughput',
  'max_write_iops', 'max_write_throughput', 'outbound_average', 'outbound_average_linkshare', 'outbound_average_realtime',
  'outbound_average_upperlimit', 'outbound_burst', 'outbound_peak',
];
export const DataCenterQoss = collectionService({
  name: 'Qoss', type: () => T.Qos, doc: 'The QoS definitions of a data center.', owner: 'data_center',
  add: { permit: 'edit_storage_pool_configuration', inputs: [mandatory('name'), mandatory('type'), optional('description', ...QOS_LIMITS)] },
  entity: () => DataCenterQos,
});
export const DataCenterQos = entityService({
  name: 'Qos', type: () => T.Qos, doc: 'A QoS definition; removing it takes it from the profiles that apply it.',
  update: { permit: 'edit_storage_pool_configuration', params: ASYNC, inputs: [optional('description', 'name', ...QOS_LIMITS)] },
  remove: { permit: 'edit_storage_pool_configuration', params: ASYNC },
});

const profileUpdate = (permit: string) => ({ permit, params: ASYNC, inputs: [optional('description', 'name', 'qos.id')] });

export const CpuProfiles = collectionService({
  name: 'CpuProfiles', type: () => T.CpuProfile, doc: 'The CPU profiles of every cluster.',
  add: { permit: 'create_cpu_profile', inputs: [mandatory('cluster.id'), mandatory('name'), optional('description', 'qos.id')] },
  entity: () => CpuProfileEntity,
});
export const CpuProfileEntity = entityService({
  name: 'CpuProfile', type: () => T.CpuProfile, doc: 'A CPU profile; one VMs use stays.',
  update: profileUpdate('update_cpu_profile'), remove: { permit: 'delete_cpu_profile', params: ASYNC },
  locators: { permissions: () => permissionsOf.cpuProfile },
});
export const ClusterCpuProfiles = collectionService({
  name: 'AssignedCpuProfiles', type: () => T.CpuProfile, doc: 'The CPU profiles of a cluster.', owner: 'cluster',
  add: { permit: 'create_cpu_profile', inputs: [mandatory('name'), optional('description', 'qos.id')] }, entity: () => ClusterCpuProfile,
});
export const ClusterCpuProfile = entityService({
  name: 'AssignedCpuProfile', type: () => T.CpuProfile, doc: 'A CPU profile of a cluster.', remove: { permit: 'delete_cpu_profile', params: ASYNC },
});

export const DiskProfiles = collectionService({
  name: 'DiskProfiles', type: () => T.DiskProfile, doc: 'The disk profiles of every storage domain.',
  add: { permit: 'create_storage_disk_profile', inputs: [mandatory('name'), mandatory('storage_domain.id'), optional('description', 'qos.id')] },
  entity: () => DiskProfileEntity,
});
export const DiskProfileEntity = entityService({
  name: 'DiskProfile', type: () => T.DiskProfile, doc: 'A disk profile; one disks use stays.',
  update: profileUpdate('configure_storage_disk_profile'), remove: { permit: 'delete_storage_disk_profile', params: ASYNC },
  locators: { permissions: () => permissionsOf.diskProfile },
});
export const StorageDomainDiskProfiles = collectionService({
  name: 'AssignedDiskProfiles', type: () => T.DiskProfile, doc: 'The disk profiles of a storage domain.', owner: 'storage_domain',
  add: { permit: 'create_storage_disk_profile', inputs: [mandatory('name'), optional('description', 'qos.id')] }, entity: () => StorageDomainDiskProfile,
});
export const StorageDomainDiskProfile = entityService({
  name: 'AssignedDiskProfile', type: () => T.DiskProfile, doc: 'A disk profile of a storage domain.',
  remove: { permit: 'delete_storage_disk_profile', params: ASYNC },
});

// --- storage connections ----------------------------------------------------

const connectionOptions = [
  'address', 'mount_options', 'nfs_retrans', 'nfs_timeo', 'nfs_version', 'path', 'vfs_type', 'port', 'target', 'username', 'password', 'portal',
];
export const StorageConnections = collectionService({
  name: 'StorageServerConnections', type: () => T.StorageConnection, doc: 'The connections to storage servers.',
  // oVirt's model adds per-type inputs (`Nfs`: address and path); the engine checks them by type.
  add: { permit: 'create_storage_domain', inputs: [mandatory('type'), optional(...connectionOptions, 'host.id', 'host.name')] },
  entity: () => StorageConnectionEntity,
});
export const StorageConnectionEntity = entityService({
  name: 'StorageServerConnection', type: () => T.StorageConnection, doc: 'A connection to a storage server; one storage domains use stays.',
  update: { permit: 'edit_storage_domain_configuration', params: { async: 'boolean', force: 'boolean' }, inputs: [optional(...connectionOptions)] },
  remove: { permit: 'delete_storage_domain', params: { host: 'string', async: 'boolean' } },
});
export const StorageDomainConnections = collectionService({
  name: 'StorageDomainServerConnections', type: () => T.StorageConnection, doc: 'The connections a storage domain uses.',
  entity: () => StorageDomainConnection,
});
export const StorageDomainConnection = entityService({
  name: 'StorageDomainServerConnection', type: () => T.StorageConnection, doc: 'A connection a storage domain uses.',
});

// --- bookmarks, system options, network filters and labels, icons -----------

export const Bookmarks = collectionService({
  name: 'Bookmarks', type: () => T.Bookmark, doc: 'Saved searches.',
  add: { permit: 'bookmark_management', inputs: [mandatory('name'), mandatory('value')] }, entity: () => BookmarkEntity,
});
export const BookmarkEntity = entityService({
  name: 'Bookmark', type: () => T.Bookmark, doc: 'A saved search.',
  // oVirt's model declares no detail here; its engine changes both.
  update: { permit: 'bookmark_management', params: ASYNC, inputs: [optional('name', 'value')] },
  remove: { permit: 'bookmark_management', params: ASYNC },
});

export const SystemOptions = collectionService({
  name: 'SystemOptions', type: () => T.SystemOption, doc: 'The engine\'s configuration, by option name.', everyoneReads: true,
  entity: () => SystemOptionEntity,
});
export const SystemOptionEntity = entityService({
  name: 'SystemOption', type: () => T.SystemOption, doc: 'A configuration option; `version` keeps only the value of that cluster level.',
  getParams: { version: 'string' },
});

export const NetworkFilters = collectionService({
  name: 'NetworkFilters', type: () => T.NetworkFilter, doc: 'The network filters vNIC profiles may apply.', everyoneReads: true,
  entity: () => NetworkFilterEntity,
});
export const NetworkFilterEntity = entityService({ name: 'NetworkFilter', type: () => T.NetworkFilter, doc: 'A network filter.' });
export const ClusterNetworkFilters = collectionService({
  name: 'ClusterNetworkFilters', type: () => T.NetworkFilter, doc: 'The network filters of a cluster\'s level.', entity: () => ClusterNetworkFilter,
});
export const ClusterNetworkFilter = entityService({ name: 'ClusterNetworkFilter', type: () => T.NetworkFilter, doc: 'A network filter of a cluster\'s level.' });

export const ClusterEnabledFeatures = collectionService({
  name: 'ClusterEnabledFeatures', type: () => T.ClusterFeature, doc: 'The optional features enabled in a cluster.', entity: () => ClusterEnabledFeature,
});
export const ClusterEnabledFeature = entityService({ name: 'ClusterEnabledFeature', type: () => T.ClusterFeature, doc: 'An optional feature enabled in a cluster.' });

export const Icons = collectionService({
  name: 'Icons', type: () => T.Icon, doc: 'The icons of the operating systems.', everyoneReads: true, entity: () => IconEntity,
});
export const IconEntity = entityService({ name: 'Icon', type: () => T.Icon, doc: 'An icon.' });

// --- the root ---------------------------------------------------------------

export const ExternalVmImports = collectionService({
  name: 'ExternalVmImports', type: () => T.ExternalVmImport, doc: 'Imports of VMs from outside: a new VM from an OVA file.',
  add: {
    permit: 'create_vm', on: ['cluster'],
    inputs: [mandatory('url'), mandatory('provider'), named('cluster'), named('storage_domain'), optional(
      'name', 'sparse', 'host.id', 'host.name', 'username', 'password', 'drivers_iso.id', 'cpu_profile.id', 'quota.id',
    )],
  },
  entity: () => ExternalVmImport,
});
export const ExternalVmImport = entityService({ name: 'ExternalVmImport', type: () => T.ExternalVmImport, doc: 'An import of a VM.', get: false });
export const ExternalTemplateImports = collectionService({
  name: 'ExternalTemplateImports', type: () => T.ExternalTemplateImport, doc: 'Imports of templates from outside: a new template from an OVA file.',
  add: {
    permit: 'create_template', on: ['cluster'],
    inputs: [mandatory('url'), named('cluster'), named('storage_domain'), optional('template.name', 'clone', 'host.id', 'host.name', 'cpu_profile.id', 'quota.id')],
  },
  entity: () => ExternalTemplateImport,
});
export const ExternalTemplateImport = entityService({ name: 'ExternalTemplateImport', type: () => T.ExternalTemplateImport, doc: 'An import of a template.', get: false });

export const Root = rootService({
    affinitylabels: () => AffinityLabels,
    clusterlevels: () => ClusterLevels,
    bookmarks: () => Bookmarks,
    clusters: () => Clusters,
    cpuprofiles: () => CpuProfiles,
    datacenters: () => DataCenters,
    diskprofiles: () => DiskProfiles,
    disks: () => Disks,
    domains: () => Domains,
    events: () => Events,
    externaltemplateimports: () => ExternalTemplateImports,
    externalvmimports: () => ExternalVmImports,
    groups: () => Groups,
    hosts: () => Hosts,
    icons: () => Icons,
    imagetransfers: () => ImageTransfers,
    instancetypes: () => InstanceTypes,
    jobs: () => Jobs,
    macpools: () => MacPools,
    networkfilters: () => NetworkFilters,
    networks: () => Networks,
    operatingsystems: () => OperatingSystems,
    options: () => SystemOptions,
    permissions: () => SystemPermissions,
    roles: () => Roles,
    schedulingpolicies: () => SchedulingPolicies,
    schedulingpolicyunits: () => SchedulingPolicyUnits,
    storageconnections: () => StorageConnections,
    storagedomains: () => StorageDomains,
    tags: () => Tags,
    templates: () => Templates,
    users: () => Users,
    vmpools: () => VmPools,
    vms: () => Vms,
    vnicprofiles: () => VnicProfiles,
});
