// Quality of service and the profiles that apply it: a data center's QoS definitions, the CPU
// profiles of clusters (their VMs run with one) and the disk profiles of data storage domains
// (their disks have one). As in oVirt, every cluster and data domain is made with a profile named
// after it, a profile's QoS is one of its data center's and of its kind, and a profile in use stays.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf, Ref, StructType } from '../model/meta';
import { Call, implement } from './behaviour';
import { StoredHooks, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { refTo, resolve } from './refs';
import { Repo } from './store/repo';

type QosObj = ObjOf<typeof T.Qos>;
type QosType = NonNullable<QosObj['type']>;

/** The limits each type of QoS sets (oVirt's StorageQos, CpuQos, NetworkQoS and HostNetworkQos). */
const LIMITS: Readonly<Record<QosType, readonly (keyof QosObj)[]>> = {
  storage: ['max_throughput', 'max_read_throughput', 'max_write_throughput', 'max_iops', 'max_read_iops', 'max_write_iops'],
  cpu: ['cpu_limit'],
  network: ['inbound_average', 'inbound_peak', 'inbound_burst', 'outbound_average', 'outbound_peak', 'outbound_burst'],
  hostnetwork: ['outbound_average_linkshare', 'outbound_average_upperlimit', 'outbound_average_realtime'],
};
const ALL_LIMITS = Object.values(LIMITS).flat();

/** Refuses a limit another type of QoS sets: it would be kept and never applied. */
function checkLimits(qos: QosObj): QosObj {
  const own = LIMITS[qos.type as QosType];
  const foreign = ALL_LIMITS.filter((l) => qos[l] !== undefined && !own.includes(l));
  if (foreign.length) throw badRequest(`A QoS of type ${String(qos.type)} has no ${foreign.join(', ')}`);
  return qos;
}

/** The types whose objects may name a QoS, each losing it when the QoS goes, as oVirt's do. */
const QOS_USERS: readonly StructType[] = [T.CpuProfile, T.DiskProfile, T.VnicProfile, T.Network];

const qosHooks: StoredHooks<typeof T.Qos> = {
  uniqueName: (_call, qos) => ({ data_center: String(qos.data_center?.id) }),
  prepare: (_call, body) => checkLimits(body),
  apply: (_call, current, changes) => checkLimits(mergeInto(T.Qos, current, changes)),
  async removing(call, qos) {
    for (const type of QOS_USERS) {
      for (const user of await call.repo.list(type, { qos: qos.id })) await call.repo.update(type, { ...user, qos: undefined });
    }
  },
};

export const qoss = implement(S.DataCenterQoss, storedCollection(S.DataCenterQoss, qosHooks));
export const qos = implement(S.DataCenterQos, storedEntity(S.DataCenterQoss, S.DataCenterQos, qosHooks));

/** The QoS a profile names: a QoS of `type` of the data center `dcId` (409 otherwise). */
async function profileQos(call: Call, given: Ref | undefined, type: QosType, dcId: string | undefined, profile: string): Promise<Ref | undefined> {
  if (given === undefined) return undefined;
  const found = await resolve(call.repo, T.Qos, given, 'qos');
  if (found.type !== type) throw conflict(`Profile ${profile} takes a ${type} QoS, ${String(found.name)} is a ${String(found.type)} QoS`);
  if (found.data_center?.id !== dcId) throw conflict(`QoS ${String(found.name)} is not of the data center of profile ${profile}`);
  return refTo(found);
}

/** What a kind of profile hangs from and applies: a cluster's CPU QoS, a storage domain's storage QoS. */
interface ProfileKind<P extends StructType> {
  readonly type: P;
  readonly owner: 'cluster' | 'storage_domain';
  readonly ownerType: StructType;
  readonly qos: QosType;
  /** The types whose objects use a profile of this kind (409 when one is removed). */
  readonly users: readonly StructType[];
}

const CPU: ProfileKind<typeof T.CpuProfile> = { type: T.CpuProfile, owner: 'cluster', ownerType: T.Cluster, qos: 'cpu', users: [T.Vm, T.Template] };
const DISK: ProfileKind<typeof T.DiskProfile> = { type: T.DiskProfile, owner: 'storage_domain', ownerType: T.StorageDomain, qos: 'storage', users: [T.Disk] };

type ProfileObj = ObjOf<typeof T.CpuProfile> & ObjOf<typeof T.DiskProfile>;

function profileHooks(kind: ProfileKind<StructType>): StoredHooks<StructType> {
  const ownerOf = async (call: Call, ref: unknown) => resolve(call.repo, kind.ownerType, ref, kind.owner);
  return {
    uniqueName: (_call, p) => ({ [kind.owner]: String((p as ProfileObj)[kind.owner]?.id) }),
    async prepare(call, body) {
      const profile = body as ProfileObj;
      // A sub-collection's owner is the URL's; the root collection's, the body's.
      const owner = await ownerOf(call, call.scope.length ? { id: call.scope[0] } : profile[kind.owner]);
      const dc = (owner.data_center as Ref | undefined)?.id;
      return {
        name: profile.name, description: profile.description, [kind.owner]: refTo(owner),
        qos: await profileQos(call, profile.qos, kind.qos, dc, String(profile.name)),
      };
    },
    async apply(call, current, changes) {
      const next = mergeInto(kind.type, current, changes) as ProfileObj;
      if ((changes as ProfileObj).qos === undefined) return next;
      const owner = await ownerOf(call, next[kind.owner]);
      return { ...next, qos: await profileQos(call, next.qos, kind.qos, (owner.data_center as Ref | undefined)?.id, String(next.name)) };
    },
    async removing(call, profile) {
      const link = kind.type.element;
      for (const type of kind.users) {
        if ((await call.repo.count(type, { [link]: profile.id })) > 0) {
          throw conflict(`Cannot remove ${kind.type.name} ${String(profile.name)}: ${type.plural.replace(/_/g, ' ')} use it`);
        }
      }
    },
  };
}

const cpuHooks = profileHooks(CPU);
const diskHooks = profileHooks(DISK);

export const cpuProfiles = implement(S.CpuProfiles, storedCollection(S.CpuProfiles, cpuHooks));
export const cpuProfile = implement(S.CpuProfileEntity, storedEntity(S.CpuProfiles, S.CpuProfileEntity, cpuHooks));
export const clusterCpuProfiles = implement(S.ClusterCpuProfiles, storedCollection(S.ClusterCpuProfiles, cpuHooks));
export const clusterCpuProfile = implement(S.ClusterCpuProfile, storedEntity(S.ClusterCpuProfiles, S.ClusterCpuProfile, cpuHooks));
export const diskProfiles = implement(S.DiskProfiles, storedCollection(S.DiskProfiles, diskHooks));
export const diskProfile = implement(S.DiskProfileEntity, storedEntity(S.DiskProfiles, S.DiskProfileEntity, diskHooks));
export const storageDomainDiskProfiles = implement(S.StorageDomainDiskProfiles, storedCollection(S.StorageDomainDiskProfiles, diskHooks));
export const storageDomainDiskProfile = implement(
  S.StorageDomainDiskProfile, storedEntity(S.StorageDomainDiskProfiles, S.StorageDomainDiskProfile, diskHooks),
);

/** Makes the profile a new cluster or data domain has, named after it, as oVirt does. */
async function addDefaultProfile(repo: Repo, kind: ProfileKind<StructType>, owner: { id: string; name?: string }): Promise<void> {
  await repo.insert(kind.type, { id: randomUUID(), name: owner.name, [kind.owner]: { id: owner.id } });
}

export const addDefaultCpuProfile = (repo: Repo, cluster: { id: string; name?: string }) => addDefaultProfile(repo, CPU, cluster);
export const addDefaultDiskProfile = (repo: Repo, sd: { id: string; name?: string }) => addDefaultProfile(repo, DISK, sd);

/**
 * The profile an object of `owner` takes: the one given, which must be of `owner` (409 otherwise),
 * else the owner's profile named after it, else its first.
 */
async function profileFor(call: Call, kind: ProfileKind<StructType>, owner: { id: string; name?: string }, given: Ref | undefined): Promise<Ref | undefined> {
  if (given !== undefined) {
    const found = await resolve(call.repo, kind.type, given, kind.type.element) as ProfileObj;
    if (found[kind.owner]?.id !== owner.id) {
      throw conflict(`${kind.type.name} ${String(found.name)} is not of ${kind.ownerType.name} ${String(owner.name)}`);
    }
    return refTo(found);
  }
  const all = await call.repo.list(kind.type, { [kind.owner]: owner.id });
  const chosen = all.find((p) => p.name === owner.name) ?? all[0];
  return chosen && refTo(chosen);
}

export const cpuProfileFor = (call: Call, cluster: { id: string; name?: string }, given: Ref | undefined) => profileFor(call, CPU, cluster, given);
export const diskProfileFor = (call: Call, sd: { id: string; name?: string }, given: Ref | undefined) => profileFor(call, DISK, sd, given);
