// The machine types each cluster level of oVirt's engine offers (its ClusterEmulatedMachines
// option, ovirt-engine's packaging/dbscripts/upgrade/pre_upgrade/0000_config.sql), newest first.

export const EMULATED_MACHINES: Readonly<Record<string, readonly string[]>> = {
  '4.2': ['pc-i440fx-rhel7.3.0', 'pc-i440fx-2.6', 'pseries-rhel7.5.0', 's390-ccw-virtio-2.8'],
  '4.3': ['pc-i440fx-rhel7.6.0', 'pc-i440fx-2.12', 'pseries-rhel7.6.0-sxxm', 's390-ccw-virtio-2.12'],
  '4.4': ['pc-q35-rhel8.1.0', 'pc-q35-4.1', 'pc-i440fx-rhel7.6.0', 'pc-i440fx-2.12', 'pseries-rhel8.1.0', 's390-ccw-virtio-2.12'],
  '4.5': ['pc-q35-rhel8.3.0', 'pc-q35-4.1', 'pc-i440fx-rhel7.6.0', 'pc-i440fx-2.12', 'pseries-rhel8.3.0', 's390-ccw-virtio-2.12'],
  '4.6': ['pc-q35-rhel8.4.0', 'pc-q35-4.1', 'pc-i440fx-rhel7.6.0', 'pc-i440fx-2.12', 'pseries-rhel8.4.0', 's390-ccw-virtio-2.12'],
  '4.7': ['pc-q35-rhel8.6.0', 'pc-q35-4.1', 'pc-i440fx-rhel7.6.0', 'pc-i440fx-2.12', 'pseries-rhel8.4.0', 's390-ccw-virtio-2.12'],
};
