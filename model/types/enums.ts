// Enumerated types; wire values are oVirt's constant names in lower case.

import { defineEnum } from '../meta';

export const Architecture = defineEnum('Architecture', [
  'undefined',
  'x86_64',
  'ppc64',
  's390x',
  'aarch64',
  'loongarch64',
]);
export const AutoNumaStatus = defineEnum('AutoNumaStatus', ['disable', 'enable', 'unknown']);
export const AutoPinningPolicy = defineEnum('AutoPinningPolicy', ['disabled', 'existing', 'adjust']);
export const BiosType = defineEnum('BiosType', [
  'cluster_default',
  'i440fx_sea_bios',
  'q35_sea_bios',
  'q35_ovmf',
  'q35_secure_boot',
]);
export const BootDevice = defineEnum('BootDevice', ['cdrom', 'hd', 'network']);
export const BootProtocol = defineEnum('BootProtocol', [
  'autoconf',
  'dhcp',
  'poly_dhcp_autoconf',
  'static',
  'none',
]);
export const CloudInitNetworkProtocol = defineEnum('CloudInitNetworkProtocol', ['eni', 'openstack_metadata']);
export const ClusterUpgradeAction = defineEnum('ClusterUpgradeAction', [
  'start',
  'update_progress',
  'finish',
]);
export const ConfigurationType = defineEnum('ConfigurationType', ['ovf', 'ova']);
export const CpuMode = defineEnum('CpuMode', ['custom', 'host_model', 'host_passthrough']);
export const CpuPinningPolicy = defineEnum('CpuPinningPolicy', [
  'none',
  'manual',
  'resize_and_pin_numa',
  'dedicated',
  'isolate_threads',
]);
export const DataCenterStatus = defineEnum('DataCenterStatus', [
  'uninitialized',
  'up',
  'maintenance',
  'not_operational',
  'problematic',
  'contend',
]);
export const BackupPhase = defineEnum('BackupPhase', ['initializing', 'starting', 'ready', 'finalizing', 'succeeded', 'failed']);
export const CheckpointState = defineEnum('CheckpointState', ['created', 'invalid']);
export const DiskBackup = defineEnum('DiskBackup', ['none', 'incremental']);
export const DiskBackupMode = defineEnum('DiskBackupMode', ['full', 'incremental']);
export const DiskContentType = defineEnum('DiskContentType', [
  'data',
  'ovf_store',
  'memory_dump_volume',
  'memory_metadata_volume',
  'iso',
  'hosted_engine',
  'hosted_engine_sanlock',
  'hosted_engine_metadata',
  'hosted_engine_configuration',
  'backup_scratch',
]);
export const DiskFormat = defineEnum('DiskFormat', ['cow', 'raw']);
export const DiskInterface = defineEnum('DiskInterface', [
  'ide',
  'virtio_scsi',
  'virtio',
  'spapr_vscsi',
  'sata',
]);
export const DiskStatus = defineEnum('DiskStatus', ['illegal', 'locked', 'ok']);
export const DiskStorageType = defineEnum('DiskStorageType', [
  'image',
  'lun',
  'cinder',
  'managed_block_storage',
]);
export const DisplayType = defineEnum('DisplayType', ['vnc', 'spice']);
export const ExternalStatus = defineEnum('ExternalStatus', ['error', 'failure', 'info', 'ok', 'warning']);
export const ExternalSystemType = defineEnum('ExternalSystemType', ['vdsm', 'gluster']);
export const ExternalVmProviderType = defineEnum('ExternalVmProviderType', ['vmware', 'xen', 'kvm']);
export const FipsMode = defineEnum('FipsMode', ['undefined', 'disabled', 'enabled']);
export const FirewallType = defineEnum('FirewallType', ['iptables', 'firewalld']);
export const HostProtocol = defineEnum('HostProtocol', ['xml', 'stomp']);
export const HostStatus = defineEnum('HostStatus', [
  'down',
  'error',
  'initializing',
  'installing',
  'install_failed',
  'maintenance',
  'non_operational',
  'non_responsive',
  'pending_approval',
  'preparing_for_maintenance',
  'connecting',
  'reboot',
  'unassigned',
  'up',
  'installing_os',
  'kdumping',
]);
export const HostType = defineEnum('HostType', ['rhel', 'rhev_h', 'ovirt_node']);
export const ImageFileType = defineEnum('ImageFileType', ['iso', 'floppy', 'disk']);
export const ImageTransferDirection = defineEnum('ImageTransferDirection', ['upload', 'download']);
export const ImageTransferPhase = defineEnum('ImageTransferPhase', [
  'unknown',
  'initializing',
  'transferring',
  'resuming',
  'paused_system',
  'paused_user',
  'cancelled',
  'finalizing_success',
  'finalizing_failure',
  'finished_success',
  'finished_failure',
  'cancelled_system',
  'cancelled_user',
  'finalizing_cleanup',
  'finished_cleanup',
]);
export const ImageTransferTimeoutPolicy = defineEnum('ImageTransferTimeoutPolicy', [
  'legacy',
  'pause',
  'cancel',
]);
export const InheritableBoolean = defineEnum('InheritableBoolean', ['true', 'false', 'inherit']);
export const IpVersion = defineEnum('IpVersion', ['v4', 'v6']);
export const JobStatus = defineEnum('JobStatus', ['aborted', 'failed', 'finished', 'started', 'unknown']);
export const KdumpStatus = defineEnum('KdumpStatus', ['unknown', 'disabled', 'enabled']);
export const LogMaxMemoryUsedThresholdType = defineEnum('LogMaxMemoryUsedThresholdType', [
  'percentage',
  'absolute_value_in_mb',
]);
export const LogSeverity = defineEnum('LogSeverity', ['normal', 'warning', 'error', 'alert']);
export const LunStatus = defineEnum('LunStatus', ['free', 'used', 'unusable']);
export const MigrateOnError = defineEnum('MigrateOnError', [
  'migrate',
  'do_not_migrate',
  'migrate_highly_available',
]);
export const MigrationBandwidthAssignmentMethod = defineEnum('MigrationBandwidthAssignmentMethod', [
  'auto',
  'custom',
  'hypervisor_default',
]);
export const NetworkStatus = defineEnum('NetworkStatus', ['operational', 'non_operational']);
export const NetworkUsage = defineEnum('NetworkUsage', [
  'default_route',
  'display',
  'gluster',
  'management',
  'migration',
  'vm',
]);
export const NfsVersion = defineEnum('NfsVersion', ['auto', 'v3', 'v4', 'v4_0', 'v4_1', 'v4_2']);
export const NicInterface = defineEnum('NicInterface', [
  'e1000',
  'e1000e',
  'virtio',
  'rtl8139',
  'rtl8139_virtio',
  'spapr_vlan',
  'pci_passthrough',
]);
// The events a user may subscribe to be told of (oVirt's NotifiableEvent).
export const NotifiableEvent = defineEnum('NotifiableEvent', [
  'engine_stop',
  'engine_backup_started',
  'engine_backup_completed',
  'engine_backup_failed',
  'engine_ca_certification_is_about_to_expire',
  'engine_ca_certification_has_expired',
  'engine_certification_is_about_to_expire',
  'engine_certification_has_expired',
  'cluster_alert_ha_reservation',
  'network_update_display_for_cluster_with_active_vm',
  'cluster_alert_ha_reservation_down',
  'host_failure',
  'host_updates_are_available',
  'host_updates_are_available_with_packages',
  'user_host_maintenance',
  'user_host_maintenance_manual_ha',
  'user_host_maintenance_migration_failed',
  'host_activate_manual_ha',
  'host_activate_failed',
  'host_recover_failed',
  'host_approve_failed',
  'host_install_failed',
  'host_time_drift_alert',
  'host_set_nonoperational',
  'host_set_nonoperational_iface_down',
  'host_low_mem',
  'host_high_mem_use',
  'host_interface_high_network_use',
  'host_high_cpu_use',
  'host_high_swap_use',
  'host_low_swap',
  'host_interface_state_down',
  'host_bond_slave_state_down',
  'network_update_display_for_host_with_active_vm',
  'host_certification_is_about_to_expire',
  'host_certification_has_expired',
  'host_certificate_has_invalid_san',
  'host_set_nonoperational_domain',
  'system_change_storage_pool_status_no_host_for_spm',
  'system_deactivated_storage_domain',
  'vm_failure',
  'vm_migration_start',
  'vm_migration_failed',
  'vm_migration_to_server_failed',
  'vm_not_responding',
  'vm_status_restored',
  'ha_vm_restart_failed',
  'ha_vm_failed',
  'vm_console_connected',
  'vm_console_disconnected',
  'vm_set_ticket',
  'vm_down_error',
  'host_initiated_run_vm_failed',
  'vm_paused',
  'vm_paused_eio',
  'vm_paused_enospc',
  'vm_paused_eperm',
  'vm_paused_error',
  'vm_recovered_from_pause_error',
  'mac_address_is_external',
  'host_slow_storage_response_time',
  'irs_failure',
  'irs_disk_space_low',
  'irs_confirmed_disk_space_low',
  'irs_disk_space_low_error',
  'number_of_lvs_on_storage_domain_exceeded_threshold',
  'gluster_volume_create',
  'gluster_volume_create_failed',
  'gluster_volume_option_added',
  'gluster_volume_option_modified',
  'gluster_volume_option_set_failed',
  'gluster_volume_start',
  'gluster_volume_start_failed',
  'gluster_volume_stop',
  'gluster_volume_stop_failed',
  'gluster_volume_options_reset',
  'gluster_volume_options_reset_all',
  'gluster_volume_options_reset_failed',
  'gluster_volume_delete',
  'gluster_volume_delete_failed',
  'gluster_volume_add_brick',
  'gluster_volume_add_brick_failed',
  'gluster_volume_remove_bricks',
  'gluster_volume_remove_bricks_failed',
  'start_removing_gluster_volume_bricks',
  'start_removing_gluster_volume_bricks_failed',
  'gluster_volume_remove_bricks_stop',
  'gluster_volume_remove_bricks_stop_failed',
  'gluster_volume_rebalance_start',
  'gluster_volume_rebalance_start_failed',
  'gluster_volume_rebalance_stop',
  'gluster_volume_rebalance_stop_failed',
  'gluster_volume_replace_brick_failed',
  'gluster_volume_replace_brick_start',
  'gluster_volume_replace_brick_start_failed',
  'gluster_volume_brick_replaced',
  'gluster_volume_rebalance_start_detected_from_cli',
  'start_removing_gluster_volume_bricks_detected_from_cli',
  'gluster_volume_rebalance_not_found_from_cli',
  'remove_gluster_volume_bricks_not_found_from_cli',
  'gluster_volume_snapshot_created',
  'gluster_volume_snapshot_create_failed',
  'gluster_server_add_failed',
  'gluster_server_remove',
  'gluster_server_remove_failed',
  'gluster_volume_profile_start',
  'gluster_volume_profile_start_failed',
  'gluster_volume_profile_stop',
  'gluster_volume_profile_stop_failed',
  'gluster_hook_enable',
  'gluster_hook_enable_failed',
  'gluster_hook_disable',
  'gluster_hook_disable_failed',
  'gluster_hook_detected_new',
  'gluster_hook_conflict_detected',
  'gluster_hook_detected_delete',
  'gluster_hook_added',
  'gluster_hook_add_failed',
  'gluster_hook_removed',
  'gluster_hook_remove_failed',
  'gluster_service_started',
  'gluster_service_start_failed',
  'gluster_service_stopped',
  'gluster_service_stop_failed',
  'gluster_service_restarted',
  'gluster_service_restart_failed',
  'gluster_brick_status_changed',
  'gluster_volume_snapshot_deleted',
  'gluster_volume_snapshot_delete_failed',
  'gluster_volume_all_snapshots_deleted',
  'gluster_volume_all_snapshots_delete_failed',
  'gluster_volume_snapshot_activated',
  'gluster_volume_snapshot_activate_failed',
  'gluster_volume_snapshot_deactivated',
  'gluster_volume_snapshot_deactivate_failed',
  'gluster_volume_snapshot_restored',
  'gluster_volume_snapshot_restore_failed',
  'gluster_volume_confirmed_space_low',
  'dwh_stopped',
  'dwh_error',
  'gluster_volume_rebalance_finished',
  'gluster_volume_migrate_brick_data_finished',
  'host_untrusted',
  'user_update_vm_from_trusted_to_untrusted',
  'user_update_vm_from_untrusted_to_trusted',
  'importexport_import_vm_from_trusted_to_untrusted',
  'importexport_import_vm_from_untrusted_to_trusted',
  'user_add_vm_from_trusted_to_untrusted',
  'user_add_vm_from_untrusted_to_trusted',
  'importexport_import_template_from_trusted_to_untrusted',
  'importexport_import_template_from_untrusted_to_trusted',
  'user_add_vm_template_from_trusted_to_untrusted',
  'user_add_vm_template_from_untrusted_to_trusted',
  'user_update_vm_template_from_trusted_to_untrusted',
  'user_update_vm_template_from_untrusted_to_trusted',
  'faulty_multipaths_on_host',
  'no_faulty_multipaths_on_host',
  'multipath_devices_without_valid_paths_on_host',
]);
export const NotificationMethod = defineEnum('NotificationMethod', ['smtp', 'snmp']);
export const NumaTuneMode = defineEnum('NumaTuneMode', ['strict', 'interleave', 'preferred']);
export const ParallelMigrationsPolicy = defineEnum('ParallelMigrationsPolicy', [
  'inherit',
  'auto',
  'auto_parallel',
  'disabled',
  'custom',
]);
export const PmProxyType = defineEnum('PmProxyType', ['cluster', 'dc', 'other_dc']);
export const PolicyUnitType = defineEnum('PolicyUnitType', ['filter', 'weight', 'load_balancing']);
export const PowerManagementStatus = defineEnum('PowerManagementStatus', ['on', 'off', 'unknown']);
export const QcowVersion = defineEnum('QcowVersion', ['qcow2_v2', 'qcow2_v3']);
export const QuotaModeType = defineEnum('QuotaModeType', ['enabled', 'disabled', 'audit']);
export const RngSource = defineEnum('RngSource', ['random', 'urandom', 'hwrng']);
export const ScsiGenericIO = defineEnum('ScsiGenericIO', ['filtered', 'unfiltered', 'disabled']);
export const SeLinuxMode = defineEnum('SeLinuxMode', ['enforcing', 'permissive', 'disabled']);
export const SerialNumberPolicy = defineEnum('SerialNumberPolicy', ['host', 'vm', 'custom', 'none']);
export const SpmStatus = defineEnum('SpmStatus', ['none', 'contending', 'spm']);
export const SsoMethod = defineEnum('SsoMethod', ['guest_agent']);
export const StatisticKind = defineEnum('StatisticKind', ['counter', 'gauge']);
export const StatisticUnit = defineEnum('StatisticUnit', [
  'bits_per_second',
  'bytes',
  'bytes_per_second',
  'count_per_second',
  'none',
  'percent',
  'seconds',
]);
export const StepEnum = defineEnum('StepEnum', [
  'validating',
  'executing',
  'finalizing',
  'rebalancing_volume',
  'removing_bricks',
  'unknown',
]);
export const StepStatus = defineEnum('StepStatus', ['aborted', 'failed', 'finished', 'started', 'unknown']);
export const StorageDomainStatus = defineEnum('StorageDomainStatus', [
  'active',
  'inactive',
  'locked',
  'mixed',
  'unattached',
  'maintenance',
  'preparing_for_maintenance',
  'detaching',
  'activating',
  'unknown',
]);
export const StorageDomainType = defineEnum('StorageDomainType', [
  'data',
  'iso',
  'export',
  'image',
  'volume',
  'managed_block_storage',
]);
export const QosType = defineEnum('QosType', ['storage', 'cpu', 'network', 'hostnetwork']);
export const StorageFormat = defineEnum('StorageFormat', ['v1', 'v2', 'v3', 'v4', 'v5']);
export const StorageType = defineEnum('StorageType', [
  'iscsi',
  'fcp',
  'nfs',
  'localfs',
  'posixfs',
  'glusterfs',
  'glance',
  'cinder',
  'managed_block_storage',
]);
export const SwitchType = defineEnum('SwitchType', ['legacy', 'ovs']);
export const TemplateStatus = defineEnum('TemplateStatus', ['illegal', 'locked', 'ok']);
export const TpmSupport = defineEnum('TpmSupport', ['unsupported', 'supported', 'required']);
export const UsbType = defineEnum('UsbType', ['legacy', 'native']);
export const ValueType = defineEnum('ValueType', ['decimal', 'integer', 'string']);
export const VgpuPlacement = defineEnum('VgpuPlacement', ['consolidated', 'separated']);
export const VideoType = defineEnum('VideoType', ['bochs', 'cirrus', 'vga', 'qxl']);
export const VmAffinity = defineEnum('VmAffinity', ['migratable', 'user_migratable', 'pinned']);
export const VmDeviceType = defineEnum('VmDeviceType', ['floppy', 'cdrom']);
export const VmStatus = defineEnum('VmStatus', [
  'unassigned',
  'down',
  'up',
  'powering_up',
  'paused',
  'migrating',
  'unknown',
  'not_responding',
  'wait_for_launch',
  'reboot_in_progress',
  'saving_state',
  'restoring_state',
  'suspended',
  'image_locked',
  'powering_down',
]);
export const VmStorageErrorResumeBehaviour = defineEnum('VmStorageErrorResumeBehaviour', [
  'leave_paused',
  'auto_resume',
  'kill',
]);
export const VmPoolType = defineEnum('VmPoolType', ['automatic', 'manual']);
export const VmType = defineEnum('VmType', ['desktop', 'server', 'high_performance']);
export const VnicPassThroughMode = defineEnum('VnicPassThroughMode', ['enabled', 'disabled']);

export const SnapshotStatus = defineEnum('SnapshotStatus', ['in_preview', 'locked', 'ok']);

export const SnapshotType = defineEnum('SnapshotType', ['active', 'preview', 'regular', 'stateless']);

export const NicStatus = defineEnum('NicStatus', ['down', 'up']);
export const GraphicsType = defineEnum('GraphicsType', ['spice', 'vnc']);
export const WatchdogModel = defineEnum('WatchdogModel', ['diag288', 'i6300esb']);
export const WatchdogAction = defineEnum('WatchdogAction', ['dump', 'none', 'pause', 'poweroff', 'reset']);
export const ReportedDeviceType = defineEnum('ReportedDeviceType', ['network']);
