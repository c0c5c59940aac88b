// Devices of virtual machines, templates and instance types (graphical consoles, watchdogs,
// mediated and host devices, virtual NUMA nodes) and what a guest agent reports.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, defineStruct, enumOf, int, link, links, listOf, str, struct } from '../meta';
import { Property } from './common';
import { GraphicsType, NumaTuneMode, ReportedDeviceType, WatchdogAction, WatchdogModel } from './enums';
import { Host } from './host';
import { Ip, Mac } from './network';
import { InstanceType, Template } from './template';
import { User } from './user';
import { Cpu, Vm } from './vm';

/** What every device has: the template or instance type, or the VM, it belongs to (oVirt's `Device`). */
const deviceOwners = {
  instance_type: link(() => InstanceType, 'Instance type the device belongs to.'),
  template: link(() => Template, 'Template the device belongs to.'),
  vm: link(() => Vm, 'Virtual machine the device belongs to.'),
  vms: links(() => Vm, 'Virtual machines using the device.'),
};

export const GraphicsConsole = defineEntity('GraphicsConsole', { inherits: 'vm', doc: 'A graphical console of a virtual machine, template or instance type.' }, {
  address: str('Address clients connect to, while the virtual machine runs.', { readOnly: true }),
  port: int('Plain port of the console, while the virtual machine runs.', { readOnly: true }),
  protocol: enumOf(GraphicsType, 'Console protocol.'),
  tls_port: int('TLS port of the console, while the virtual machine runs.', { readOnly: true }),
  instance_type: link(() => InstanceType, 'Instance type the console belongs to.'),
  template: link(() => Template, 'Template the console belongs to.'),
  vm: link(() => Vm, 'Virtual machine the console belongs to.'),
});

export const Watchdog = defineEntity('Watchdog', { inherits: 'vm', doc: 'A watchdog device: what happens when the guest stops feeding it.' }, {
  action: enumOf(WatchdogAction, 'What the hypervisor does when the watchdog fires.'),
  model: enumOf(WatchdogModel, 'Model of the watchdog device.'),
  ...deviceOwners,
});

export const VmMediatedDevice = defineEntity('VmMediatedDevice', { inherits: 'vm', doc: 'A mediated device (a vGPU) assigned to a virtual machine.' }, {
  spec_params: listOf(() => Property, 'Properties of the mediated device (`mdevType`, `nodisplay`, ...).'),
  ...deviceOwners,
});

export const Product = defineStruct('Product', { doc: 'Product of a host device.' }, {
  name: str('Product name.'),
});

export const Vendor = defineStruct('Vendor', { doc: 'Vendor of a host device.' }, {
  name: str('Vendor name.'),
});

export const MDevType = defineStruct('MDevType', { doc: 'A type of mediated device a host device offers.', element: 'm_dev_type' }, {
  available_instances: int('How many more instances can be made.'),
  description: str('Description of the type.'),
  human_readable_name: str('Readable name of the type.'),
  name: str('Name of the type.'),
});

export const HostDevice = defineEntity('HostDevice', { inherits: 'vm', doc: 'A device of a host that can be passed to a virtual machine.' }, {
  capability: str('Kind of device (`pci`, `usb_device`, `scsi`, ...).', { readOnly: true }),
  driver: str('Kernel driver of the device.', { readOnly: true }),
  iommu_group: int('IOMMU group of the device.', { readOnly: true }),
  m_dev_types: listOf(() => MDevType, 'Mediated device types the device offers.', { readOnly: true }),
  placeholder: bool('Whether the device is only a placeholder, not on the host.', { readOnly: true }),
  product: struct(() => Product, 'Product of the device.', { readOnly: true }),
  vendor: struct(() => Vendor, 'Vendor of the device.', { readOnly: true }),
  virtual_functions: int('Number of virtual functions.', { readOnly: true }),
  host: link(() => Host, 'Host the device is on.'),
  parent_device: link(() => HostDevice, 'Parent device in the host\'s device tree.'),
  vm: link(() => Vm, 'Virtual machine the device is passed to.'),
});

export const ReportedDevice = defineEntity('ReportedDevice', { computed: true, inherits: 'vm', doc: 'A device reported by the guest agent.' }, {
  ips: listOf(() => Ip, 'Addresses of the device.'),
  mac: struct(() => Mac, 'MAC address of the device.'),
  type: enumOf(ReportedDeviceType, 'Kind of device.'),
  vm: link(() => Vm, 'Virtual machine the device is in.'),
});

export const Application = defineEntity('Application', { computed: true, inherits: 'vm', doc: 'An application the guest agent reports installed.' }, {
  vm: link(() => Vm, 'Virtual machine the application is installed in.'),
});

export const Session = defineEntity('Session', { computed: true, inherits: 'vm', doc: 'A user session in a virtual machine.' }, {
  console_user: bool('Whether the user is logged in on the console.'),
  ip: struct(() => Ip, 'Address the user connected from.'),
  protocol: str('Protocol of the session.'),
  user: link(() => User, 'The user.'),
  vm: link(() => Vm, 'Virtual machine of the session.'),
});

export const NumaNodePin = defineStruct('NumaNodePin', { doc: 'The host NUMA node a virtual NUMA node is pinned to.' }, {
  index: int('Index of the host NUMA node.'),
});

export const VirtualNumaNode = defineEntity('VirtualNumaNode', { inherits: 'vm', doc: 'A NUMA node of a virtual machine: its CPUs and memory.', element: 'vm_numa_node' }, {
  cpu: struct(() => Cpu, 'The virtual CPUs (`cores`) of the node.'),
  index: int('Index of the node in the virtual machine.', { range: { min: 0, max: 127 } }),
  memory: int('Memory of the node, in MiB.', { range: { min: 1, max: 2 ** 32 } }),
  node_distance: str('Distances to the other nodes.', { readOnly: true }),
  numa_node_pins: listOf(() => NumaNodePin, 'Host NUMA nodes the node is pinned to.'),
  numa_tune_mode: enumOf(NumaTuneMode, 'How the node\'s memory is allocated on the host.'),
  host: link(() => Host, 'Host of the pinned nodes.'),
  vm: link(() => Vm, 'Virtual machine the node belongs to.'),
});
