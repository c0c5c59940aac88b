// The guest operating systems and the cluster compatibility levels the engine offers.
import * as S from '../model/services';
import { Obj } from '../model/codec';
import { implement } from './behaviour';
import { fixedCollection, fixedEntity } from './fixed';
import { OPERATING_SYSTEMS } from './facts/operating-systems';
import { CPU_TYPES } from './facts/cpu-types';
import { PERMITS, permitView } from './store/builtin-roles';
import { familyOf, iconId } from './icons';

const operatingSystems: readonly Obj[] = OPERATING_SYSTEMS.map((os) => ({
  id: String(os.id), name: os.name, description: os.description, architecture: os.architecture, tpm_support: os.tpm,
  large_icon: { id: iconId(familyOf(os.name), 'large') }, small_icon: { id: iconId(familyOf(os.name), 'small') },
}));

export const operatingSystemList = implement(S.OperatingSystems, fixedCollection(() => operatingSystems));
export const operatingSystem = implement(S.OperatingSystemEntity, fixedEntity(S.OperatingSystems, () => operatingSystems));

/**
 * The compatibility levels oVirt's engine 4.5 supports (clients name them: Ansible's ovirt_role
 * reads the permits of 4.3), each with its CPU types; as in oVirt, each offers every permit.
 */
const clusterLevels: readonly Obj[] = Object.entries(CPU_TYPES).map(([level, cpus]) => ({
  id: level,
  cpu_types: cpus.map((c) => ({ ...c })),
  permits: PERMITS.map(permitView),
}));

export const clusterLevelList = implement(S.ClusterLevels, fixedCollection(() => clusterLevels));
export const clusterLevel = implement(S.ClusterLevelEntity, fixedEntity(S.ClusterLevels, () => clusterLevels));
