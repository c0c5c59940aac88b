// Entities that are only referenced here: they carry id, name, description and comment.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { defineEntity } from '../meta';

export const AffinityGroup = defineEntity('AffinityGroup', { doc: 'A group of virtual machines and hosts with placement rules.' }, {});
export const AffinityLabel = defineEntity('AffinityLabel', { doc: 'A label used to keep virtual machines and hosts together.' }, {});
export const Agent = defineEntity('Agent', { doc: 'A fence agent of a host.' }, {});
export const Application = defineEntity('Application', { doc: 'An application reported inside a virtual machine.' }, {});
export const AuthorizedKey = defineEntity('AuthorizedKey', { doc: 'An SSH public key authorized for a user.' }, {});
export const Backup = defineEntity('Backup', { doc: 'An incremental backup of virtual machine disks.' }, {});
export const Certificate = defineEntity('Certificate', { doc: 'An X.509 certificate.' }, {});
export const ExternalHostProvider = defineEntity('ExternalHostProvider', { doc: 'An external provider of hosts, such as Foreman.' }, {});
export const ExternalNetworkProviderConfiguration = defineEntity('ExternalNetworkProviderConfiguration', { doc: 'Settings of an external network provider on a host.' }, {});
export const ExternalProvider = defineEntity('ExternalProvider', { doc: 'An external provider of resources.' }, {});
export const Floppy = defineEntity('Floppy', { doc: 'A virtual floppy drive.', plural: 'floppies' }, {});
export const GlusterBrick = defineEntity('GlusterBrick', { doc: 'A brick of a Gluster volume.', element: 'brick' }, {});
export const GlusterHook = defineEntity('GlusterHook', { doc: 'A Gluster hook script.' }, {});
export const GlusterVolume = defineEntity('GlusterVolume', { doc: 'A Gluster volume.' }, {});
export const GlusterVolumeProfileDetails = defineEntity('GlusterVolumeProfileDetails', { doc: 'Profiling data of a Gluster volume.' }, {});
export const GraphicsConsole = defineEntity('GraphicsConsole', { doc: 'A graphical console of a virtual machine.' }, {});
export const Hook = defineEntity('Hook', { doc: 'A VDSM hook installed on a host.' }, {});
export const HostCpuUnit = defineEntity('HostCpuUnit', { doc: 'A physical CPU of a host and what it runs.' }, {});
export const HostDevice = defineEntity('HostDevice', { doc: 'A device of a host that can be passed to a virtual machine.' }, {});
export const Image = defineEntity('Image', { doc: 'A disk image stored in an image domain.' }, {});
export const IscsiBond = defineEntity('IscsiBond', { doc: 'A group of networks and iSCSI connections used together.' }, {});
export const KatelloErratum = defineEntity('KatelloErratum', { doc: 'A software erratum reported by Katello.', plural: 'katello_errata' }, {});
export const MigrationPolicy = defineEntity('MigrationPolicy', { doc: 'A named live migration policy.', plural: 'migration_policies' }, {});
export const NetworkAttachment = defineEntity('NetworkAttachment', { doc: 'A network attached to a host interface.' }, {});
export const NetworkFilterParameter = defineEntity('NetworkFilterParameter', { doc: 'A parameter passed to a network filter.' }, {});
export const NumaNode = defineEntity('NumaNode', { doc: 'A NUMA node of a host.', element: 'host_numa_node' }, {});
export const OpenStackNetworkProvider = defineEntity('OpenStackNetworkProvider', { doc: 'An OpenStack Neutron network provider.', element: 'openstack_network_provider' }, {});
export const OpenStackVolumeType = defineEntity('OpenStackVolumeType', { doc: 'A volume type of an OpenStack Cinder provider.' }, {});
export const Quota = defineEntity('Quota', { doc: 'A resource quota of a data center.' }, {});
export const ReportedDevice = defineEntity('ReportedDevice', { doc: 'A device reported by the guest agent.' }, {});
export const Session = defineEntity('Session', { doc: 'A user session inside a virtual machine.' }, {});
export const Ssh = defineEntity('Ssh', { doc: 'SSH connection settings.' }, {});
export const SshPublicKey = defineEntity('SshPublicKey', { doc: 'An SSH public key of a user.' }, {});
export const StorageConnectionExtension = defineEntity('StorageConnectionExtension', { doc: 'Per-host credentials for an iSCSI target.' }, {});
export const UnmanagedNetwork = defineEntity('UnmanagedNetwork', { doc: 'A network found on a host but not managed by the engine.' }, {});
export const UserOption = defineEntity('UserOption', { doc: 'A stored user preference.' }, {});
export const VmMediatedDevice = defineEntity('VmMediatedDevice', { doc: 'A mediated device assigned to a virtual machine.' }, {});
export const VmPool = defineEntity('VmPool', { doc: 'A pool of virtual machines created from one template.' }, {});
export const Watchdog = defineEntity('Watchdog', { doc: 'A watchdog device.' }, {});
