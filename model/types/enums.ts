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
export const VmType = defineEnum('VmType', ['desktop', 'server', 'high_performance']);
export const VnicPassThroughMode = defineEnum('VnicPassThroughMode', ['enabled', 'disabled']);

export const SnapshotStatus = defineEnum('SnapshotStatus', ['in_preview', 'locked', 'ok']);

export const SnapshotType = defineEnum('SnapshotType', ['active', 'preview', 'regular', 'stateless']);

export const NicStatus = defineEnum('NicStatus', ['down', 'up']);
