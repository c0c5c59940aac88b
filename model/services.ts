// The service tree: root → collections → entities → sub-collections and actions, as oVirt's
// model declares it. Routes, `<link rel>` lists and `<actions>` blocks are derived from it.
import { action, collectionService, entityService, RootService } from './meta';
import * as T from './types';

const activation = [
  action('activate', 'Makes the object available for use.', 'manipulate_storage_domain'),
  action('deactivate', 'Takes the object out of use, for maintenance.', 'manipulate_storage_domain'),
];

/** The permissions given on objects of one kind: `/vms/{id}/permissions` and the like. */
function assignedPermissions(prefix: string, owner: string) {
  const entity = entityService({
    name: `${prefix}Permission`, type: () => T.Permission, doc: `A permission given on a ${owner}.`, remove: 'manipulate_permissions',
  });
  return collectionService({
    name: `${prefix}Permissions`, type: () => T.Permission, doc: `Permissions given on a ${owner}.`, owner,
    add: { permit: 'manipulate_permissions', required: ['role'] }, entity: () => entity,
  });
}

/** The current figures of objects of one kind: `/hosts/{id}/statistics` and the like. */
function statisticsOf(prefix: string, owner: string) {
  const entity = entityService({ name: `${prefix}Statistic`, type: () => T.Statistic, doc: `A figure of a ${owner}.` });
  return collectionService({
    name: `${prefix}Statistics`, type: () => T.Statistic, doc: `Current figures of a ${owner}.`, owner, entity: () => entity,
  });
}

const permissionsOf = {
  dataCenter: assignedPermissions('DataCenter', 'data_center'),
  cluster: assignedPermissions('Cluster', 'cluster'),
  host: assignedPermissions('Host', 'host'),
  storageDomain: assignedPermissions('StorageDomain', 'storage_domain'),
  vm: assignedPermissions('Vm', 'vm'),
  template: assignedPermissions('Template', 'template'),
  disk: assignedPermissions('Disk', 'disk'),
  network: assignedPermissions('Network', 'network'),
  user: assignedPermissions('User', 'user'),
  group: assignedPermissions('Group', 'group'),
};

// --- data centers -----------------------------------------------------------

export const DataCenterClusters = collectionService({
  name: 'DataCenterClusters', type: () => T.Cluster, doc: 'Clusters of a data center.',
  owner: 'data_center', add: { permit: 'create_cluster', required: ['name'] }, entity: () => DataCenterCluster,
});
export const DataCenterCluster = entityService({
  name: 'DataCenterCluster', type: () => T.Cluster, doc: 'A cluster of a data center.', update: 'edit_cluster_configuration', remove: 'delete_cluster',
});

export const DataCenterNetworks = collectionService({
  name: 'DataCenterNetworks', type: () => T.Network, doc: 'Networks of a data center.',
  owner: 'data_center', add: { permit: 'create_storage_pool_network', required: ['name'] }, entity: () => DataCenterNetwork,
});
export const DataCenterNetwork = entityService({
  name: 'DataCenterNetwork', type: () => T.Network, doc: 'A network of a data center.', update: 'configure_storage_pool_network', remove: 'delete_storage_pool_network',
});

export const AttachedStorageDomains = collectionService({
  name: 'AttachedStorageDomains', type: () => T.StorageDomain, doc: 'Storage domains attached to a data center.',
  owner: 'data_center', add: { permit: 'manipulate_storage_domain', required: [] }, entity: () => AttachedStorageDomain,
});
export const AttachedStorageDomain = entityService({
  name: 'AttachedStorageDomain', type: () => T.StorageDomain, doc: 'A storage domain attached to a data center.',
  remove: 'manipulate_storage_domain', actions: activation,
});

export const DataCenters = collectionService({
  name: 'DataCenters', type: () => T.DataCenter, doc: 'The data centers.', search: true,
  add: { permit: 'create_storage_pool', required: ['name'] }, entity: () => DataCenterEntity,
});
export const DataCenterEntity = entityService({
  name: 'DataCenter', type: () => T.DataCenter, doc: 'A data center.', update: 'edit_storage_pool_configuration', remove: 'delete_storage_pool',
  locators: { permissions: () => permissionsOf.dataCenter, clusters: () => DataCenterClusters, networks: () => DataCenterNetworks, storagedomains: () => AttachedStorageDomains },
});

// --- clusters, hosts, networks ----------------------------------------------

export const Clusters = collectionService({
  name: 'Clusters', type: () => T.Cluster, doc: 'The clusters.', search: true,
  add: { permit: 'create_cluster', required: ['name', 'data_center'] }, entity: () => ClusterEntity,
});
export const ClusterEntity = entityService({
  name: 'Cluster', type: () => T.Cluster, doc: 'A cluster.', update: 'edit_cluster_configuration', remove: 'delete_cluster',
  locators: { permissions: () => permissionsOf.cluster },
});

export const Hosts = collectionService({
  name: 'Hosts', type: () => T.Host, doc: 'The hosts.', search: true,
  add: { permit: 'create_host', required: ['name', 'address'] }, entity: () => HostEntity,
});
export const HostStatistics = statisticsOf('Host', 'host');

export const HostNics = collectionService({
  name: 'HostNics', type: () => T.HostNic, doc: 'Network interfaces of a host.', owner: 'host', entity: () => HostNicEntity,
});
export const HostNicEntity = entityService({ name: 'HostNic', type: () => T.HostNic, doc: 'A network interface of a host.' });

export const HostEntity = entityService({
  name: 'Host', type: () => T.Host, doc: 'A host.', update: 'edit_host_configuration', remove: 'delete_host',
  actions: [
    action('activate', 'Brings a host out of maintenance.', 'manipulate_host'),
    action('deactivate', 'Puts a host into maintenance, migrating its VMs away.', 'manipulate_host'),
    action('refresh', 'Reads the host\'s capabilities again.', 'manipulate_host'),
  ],
  locators: { permissions: () => permissionsOf.host, statistics: () => HostStatistics, nics: () => HostNics },
});

export const NetworkVnicProfiles = collectionService({
  name: 'AssignedVnicProfiles', type: () => T.VnicProfile, doc: 'vNIC profiles of a network.',
  owner: 'network', add: { permit: 'create_network_vnic_profile', required: ['name'] }, entity: () => NetworkVnicProfile,
});
export const NetworkVnicProfile = entityService({
  name: 'AssignedVnicProfile', type: () => T.VnicProfile, doc: 'A vNIC profile of a network.', remove: 'delete_network_vnic_profile',
});

export const Networks = collectionService({
  name: 'Networks', type: () => T.Network, doc: 'The logical networks.', search: true,
  add: { permit: 'create_storage_pool_network', required: ['name', 'data_center'] }, entity: () => NetworkEntity,
});
export const NetworkEntity = entityService({
  name: 'Network', type: () => T.Network, doc: 'A logical network.', update: 'configure_storage_pool_network', remove: 'delete_storage_pool_network',
  locators: { permissions: () => permissionsOf.network, vnicprofiles: () => NetworkVnicProfiles },
});

export const VnicProfiles = collectionService({
  name: 'VnicProfiles', type: () => T.VnicProfile, doc: 'The vNIC profiles.',
  add: { permit: 'create_network_vnic_profile', required: ['name', 'network'] }, entity: () => VnicProfileEntity,
});
export const VnicProfileEntity = entityService({
  name: 'VnicProfile', type: () => T.VnicProfile, doc: 'A vNIC profile.', update: 'configure_network_vnic_profile', remove: 'delete_network_vnic_profile',
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
  name: 'StorageDomainDisks', type: () => T.Disk, doc: 'Disks stored on a storage domain.',
  owner: 'storage_domain', entity: () => StorageDomainDisk,
});
export const StorageDomainDisk = entityService({
  name: 'StorageDomainDisk', type: () => T.Disk, doc: 'A disk stored on a storage domain.',
});

export const StorageDomains = collectionService({
  name: 'StorageDomains', type: () => T.StorageDomain, doc: 'The storage domains.', search: true,
  add: { permit: 'create_storage_domain', required: ['name', 'type', 'storage.type', 'storage.path'] }, entity: () => StorageDomainEntity,
});
export const StorageDomainEntity = entityService({
  name: 'StorageDomain', type: () => T.StorageDomain, doc: 'A storage domain.', update: 'edit_storage_domain_configuration', remove: 'delete_storage_domain',
  locators: { permissions: () => permissionsOf.storageDomain, files: () => StorageDomainFiles, disks: () => StorageDomainDisks },
});

export const Disks = collectionService({
  name: 'Disks', type: () => T.Disk, doc: 'The disks.', search: true,
  add: { permit: 'create_disk', required: ['format', 'provisioned_size', 'storage_domains'] }, entity: () => DiskEntity,
});
export const DiskSnapshots = collectionService({
  name: 'DiskSnapshots', type: () => T.DiskSnapshot, doc: 'The snapshots of a disk: the volumes of its chain.', owner: 'disk', entity: () => DiskSnapshotEntity,
});
export const DiskSnapshotEntity = entityService({ name: 'DiskSnapshot', type: () => T.DiskSnapshot, doc: 'A snapshot of a disk.' });

export const DiskEntity = entityService({
  name: 'Disk', type: () => T.Disk, doc: 'A disk.', update: 'edit_disk_properties', remove: 'delete_disk',
  locators: { permissions: () => permissionsOf.disk, disksnapshots: () => DiskSnapshots },
});

export const ImageTransfers = collectionService({
  name: 'ImageTransfers', type: () => T.ImageTransfer, doc: 'Uploads and downloads of disk images through the image proxy.',
  // A transfer of a disk snapshot acts on the snapshot's disk.
  add: { permit: 'access_image_storage', required: [], on: ['snapshot', 'disk'] }, entity: () => ImageTransferEntity,
});
export const ImageTransferEntity = entityService({
  name: 'ImageTransfer', type: () => T.ImageTransfer, doc: 'An upload or download of a disk image.',
  actions: [
    action('extend', 'Keeps the transfer alive.', 'access_image_storage'),
    action('pause', 'Pauses an upload.', 'access_image_storage'),
    action('resume', 'Resumes a paused transfer.', 'access_image_storage'),
    action('cancel', 'Aborts the transfer; an upload\'s disk is removed.', 'access_image_storage'),
    action('finalize', 'Ends the transfer, checking what was uploaded.', 'access_image_storage'),
  ],
});

// --- templates and virtual machines -----------------------------------------

export const Templates = collectionService({
  name: 'Templates', type: () => T.Template, doc: 'The templates.', search: true,
  add: { permit: 'create_template', required: ['name', 'vm'] }, entity: () => TemplateEntity,
});
export const TemplateEntity = entityService({
  name: 'Template', type: () => T.Template, doc: 'A template.', update: 'edit_template_properties', remove: 'delete_template',
  locators: { permissions: () => permissionsOf.template },
});

export const VmNics = collectionService({
  name: 'VmNics', type: () => T.Nic, doc: 'Network interfaces of a virtual machine.',
  owner: 'vm', add: { permit: 'configure_vm_network', required: ['name'] }, entity: () => VmNic,
});
export const VmNic = entityService({
  name: 'VmNic', type: () => T.Nic, doc: 'A network interface of a virtual machine.', update: 'configure_vm_network', remove: 'configure_vm_network',
});

export const VmDiskAttachments = collectionService({
  name: 'DiskAttachments', type: () => T.DiskAttachment, doc: 'Disks attached to a virtual machine.',
  owner: 'vm', add: { permit: 'configure_vm_storage', required: ['interface', 'disk'] }, entity: () => VmDiskAttachment,
});
export const VmDiskAttachment = entityService({
  name: 'DiskAttachment', type: () => T.DiskAttachment, doc: 'A disk attached to a virtual machine.',
  update: 'configure_vm_storage', remove: 'configure_vm_storage',
});

export const VmCdroms = collectionService({
  name: 'VmCdroms', type: () => T.Cdrom, doc: 'CD-ROM drives of a virtual machine.',
  owner: 'vm', entity: () => VmCdrom,
});
export const VmCdrom = entityService({
  name: 'VmCdrom', type: () => T.Cdrom, doc: 'A CD-ROM drive of a virtual machine.', update: 'change_vm_cd',
});

export const Vms = collectionService({
  name: 'Vms', type: () => T.Vm, doc: 'The virtual machines.', search: true,
  add: { permit: 'create_vm', required: ['name', 'cluster', 'template'] }, entity: () => VmEntity,
});
export const VmStatistics = statisticsOf('Vm', 'vm');

export const SnapshotDisks = collectionService({
  name: 'SnapshotDisks', type: () => T.Disk, doc: 'Disks as a snapshot captured them.', owner: 'snapshot', entity: () => SnapshotDisk,
});
export const SnapshotDisk = entityService({ name: 'SnapshotDisk', type: () => T.Disk, doc: 'A disk as a snapshot captured it.' });

export const VmSnapshots = collectionService({
  name: 'Snapshots', type: () => T.Snapshot, doc: 'Snapshots of a virtual machine, the active state first.', owner: 'vm',
  add: { permit: 'manipulate_vm_snapshots', required: [] }, entity: () => VmSnapshot,
});
export const VmSnapshot = entityService({
  name: 'Snapshot', type: () => T.Snapshot, doc: 'A snapshot of a virtual machine.', remove: 'manipulate_vm_snapshots',
  actions: [action('restore', 'Brings the VM back to the snapshot, dropping what came after it.', 'manipulate_vm_snapshots')],
  locators: { disks: () => SnapshotDisks },
});

export const VmEntity = entityService({
  name: 'Vm', type: () => T.Vm, doc: 'A virtual machine.', update: 'edit_vm_properties', remove: 'delete_vm',
  actions: [
    action('start', 'Starts the VM on a host of its cluster; the body may change boot devices for this run only.', 'run_vm'),
    action('stop', 'Powers the VM off at once.', 'stop_vm'),
    action('shutdown', 'Asks the guest to shut down.', 'shut_down_vm'),
    action('reboot', 'Reboots the VM.', 'reboot_vm'),
    action('suspend', 'Saves the VM\'s memory and stops it.', 'hibernate_vm'),
    action('migrate', 'Moves the running VM to another host.', 'migrate_vm'),
    action('cancelmigration', 'Stops a migration under way.', 'migrate_vm'),
    action('clone', 'Makes a new VM with copies of this one\'s configuration, disks and NICs.', 'create_vm'),
    action('previewsnapshot', 'Runs the VM from a snapshot for a while, to look before restoring.', 'manipulate_vm_snapshots'),
    action('commitsnapshot', 'Keeps the previewed snapshot, dropping what came after it.', 'manipulate_vm_snapshots'),
    action('undosnapshot', 'Ends a preview, back to where the VM was.', 'manipulate_vm_snapshots'),
  ],
  locators: { permissions: () => permissionsOf.vm, statistics: () => VmStatistics, snapshots: () => VmSnapshots, nics: () => VmNics, diskattachments: () => VmDiskAttachments, cdroms: () => VmCdroms },
});

// --- jobs, events, identity -------------------------------------------------

export const JobSteps = collectionService({
  name: 'Steps', type: () => T.Step, doc: 'Steps of a job.', owner: 'job', entity: () => JobStep,
});
export const JobStep = entityService({ name: 'Step', type: () => T.Step, doc: 'A step of a job.' });

export const Jobs = collectionService({
  name: 'Jobs', type: () => T.Job, doc: 'Jobs: the tracked progress of actions; external systems add their own.', search: true,
  add: { permit: 'inject_external_tasks', required: ['description'] }, entity: () => JobEntity,
});
export const JobEntity = entityService({
  name: 'Job', type: () => T.Job, doc: 'A job.', locators: { steps: () => JobSteps },
  actions: [
    action('end', 'Ends an external job.', 'inject_external_tasks'),
    action('clear', 'Removes an ended job from the list.', 'inject_external_tasks'),
  ],
});

export const Events = collectionService({
  name: 'Events', type: () => T.Event, doc: 'The audit log, newest first; external systems add their own events.', search: true,
  add: { permit: 'inject_external_events', required: ['description', 'severity', 'origin', 'custom_id'] }, entity: () => EventEntity,
});
export const EventEntity = entityService({ name: 'Event', type: () => T.Event, doc: 'An audit log entry.' });

export const UserApiTokens = collectionService({
  name: 'UserApiTokens', type: () => T.ApiToken, doc: 'Long-lived tokens a user made for scripts (Hangar extension).',
  owner: 'user', selfService: true, add: { permit: 'manipulate_users', required: ['name', 'expiration'] }, entity: () => UserApiToken,
});
export const UserApiToken = entityService({
  name: 'UserApiToken', type: () => T.ApiToken, doc: 'A long-lived token of a user.', remove: 'manipulate_users', selfService: true,
});

export const Users = collectionService({
  name: 'Users', type: () => T.User, doc: 'Users known to the engine.', search: true,
  add: { permit: 'manipulate_users', required: ['user_name', 'domain'] }, entity: () => UserEntity,
});
export const UserEntity = entityService({
  name: 'User', type: () => T.User, doc: 'A user; users change their own password with an update.',
  update: 'manipulate_users', remove: 'manipulate_users', selfService: true,
  locators: { permissions: () => permissionsOf.user, apitokens: () => UserApiTokens },
});

export const Groups = collectionService({
  name: 'Groups', type: () => T.Group, doc: 'Groups known to the engine.', search: true,
  add: { permit: 'manipulate_users', required: ['name'] }, entity: () => GroupEntity,
});
export const GroupEntity = entityService({
  name: 'Group', type: () => T.Group, doc: 'A group.', remove: 'manipulate_users',
  locators: { permissions: () => permissionsOf.group },
});

export const DomainUsers = collectionService({
  name: 'DomainUsers', type: () => T.User, doc: 'Accounts of an authentication domain; the internal one takes new accounts.',
  owner: 'domain', add: { permit: 'manipulate_users', required: ['user_name', 'password'] }, entity: () => DomainUser,
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

export const RolePermits = collectionService({
  name: 'Permits', type: () => T.Permit, doc: 'Permits of a role.', owner: 'role',
  add: { permit: 'manipulate_roles', required: [] }, entity: () => RolePermit,
});
export const RolePermit = entityService({ name: 'Permit', type: () => T.Permit, doc: 'A permit of a role.', remove: 'manipulate_roles' });

export const Roles = collectionService({
  name: 'Roles', type: () => T.Role, doc: 'Roles: named sets of permits.', add: { permit: 'manipulate_roles', required: ['name', 'permits'] },
  entity: () => RoleEntity,
});
export const RoleEntity = entityService({
  name: 'Role', type: () => T.Role, doc: 'A role.', update: 'manipulate_roles', remove: 'manipulate_roles',
  locators: { permits: () => RolePermits },
});

const systemPermission = entityService({
  name: 'SystemPermission', type: () => T.Permission, doc: 'A permission given on the whole system.', remove: 'manipulate_permissions',
});
export const SystemPermissions = collectionService({
  name: 'SystemPermissions', type: () => T.Permission, doc: 'Permissions given on the whole system.',
  add: { permit: 'manipulate_permissions', required: ['role'] }, entity: () => systemPermission,
});

export const AssignedPermissions = permissionsOf;

// --- the root ---------------------------------------------------------------

export const Root: RootService = {
  kind: 'root',
  locators: {
    clusters: () => Clusters,
    datacenters: () => DataCenters,
    disks: () => Disks,
    domains: () => Domains,
    events: () => Events,
    groups: () => Groups,
    hosts: () => Hosts,
    imagetransfers: () => ImageTransfers,
    jobs: () => Jobs,
    networks: () => Networks,
    permissions: () => SystemPermissions,
    roles: () => Roles,
    storagedomains: () => StorageDomains,
    templates: () => Templates,
    users: () => Users,
    vms: () => Vms,
    vnicprofiles: () => VnicProfiles,
  },
};
