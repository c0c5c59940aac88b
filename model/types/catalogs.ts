// What the engine knows and clients read to choose values: the guest operating systems and the
// cluster compatibility levels, with their CPU types and permits.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { defineEntity, defineStruct, enumOf, int, link, links, listOf, str } from '../meta';
import { Architecture, TpmSupport } from './enums';
import { ClusterFeature, Icon } from './config';
import { Permit } from './user';

export const OperatingSystemInfo = defineEntity('OperatingSystemInfo', {
  // oVirt's element names, its list's misspelt as the engine writes it.
  element: 'operating_system', plural: 'operation_systems', computed: true,
  doc: 'A guest operating system a virtual machine may declare (`os.type` takes its name).' }, {
  architecture: enumOf(Architecture, 'The CPU architecture the system runs on.', { readOnly: true }),
  large_icon: link(() => Icon, 'Large icon of the system.', { readOnly: true }),
  small_icon: link(() => Icon, 'Small icon of the system.', { readOnly: true }),
  tpm_support: enumOf(TpmSupport, 'Whether virtual machines with the system may, or must, have a TPM device.', { readOnly: true }),
});

export const CpuType = defineStruct('CpuType', { doc: 'A CPU type a cluster of some compatibility level may have.' }, {
  architecture: enumOf(Architecture, 'Architecture of the CPU.', { readOnly: true }),
  level: int('Rank of the CPU type among those of its vendor: higher ones have all the features of lower ones.', { readOnly: true }),
  name: str('Name of the CPU type, as a cluster\'s `cpu.type` gives it.', { readOnly: true }),
});

export const ClusterLevel = defineEntity('ClusterLevel', { computed: true, doc: 'A cluster compatibility level the engine supports (`4.7`), with what it offers.' }, {
  cpu_types: listOf(() => CpuType, 'CPU types clusters of this level may have.', { readOnly: true }),
  permits: listOf(() => Permit, 'Permits roles may have at this level.', { readOnly: true }),
  cluster_features: links(() => ClusterFeature, 'Optional features clusters of this level may enable.', { rel: 'clusterfeatures' }),
});
