// MAC address pools: the ranges a cluster's virtual NICs take their addresses from.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, defineStruct, listOf, str } from '../meta';

export const MacPool = defineEntity('MacPool', { doc: 'A pool of MAC addresses.' }, {
  allow_duplicates: bool('Whether one address may be given to several interfaces.'),
  default_pool: bool('Whether clusters that name no pool use this one.'),
  ranges: listOf(() => Range, 'The address ranges of the pool.'),
});

export const Range = defineStruct('Range', { doc: 'A range of MAC addresses, both ends included.' }, {
  from: str('First address of the range.'),
  to: str('Last address of the range.'),
});
