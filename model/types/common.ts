// Small value types shared by many areas.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { dec, defineEntity, defineStruct, enumOf, int, link, listOf, str, struct } from '../meta';
import { HostNic } from './host';
import { Disk } from './disk';
import { StatisticKind, StatisticUnit, ValueType } from './enums';
import { Host } from './host';
import { Step } from './job';
import {
  GlusterBrick,
  GlusterVolume,
} from './misc';
import { NumaNode } from './host-details';
import { Nic } from './network';
import { Vm } from './vm';

export const Version = defineEntity('Version', { doc: 'A version number split into major, minor, build and revision.' }, {
  build: int('Build number.'),
  full_version: str('The whole version string.'),
  major: int('Major number.'),
  minor: int('Minor number.'),
  revision: int('Revision number.'),
});

export const ProductInfo = defineStruct('ProductInfo', { doc: 'Name, vendor and version of the product serving the API.' }, {
  instance_id: str('Identifier of this installation.', { readOnly: true }),
  name: str('Product name.', { readOnly: true }),
  vendor: str('Vendor.', { readOnly: true }),
  version: struct(() => Version, 'Product version.', { readOnly: true }),
});

export const Fault = defineStruct('Fault', { doc: 'The error returned when a request fails.' }, {
  detail: str('Detailed explanation of the error.'),
  reason: str('Short summary of the error.'),
});

export const Property = defineStruct('Property', { doc: 'A generic name and value pair.', plural: 'properties' }, {
  name: str('Property name.'),
  value: str('Property value.'),
});

export const CustomProperty = defineStruct('CustomProperty', { doc: 'A user-defined property and the pattern its value must match.', plural: 'custom_properties' }, {
  name: str('Property name.'),
  regexp: str('Pattern the value must match.'),
  value: str('Property value.'),
});

export const Option = defineStruct('Option', { doc: 'A named option with a type and value.' }, {
  name: str('Option name.'),
  type: str('Type of the option value.'),
  value: str('Option value.'),
});

export const Statistic = defineEntity('Statistic', { computed: true, doc: 'A measured value reported for an object.' }, {
  kind: enumOf(StatisticKind, 'Whether the value is a gauge or a counter.', { readOnly: true }),
  type: enumOf(ValueType, 'Type of the values.', { readOnly: true }),
  unit: enumOf(StatisticUnit, 'Unit of the values.', { readOnly: true }),
  values: listOf(() => Value, 'Sampled values.', { readOnly: true }),
  brick: link(() => GlusterBrick, 'Gluster brick the statistic belongs to.'),
  disk: link(() => Disk, 'Disk the statistic belongs to.'),
  gluster_volume: link(() => GlusterVolume, 'Gluster volume the statistic belongs to.'),
  host: link(() => Host, 'Host the statistic belongs to.'),
  host_nic: link(() => HostNic, 'Host NIC the statistic belongs to.'),
  host_numa_node: link(() => NumaNode, 'Host NUMA node the statistic belongs to.'),
  nic: link(() => Nic, 'NIC the statistic belongs to.'),
  step: link(() => Step, 'Step the statistic belongs to.'),
  vm: link(() => Vm, 'Virtual machine the statistic belongs to.'),
});

export const Value = defineStruct('Value', { doc: 'One sample of a statistic.' }, {
  datum: dec('Numeric value of the sample.'),
  detail: str('Text value of the sample.'),
});
