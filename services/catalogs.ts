// The guest operating systems and the cluster compatibility levels the engine offers.
import * as S from '../model/services';
import { Obj } from '../model/codec';
import { implement } from './behaviour';
import { fixedCollection, fixedEntity } from './fixed';
import { OPERATING_SYSTEMS } from './facts/operating-systems';
import { CPU_TYPES } from './facts/cpu-types';
import { PERMITS, permitView } from './store/builtin-roles';
import { COMPATIBILITY_VERSION } from './store/seed';

const operatingSystems: readonly Obj[] = OPERATING_SYSTEMS.map((os) => ({
  id: String(os.id), name: os.name, description: os.description, architecture: os.architecture, tpm_support: os.tpm,
}));

export const operatingSystemList = implement(S.OperatingSystems, fixedCollection(() => operatingSystems));
export const operatingSystem = implement(S.OperatingSystemEntity, fixedEntity(S.OperatingSystems, () => operatingSystems));

/**
 * The levels clusters and data centers may have: the one the engine supports. As in oVirt, each
 * offers every permit the engine knows.
 */
const clusterLevels: readonly Obj[] = [`${COMPATIBILITY_VERSION.major}.${COMPATIBILITY_VERSION.minor}`].map((level) => ({
  id: level,
  cpu_types: CPU_TYPES[level].map((c) => ({ ...c })),
  permits: PERMITS.map(permitView),
}));

export const clusterLevelList = implement(S.ClusterLevels, fixedCollection(() => clusterLevels));
export const clusterLevel = implement(S.ClusterLevelEntity, fixedEntity(S.ClusterLevels, () => clusterLevels));
