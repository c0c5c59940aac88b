// Clusters and the policies configured on them.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, defineStruct, enumOf, int, link, links, listOf, own, str, struct, via } from '../meta';
import { Property, Version } from './common';
import { GUARANTEED_MEMORY, MEMORY } from './limits';
import { DataCenter } from './datacenter';
import {
  BiosType,
  FipsMode,
  FirewallType,
  InheritableBoolean,
  LogMaxMemoryUsedThresholdType,
  MigrateOnError,
  MigrationBandwidthAssignmentMethod,
  ParallelMigrationsPolicy,
  RngSource,
  SerialNumberPolicy,
  SwitchType,
} from './enums';
import {
  ExternalProvider,
  GlusterHook,
  GlusterVolume,
  MigrationPolicy,
} from './misc';
import { AffinityGroup } from './affinity';
import { ClusterFeature, CpuProfile, NetworkFilter } from './config';
import { MacPool } from './mac-pool';
import { SchedulingPolicy } from './scheduling';
import { Network } from './network';
import { Permission } from './user';
import { Cpu, Display } from './vm';

export const Cluster = defineEntity('Cluster', {
  search: { architecture: own('cpu.architecture'), datacenter: via('data_center') },
  inherits: 'data_center', doc: 'A set of hosts that share CPU type, networks and storage.' }, {
  ballooning_enabled: bool('Whether memory ballooning is enabled in the cluster.'),
  bios_type: enumOf(BiosType, 'Default chipset and firmware type.'),
  cpu: struct(() => Cpu, 'CPU type and architecture of the cluster.'),
  custom_scheduling_policy_properties: listOf(() => Property, 'Properties overriding those of the scheduling policy.'),
  display: struct(() => Display, 'Graphical console settings.'),
  error_handling: struct(() => ErrorHandling, 'What to do when a host fails.'),
  fencing_policy: struct(() => FencingPolicy, 'When fencing is allowed.'),
  fips_mode: enumOf(FipsMode, 'FIPS mode of the cluster.'),
  firewall_type: enumOf(FirewallType, 'Firewall used by the hosts.'),
  gluster_service: bool('Whether hosts provide Gluster storage.'),
  gluster_tuned_profile: str('Tuned profile applied to Gluster hosts.'),
  ha_reservation: bool('Whether capacity is kept for highly available virtual machines.'),
  ksm: struct(() => Ksm, 'Kernel same-page merging settings.'),
  log_max_memory_used_threshold: int('Memory usage that triggers a log warning.'),
  log_max_memory_used_threshold_type: enumOf(LogMaxMemoryUsedThresholdType, 'Whether the threshold is a percentage or an absolute value.'),
  maintenance_reason_required: bool('Whether a reason is required to enter maintenance.'),
  memory_policy: struct(() => MemoryPolicy, 'Memory management settings.'),
  migration: struct(() => MigrationOptions, 'Migration settings.'),
  optional_reason: bool('Whether a reason may be given when shutting down.'),
  required_rng_sources: listOf(RngSource, 'Random sources hosts must provide.', { item: 'required_rng_source' }),
  serial_number: struct(() => SerialNumber, 'Serial number settings.'),
  supported_versions: listOf(() => Version, 'Compatibility versions supported.', { readOnly: true }),
  switch_type: enumOf(SwitchType, 'Kind of virtual switch.'),
  threads_as_cores: bool('Whether host threads count as cores.'),
  trusted_service: bool('Whether hosts are verified by an attestation service.'),
  tunnel_migration: bool('Whether migration is tunneled through libvirt.'),
  upgrade_correlation_id: str('Correlation identifier of the running upgrade.', { readOnly: true }),
  upgrade_in_progress: bool('Whether an upgrade is running.', { readOnly: true }),
  upgrade_percent_complete: int('Progress of the upgrade, in percent.', { readOnly: true }),
  version: struct(() => Version, 'Compatibility version of the cluster.'),
  virt_service: bool('Whether hosts run virtual machines.'),
  vnc_encryption: bool('Whether VNC traffic is encrypted.'),
  affinity_groups: links(() => AffinityGroup, 'Affinity groups defined in the cluster.', { rel: 'affinitygroups' }),
  cpu_profiles: links(() => CpuProfile, 'CPU profiles of the cluster.', { rel: 'cpuprofiles' }),
  data_center: link(() => DataCenter, 'Data center the cluster belongs to.'),
  enabled_features: links(() => ClusterFeature, 'Optional features enabled in the cluster.', { rel: 'enabledfeatures' }),
  external_network_providers: links(() => ExternalProvider, 'External network providers used by the cluster.', { rel: 'externalnetworkproviders' }),
  gluster_hooks: links(() => GlusterHook, 'Gluster hooks of the cluster.', { rel: 'glusterhooks' }),
  gluster_volumes: links(() => GlusterVolume, 'Gluster volumes of the cluster.', { rel: 'glustervolumes' }),
  mac_pool: link(() => MacPool, 'MAC address pool of the cluster.'),
  management_network: link(() => Network, 'Network used to manage the hosts.'),
  network_filters: links(() => NetworkFilter, 'Network filters available.', { rel: 'networkfilters' }),
  networks: links(() => Network, 'Networks assigned to the cluster.', { rel: 'networks' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  scheduling_policy: link(() => SchedulingPolicy, 'Scheduling policy used.'),
});

export const ErrorHandling = defineStruct('ErrorHandling', { doc: 'What to do with virtual machines when their host fails.' }, {
  on_error: enumOf(MigrateOnError, 'What to do with the virtual machines.'),
});

export const FencingPolicy = defineStruct('FencingPolicy', { doc: 'When fencing of non-responsive hosts is allowed.', plural: 'fencing_policies' }, {
  enabled: bool('Whether fencing is enabled.'),
  skip_if_connectivity_broken: struct(() => SkipIfConnectivityBroken, 'Skip fencing when connectivity is broadly lost.'),
  skip_if_gluster_bricks_up: bool('Skip fencing while Gluster bricks are up.'),
  skip_if_gluster_quorum_not_met: bool('Skip fencing when Gluster quorum would be lost.'),
  skip_if_sd_active: struct(() => SkipIfSdActive, 'Skip fencing while the storage lease is alive.'),
});

export const SkipIfSdActive = defineStruct('SkipIfSdActive', { doc: 'Skip fencing while the host still updates its storage lease.' }, {
  enabled: bool('Whether this check is applied.'),
});

export const SkipIfConnectivityBroken = defineStruct('SkipIfConnectivityBroken', { doc: 'Skip fencing when many hosts lost connectivity at once.' }, {
  enabled: bool('Whether this check is applied.'),
  threshold: int('Percentage of hosts that must be disconnected.'),
});

export const Ksm = defineStruct('Ksm', { doc: 'Kernel same-page merging settings.' }, {
  enabled: bool('Whether KSM is enabled.'),
  merge_across_nodes: bool('Whether pages are merged across NUMA nodes.'),
});

export const MigrationOptions = defineStruct('MigrationOptions', { doc: 'Live migration settings.', element: 'migration', plural: 'migration_optionss' }, {
  auto_converge: enumOf(InheritableBoolean, 'Whether to slow the guest so migration can converge.'),
  bandwidth: struct(() => MigrationBandwidth, 'Bandwidth limits for migrations.'),
  compressed: enumOf(InheritableBoolean, 'Whether migration data is compressed.'),
  custom_parallel_migrations: int('Number of parallel connections when the policy is custom.'),
  encrypted: enumOf(InheritableBoolean, 'Whether migration traffic is encrypted.'),
  parallel_migrations_policy: enumOf(ParallelMigrationsPolicy, 'How many parallel connections a migration uses.'),
  policy: link(() => MigrationPolicy, 'Migration policy used.'),
});

export const MigrationBandwidth = defineStruct('MigrationBandwidth', { doc: 'How bandwidth for migrations is chosen.' }, {
  assignment_method: enumOf(MigrationBandwidthAssignmentMethod, 'How the bandwidth limit is determined.'),
  custom_value: int('Bandwidth in Mbps when the method is custom.'),
});

export const MemoryPolicy = defineStruct('MemoryPolicy', { doc: 'Memory management settings.', plural: 'memory_policies' }, {
  ballooning: bool('Whether the memory balloon device is enabled.'),
  guaranteed: int('Memory always reserved, in bytes.', { range: GUARANTEED_MEMORY }),
  max: int('Maximum memory, in bytes.', { range: MEMORY }),
  over_commit: struct(() => MemoryOverCommit, 'Memory overcommit settings.'),
  transparent_hugepages: struct(() => TransparentHugePages, 'Transparent huge pages setting.'),
});

export const MemoryOverCommit = defineStruct('MemoryOverCommit', { doc: 'How far memory may be overcommitted.' }, {
  percent: int('Overcommit percentage.'),
});

export const TransparentHugePages = defineStruct('TransparentHugePages', { doc: 'Transparent huge pages setting.', element: 'transparent_hugepages', plural: 'transparent_huge_pagess' }, {
  enabled: bool('Whether transparent huge pages are enabled.'),
});

export const SerialNumber = defineStruct('SerialNumber', { doc: 'How the serial number reported to guests is chosen.' }, {
  policy: enumOf(SerialNumberPolicy, 'How the serial number is chosen.'),
  value: str('Serial number when the policy is custom.'),
});
