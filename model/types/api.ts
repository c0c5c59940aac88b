// The API root, its summary, and the body of action calls.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { STRING, bool, date, defineEntity, defineStruct, enumOf, int, link, listOf, str, struct } from '../meta';
import { Snapshot } from './vm';
import { HostNic } from './host';
import { Cluster } from './cluster';
import { Fault, Option, ProductInfo } from './common';
import { DataCenter } from './datacenter';
import { Disk, DiskAttachment, ImageTransfer } from './disk';
import { AutoPinningPolicy, ClusterUpgradeAction } from './enums';
import { Host, PowerManagement } from './host';
import { Job } from './job';
import { NetworkAttachment, NetworkLabel } from './host-network';
import {
  AuthorizedKey,
  Certificate,
  GlusterBrick,
  GlusterVolumeProfileDetails,
  Ssh,
} from './misc';
import { AffinityGroup, AffinityLabel } from './affinity';
import { Quota } from './quota';
import { DiskProfile, StorageConnection } from './config';
import { HostNicVirtualFunctionsConfiguration, VnicProfile } from './network';
import { IscsiDetails, LogicalUnit, StorageDomain, StorageDomainLease } from './storage';
import { Template } from './template';
import { Domain, Permission, Role, Tag, User } from './user';
import { Vm } from './vm';

export const Api = defineStruct('Api', { doc: 'Root document of the API: product details, summary counts and special objects.' }, {
  engine_backup: struct(() => EngineBackupInfo, 'Dates of the latest engine backups.', { readOnly: true }),
  product_info: struct(() => ProductInfo, 'Product details.', { readOnly: true }),
  special_objects: struct(() => SpecialObjects, 'Well-known objects.', { readOnly: true }),
  summary: struct(() => ApiSummary, 'Counts of objects in the system.', { readOnly: true }),
  time: date('Current time on the server.', { readOnly: true }),
  authenticated_user: link(() => User, 'The user who authenticated the request.', { readOnly: true }),
  effective_user: link(() => User, 'The user whose permissions apply to the request.', { readOnly: true }),
});

export const ApiSummary = defineStruct('ApiSummary', { doc: 'Counts of the main object kinds in the system.', plural: 'api_summaries' }, {
  hosts: struct(() => ApiSummaryItem, 'Host counts.', { readOnly: true }),
  storage_domains: struct(() => ApiSummaryItem, 'Storage domain counts.', { readOnly: true }),
  users: struct(() => ApiSummaryItem, 'User counts.', { readOnly: true }),
  vms: struct(() => ApiSummaryItem, 'Virtual machine counts.', { readOnly: true }),
});

export const ApiSummaryItem = defineStruct('ApiSummaryItem', { doc: 'A total and an active count for one kind of object.' }, {
  active: int('Number of active objects of this kind.', { readOnly: true }),
  total: int('Total number of objects of this kind.', { readOnly: true }),
});

export const SpecialObjects = defineStruct('SpecialObjects', { doc: 'Well-known objects that always exist, such as the blank template.' }, {
  blank_template: link(() => Template, 'The built-in blank template.', { readOnly: true }),
  root_tag: link(() => Tag, 'Root of the tag tree.', { readOnly: true }),
});

export const EngineBackupInfo = defineStruct('EngineBackupInfo', { doc: "Dates of the most recent backups of the engine's components." }, {
  last_cinder_backup: date('Date of the last Cinder backup.', { readOnly: true }),
  last_db_backup: date('Date of the last database backup.', { readOnly: true }),
  last_dwh_backup: date('Date of the last data warehouse backup.', { readOnly: true }),
  last_engine_backup: date('Date of the last engine backup.', { readOnly: true }),
  last_grafana_backup: date('Date of the last Grafana backup.', { readOnly: true }),
  last_keycloak_backup: date('Date of the last Keycloak backup.', { readOnly: true }),
});

export const Action = defineEntity('Action', { doc: 'Parameters and result of an action call.' }, {
  activate: bool('Whether to activate the object once the action completes.'),
  allow_partial_import: bool('Whether to import even if some disks are missing.'),
  async: bool('Whether to return before the action completes.'),
  attach_wgt: bool('Whether to attach the Windows guest tools image.'),
  attachment: struct(() => DiskAttachment, 'Disk attachment to create.'),
  authorized_key: struct(() => AuthorizedKey, 'SSH key to authorize inside the guest.'),
  auto_pinning_policy: enumOf(AutoPinningPolicy, 'Automatic pinning policy to apply.'),
  bricks: listOf(() => GlusterBrick, 'Gluster bricks the action applies to.'),
  certificates: listOf(() => Certificate, 'Certificates to import.'),
  check_connectivity: bool('Whether to verify connectivity after the change.'),
  clone: bool('Whether to clone the disks instead of sharing them.'),
  clone_permissions: bool('Whether to copy the permissions of the source.'),
  cluster: struct(() => Cluster, 'Cluster the action applies to.'),
  collapse_snapshots: bool('Whether to merge snapshots during the operation.'),
  commit_on_success: bool('Whether to commit the changes once they succeed.'),
  connection: struct(() => StorageConnection, 'Storage connection to use.'),
  connectivity_timeout: int('Seconds to wait for connectivity to return.'),
  correlation_id: str('Identifier that ties related requests together.'),
  data_center: struct(() => DataCenter, 'Data center the action applies to.'),
  deploy_hosted_engine: bool('Whether to deploy the hosted engine on the host.'),
  details: struct(() => GlusterVolumeProfileDetails, 'Profiling details returned by the action.', { readOnly: true }),
  directory: str('Directory on the host to export to.'),
  discard_snapshots: bool('Whether to drop snapshots during the operation.'),
  discovered_targets: listOf(() => IscsiDetails, 'iSCSI targets found by discovery.', { readOnly: true }),
  disk: struct(() => Disk, 'Disk the action applies to.'),
  disk_profile: struct(() => DiskProfile, 'Disk profile to use.'),
  disks: listOf(() => Disk, 'Disks the action applies to.'),
  exclusive: bool('Whether access is exclusive.'),
  fault: struct(() => Fault, 'Error returned by the action.', { readOnly: true }),
  fence_type: str('Kind of fence operation.'),
  filename: str('Name of the exported file.'),
  filter: bool("Whether results are filtered by the user's permissions."),
  fix_layout: bool('Whether to fix the layout during rebalance.'),
  follow: str('Linked objects to include inline in the result.'),
  force: bool('Whether to force the operation.'),
  grace_period: struct(() => GracePeriod, 'How long to wait before forcing the action.'),
  host: struct(() => Host, 'Host the action applies to.'),
  image: str('Image to install or upgrade the host with.'),
  image_transfer: struct(() => ImageTransfer, 'Image transfer to start.'),
  import_as_template: bool('Whether to import as a template.'),
  is_attached: bool('Whether the object is attached.', { readOnly: true }),
  iscsi: struct(() => IscsiDetails, 'iSCSI settings.'),
  iscsi_targets: listOf(STRING, 'iSCSI target names.', { readOnly: true, item: 'iscsi_target' }),
  job: struct(() => Job, 'Job tracking the action.'),
  lease: struct(() => StorageDomainLease, 'Storage lease.'),
  logical_units: listOf(() => LogicalUnit, 'Logical units to use.'),
  maintenance_after_restart: bool('Whether to put the host in maintenance after restart.'),
  maintenance_enabled: bool('Whether maintenance mode is enabled.'),
  migrate_vms_in_affinity_closure: bool('Whether to move affinity-related virtual machines too.'),
  modified_bonds: listOf(() => HostNic, 'Bonds to create or change.'),
  modified_labels: listOf(() => NetworkLabel, 'Network labels to add.'),
  modified_network_attachments: listOf(() => NetworkAttachment, 'Network attachments to create or change.'),
  optimize_cpu_settings: bool('Whether to adjust CPU settings automatically.'),
  option: struct(() => Option, 'Option to apply.'),
  pause: bool('Whether to start paused.'),
  permission: struct(() => Permission, 'Permission to grant.'),
  power_management: struct(() => PowerManagement, 'Power management state returned by a fence status check.', { readOnly: true }),
  proxy_ticket: struct(() => ProxyTicket, 'Ticket for the console proxy.', { readOnly: true }),
  quota: struct(() => Quota, 'Quota to charge.'),
  reason: str('Reason given for the operation.'),
  reassign_bad_macs: bool('Whether to replace invalid MAC addresses.'),
  reboot: bool('Whether to reboot.'),
  registration_configuration: struct(() => RegistrationConfiguration, 'Mappings applied during registration.'),
  remote_viewer_connection_file: str('Connection file for the remote viewer.', { readOnly: true }),
  removed_bonds: listOf(() => HostNic, 'Bonds to remove.'),
  removed_labels: listOf(() => NetworkLabel, 'Network labels to remove.'),
  removed_network_attachments: listOf(() => NetworkAttachment, 'Network attachments to remove.'),
  resolution_type: str('How to resolve a conflict between hook copies.'),
  restore_memory: bool('Whether to restore memory.'),
  root_password: str('Root password used to reach the host.', { secret: true }),
  seal: bool('Whether to seal the template by removing machine-specific data.'),
  snapshot: struct(() => Snapshot, 'Snapshot the action applies to.'),
  source_host: struct(() => Host, 'Host to copy from.'),
  ssh: struct(() => Ssh, 'SSH settings.'),
  status: str('Outcome of the action.', { readOnly: true }),
  stop_gluster_service: bool('Whether to stop the Gluster service.'),
  storage_domain: struct(() => StorageDomain, 'Storage domain the action applies to.'),
  storage_domains: listOf(() => StorageDomain, 'Storage domains found by the action.', { readOnly: true }),
  succeeded: bool('Whether the action succeeded.'),
  synchronized_network_attachments: listOf(() => NetworkAttachment, 'Network attachments to synchronize.'),
  template: struct(() => Template, 'Template to use.'),
  ticket: struct(() => Ticket, 'Console access ticket.'),
  timeout: int('Seconds to wait before giving up.'),
  undeploy_hosted_engine: bool('Whether to remove the hosted engine from the host.'),
  upgrade_action: enumOf(ClusterUpgradeAction, 'Upgrade step to perform.'),
  upgrade_percent_complete: int('Progress of the upgrade, in percent.'),
  use_cloud_init: bool('Whether to use cloud-init.'),
  use_ignition: bool('Whether to use Ignition.'),
  use_initialization: bool('Whether to apply the initialization settings.'),
  use_sysprep: bool('Whether to use sysprep.'),
  virtual_functions_configuration: struct(() => HostNicVirtualFunctionsConfiguration, 'Virtual function settings.'),
  vm: struct(() => Vm, 'Virtual machine the action applies to.'),
  vnic_profile_mappings: listOf(() => VnicProfileMapping, 'vNIC profile mappings.'),
  volatile: bool('Whether changes are discarded after the run.'),
});

export const GracePeriod = defineStruct('GracePeriod', { doc: 'How long an operation may wait before it is forced.' }, {
  expiry: int('Seconds to wait before forcing the operation.'),
});

export const RegistrationConfiguration = defineStruct('RegistrationConfiguration', { doc: 'Mappings applied when registering objects from a storage domain.' }, {
  affinity_group_mappings: listOf(() => RegistrationAffinityGroupMapping, 'Affinity group mappings to apply.'),
  affinity_label_mappings: listOf(() => RegistrationAffinityLabelMapping, 'Affinity label mappings to apply.'),
  cluster_mappings: listOf(() => RegistrationClusterMapping, 'Cluster mappings to apply.'),
  domain_mappings: listOf(() => RegistrationDomainMapping, 'Domain mappings to apply.'),
  lun_mappings: listOf(() => RegistrationLunMapping, 'LUN mappings to apply.'),
  role_mappings: listOf(() => RegistrationRoleMapping, 'Role mappings to apply.'),
  vnic_profile_mappings: listOf(() => RegistrationVnicProfileMapping, 'vNIC profile mappings.'),
});

export const RegistrationClusterMapping = defineStruct('RegistrationClusterMapping', { doc: 'Maps a cluster on registration.' }, {
  from: link(() => Cluster, 'The source object.'),
  to: link(() => Cluster, 'The target object.'),
});

export const RegistrationRoleMapping = defineStruct('RegistrationRoleMapping', { doc: 'Maps a role on registration.' }, {
  from: link(() => Role, 'The source object.'),
  to: link(() => Role, 'The target object.'),
});

export const RegistrationLunMapping = defineStruct('RegistrationLunMapping', { doc: 'Maps a LUN disk on registration.' }, {
  from: link(() => Disk, 'The source object.'),
  to: link(() => Disk, 'The target object.'),
});

export const RegistrationDomainMapping = defineStruct('RegistrationDomainMapping', { doc: 'Maps an authentication domain on registration.' }, {
  from: link(() => Domain, 'The source object.'),
  to: link(() => Domain, 'The target object.'),
});

export const RegistrationAffinityGroupMapping = defineStruct('RegistrationAffinityGroupMapping', { doc: 'Maps an affinity group on registration.' }, {
  from: link(() => AffinityGroup, 'The source object.'),
  to: link(() => AffinityGroup, 'The target object.'),
});

export const RegistrationAffinityLabelMapping = defineStruct('RegistrationAffinityLabelMapping', { doc: 'Maps an affinity label on registration.' }, {
  from: link(() => AffinityLabel, 'The source object.'),
  to: link(() => AffinityLabel, 'The target object.'),
});

export const RegistrationVnicProfileMapping = defineStruct('RegistrationVnicProfileMapping', { doc: 'Maps a vNIC profile on registration.' }, {
  from: link(() => VnicProfile, 'The source object.'),
  to: link(() => VnicProfile, 'The target object.'),
});

export const VnicProfileMapping = defineStruct('VnicProfileMapping', { doc: 'Maps a source network to a target vNIC profile on import.' }, {
  source_network_name: str('Network name in the source.'),
  source_network_profile_name: str('Profile name in the source.'),
  target_vnic_profile: link(() => VnicProfile, 'vNIC profile to use in the target.'),
});

export const ProxyTicket = defineStruct('ProxyTicket', { doc: 'A ticket for a console proxy.' }, {
  value: str('The proxy ticket string.'),
});

export const Ticket = defineStruct('Ticket', { doc: 'A ticket that grants access to a console.' }, {
  expiry: int('Seconds the ticket stays valid.'),
  value: str('The ticket string.'),
});
