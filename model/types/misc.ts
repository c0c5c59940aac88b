// Entities that are only referenced here: they carry id, name, description and comment.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { defineEntity } from '../meta';

export const AuthorizedKey = defineEntity('AuthorizedKey', { doc: 'An SSH public key authorized for a user.' }, {});
export const Certificate = defineEntity('Certificate', { doc: 'An X.509 certificate.' }, {});
export const ExternalHostProvider = defineEntity('ExternalHostProvider', { doc: 'An external provider of hosts, such as Foreman.' }, {});
export const ExternalNetworkProviderConfiguration = defineEntity('ExternalNetworkProviderConfiguration', { doc: 'Settings of an external network provider on a host.' }, {});
export const ExternalProvider = defineEntity('ExternalProvider', { doc: 'An external provider of resources.' }, {});
export const Floppy = defineEntity('Floppy', { doc: 'A virtual floppy drive.', plural: 'floppies' }, {});
export const GlusterBrick = defineEntity('GlusterBrick', { doc: 'A brick of a Gluster volume.', element: 'brick' }, {});
export const GlusterHook = defineEntity('GlusterHook', { doc: 'A Gluster hook script.' }, {});
export const GlusterVolume = defineEntity('GlusterVolume', { doc: 'A Gluster volume.' }, {});
export const GlusterVolumeProfileDetails = defineEntity('GlusterVolumeProfileDetails', { doc: 'Profiling data of a Gluster volume.' }, {});
export const IscsiBond = defineEntity('IscsiBond', { doc: 'A group of networks and iSCSI connections used together.' }, {});
export const KatelloErratum = defineEntity('KatelloErratum', { doc: 'A software erratum reported by Katello.', plural: 'katello_errata' }, {});
export const MigrationPolicy = defineEntity('MigrationPolicy', { doc: 'A named live migration policy.', plural: 'migration_policies' }, {});
export const NetworkFilterParameter = defineEntity('NetworkFilterParameter', { doc: 'A parameter passed to a network filter.' }, {});
export const OpenStackNetworkProvider = defineEntity('OpenStackNetworkProvider', { doc: 'An OpenStack Neutron network provider.', element: 'openstack_network_provider' }, {});
export const OpenStackVolumeType = defineEntity('OpenStackVolumeType', { doc: 'A volume type of an OpenStack Cinder provider.' }, {});
export const Ssh = defineEntity('Ssh', { doc: 'SSH connection settings.' }, {});
