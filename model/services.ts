// The service tree: root → collections → entities → sub-collections and actions, as oVirt's
// model declares it. Routes, `<link rel>` lists and `<actions>` blocks are derived from it.
import { action, collectionService, entityService, RootService } from './meta';
import * as T from './types';

const activation = [
  action('activate', 'Makes the object available for use.'),
  action('deactivate', 'Takes the object out of use, for maintenance.'),
];

// --- data centers -----------------------------------------------------------

export const DataCenterClusters = collectionService({
  name: 'DataCenterClusters', type: () => T.Cluster, doc: 'Clusters of a data center.',
  owner: 'data_center', add: { required: ['name'] }, entity: () => DataCenterCluster,
});
export const DataCenterCluster = entityService({
  name: 'DataCenterCluster', type: () => T.Cluster, doc: 'A cluster of a data center.', update: true, remove: true,
});

export const DataCenterNetworks = collectionService({
  name: 'DataCenterNetworks', type: () => T.Network, doc: 'Networks of a data center.',
  owner: 'data_center', add: { required: ['name'] }, entity: () => DataCenterNetwork,
});
export const DataCenterNetwork = entityService({
  name: 'DataCenterNetwork', type: () => T.Network, doc: 'A network of a data center.', update: true, remove: true,
});

export const AttachedStorageDomains = collectionService({
  name: 'AttachedStorageDomains', type: () => T.StorageDomain, doc: 'Storage domains attached to a data center.',
  owner: 'data_center', add: { required: [] }, entity: () => AttachedStorageDomain,
});
export const AttachedStorageDomain = entityService({
  name: 'AttachedStorageDomain', type: () => T.StorageDomain, doc: 'A storage domain attached to a data center.',
  remove: true, actions: activation,
});

export const DataCenters = collectionService({
  name: 'DataCenters', type: () => T.DataCenter, doc: 'The data centers.', search: true,
  add: { required: ['name'] }, entity: () => DataCenterEntity,
});
export const DataCenterEntity = entityService({
  name: 'DataCenter', type: () => T.DataCenter, doc: 'A data center.', update: true, remove: true,
  locators: { clusters: () => DataCenterClusters, networks: () => DataCenterNetworks, storagedomains: () => AttachedStorageDomains },
});

// --- clusters, hosts, networks ----------------------------------------------

export const Clusters = collectionService({
  name: 'Clusters', type: () => T.Cluster, doc: 'The clusters.', search: true,
  add: { required: ['name', 'data_center'] }, entity: () => ClusterEntity,
});
export const ClusterEntity = entityService({
  name: 'Cluster', type: () => T.Cluster, doc: 'A cluster.', update: true, remove: true,
});

export const Hosts = collectionService({
  name: 'Hosts', type: () => T.Host, doc: 'The hosts.', search: true,
  add: { required: ['name', 'address'] }, entity: () => HostEntity,
});
export const HostEntity = entityService({
  name: 'Host', type: () => T.Host, doc: 'A host.', update: true, remove: true,
});

export const NetworkVnicProfiles = collectionService({
  name: 'AssignedVnicProfiles', type: () => T.VnicProfile, doc: 'vNIC profiles of a network.',
  owner: 'network', add: { required: ['name'] }, entity: () => NetworkVnicProfile,
});
export const NetworkVnicProfile = entityService({
  name: 'AssignedVnicProfile', type: () => T.VnicProfile, doc: 'A vNIC profile of a network.', remove: true,
});

export const Networks = collectionService({
  name: 'Networks', type: () => T.Network, doc: 'The logical networks.', search: true,
  add: { required: ['name', 'data_center'] }, entity: () => NetworkEntity,
});
export const NetworkEntity = entityService({
  name: 'Network', type: () => T.Network, doc: 'A logical network.', update: true, remove: true,
  locators: { vnicprofiles: () => NetworkVnicProfiles },
});

export const VnicProfiles = collectionService({
  name: 'VnicProfiles', type: () => T.VnicProfile, doc: 'The vNIC profiles.',
  add: { required: ['name', 'network'] }, entity: () => VnicProfileEntity,
});
export const VnicProfileEntity = entityService({
  name: 'VnicProfile', type: () => T.VnicProfile, doc: 'A vNIC profile.', update: true, remove: true,
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
  add: { required: ['name', 'type', 'storage.type', 'storage.path'] }, entity: () => StorageDomainEntity,
});
export const StorageDomainEntity = entityService({
  name: 'StorageDomain', type: () => T.StorageDomain, doc: 'A storage domain.', update: true, remove: true,
  locators: { files: () => StorageDomainFiles, disks: () => StorageDomainDisks },
});

export const Disks = collectionService({
  name: 'Disks', type: () => T.Disk, doc: 'The disks.', search: true,
  add: { required: ['format', 'provisioned_size', 'storage_domains'] }, entity: () => DiskEntity,
});
export const DiskEntity = entityService({
  name: 'Disk', type: () => T.Disk, doc: 'A disk.', update: true, remove: true,
});

// --- templates and virtual machines -----------------------------------------

export const Templates = collectionService({
  name: 'Templates', type: () => T.Template, doc: 'The templates.', search: true,
  add: { required: ['name', 'vm'] }, entity: () => TemplateEntity,
});
export const TemplateEntity = entityService({
  name: 'Template', type: () => T.Template, doc: 'A template.', update: true, remove: true,
});

export const VmNics = collectionService({
  name: 'VmNics', type: () => T.Nic, doc: 'Network interfaces of a virtual machine.',
  owner: 'vm', add: { required: ['name'] }, entity: () => VmNic,
});
export const VmNic = entityService({
  name: 'VmNic', type: () => T.Nic, doc: 'A network interface of a virtual machine.', update: true, remove: true,
});

export const VmDiskAttachments = collectionService({
  name: 'DiskAttachments', type: () => T.DiskAttachment, doc: 'Disks attached to a virtual machine.',
  owner: 'vm', add: { required: ['interface', 'disk'] }, entity: () => VmDiskAttachment,
});
export const VmDiskAttachment = entityService({
  name: 'DiskAttachment', type: () => T.DiskAttachment, doc: 'A disk attached to a virtual machine.',
  update: true, remove: true,
});

export const VmCdroms = collectionService({
  name: 'VmCdroms', type: () => T.Cdrom, doc: 'CD-ROM drives of a virtual machine.',
  owner: 'vm', entity: () => VmCdrom,
});
export const VmCdrom = entityService({
  name: 'VmCdrom', type: () => T.Cdrom, doc: 'A CD-ROM drive of a virtual machine.', update: true,
});

export const Vms = collectionService({
  name: 'Vms', type: () => T.Vm, doc: 'The virtual machines.', search: true,
  add: { required: ['name', 'cluster', 'template'] }, entity: () => VmEntity,
});
export const VmEntity = entityService({
  name: 'Vm', type: () => T.Vm, doc: 'A virtual machine.', update: true, remove: true,
  locators: { nics: () => VmNics, diskattachments: () => VmDiskAttachments, cdroms: () => VmCdroms },
});

// --- jobs, events, identity -------------------------------------------------

export const JobSteps = collectionService({
  name: 'Steps', type: () => T.Step, doc: 'Steps of a job.', owner: 'job', entity: () => JobStep,
});
export const JobStep = entityService({ name: 'Step', type: () => T.Step, doc: 'A step of a job.' });

export const Jobs = collectionService({
  name: 'Jobs', type: () => T.Job, doc: 'Jobs: the tracked progress of actions.', search: true, entity: () => JobEntity,
});
export const JobEntity = entityService({
  name: 'Job', type: () => T.Job, doc: 'A job.', locators: { steps: () => JobSteps },
});

export const Events = collectionService({
  name: 'Events', type: () => T.Event, doc: 'The audit log.', search: true, entity: () => EventEntity,
});
export const EventEntity = entityService({ name: 'Event', type: () => T.Event, doc: 'An audit log entry.' });

export const Users = collectionService({
  name: 'Users', type: () => T.User, doc: 'Users known to the engine.', search: true, entity: () => UserEntity,
});
export const UserEntity = entityService({ name: 'User', type: () => T.User, doc: 'A user.' });

export const DomainUsers = collectionService({
  name: 'DomainUsers', type: () => T.User, doc: 'Users of an authentication domain.',
  owner: 'domain', entity: () => DomainUser,
});
export const DomainUser = entityService({ name: 'DomainUser', type: () => T.User, doc: 'A user of a domain.' });

export const Domains = collectionService({
  name: 'Domains', type: () => T.Domain, doc: 'Authentication domains.', entity: () => DomainEntity,
});
export const DomainEntity = entityService({
  name: 'Domain', type: () => T.Domain, doc: 'An authentication domain.', locators: { users: () => DomainUsers },
});

// --- the root ---------------------------------------------------------------

export const Root: RootService = {
  kind: 'root',
  locators: {
    clusters: () => Clusters,
    datacenters: () => DataCenters,
    disks: () => Disks,
    domains: () => Domains,
    events: () => Events,
    hosts: () => Hosts,
    jobs: () => Jobs,
    networks: () => Networks,
    storagedomains: () => StorageDomains,
    templates: () => Templates,
    users: () => Users,
    vms: () => Vms,
    vnicprofiles: () => VnicProfiles,
  },
};
