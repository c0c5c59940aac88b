// Quotas of data centers and their limits, and what VMs and disks consume of them. A VM or disk
// is charged to the quota it names, else to its data center's Default quota. Usage is read
// from the VMs and disks whenever it is needed, so it never drifts: running VMs use vCPUs and
// memory in their cluster, disks their provisioned size on their storage domain. The data
// center's `quota_mode` says what a consumption past a limit and its grace does: `enabled`
// refuses it (409 naming the quota), `audit` records a warning event, `disabled` nothing.
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf, Ref, StructType } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, CollectionBehaviour, implement } from './behaviour';
import { StoredCollection, StoredHooks, load, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { refTo, resolve } from './refs';
import { EventCode, recordEvent } from './events';
import { StoredQuota, defaultQuotaOf } from './store/default-quota';
import { RUNNING } from './vm-states';

type QuotaObj = ObjOf<typeof T.Quota>;
type ClusterLimitObj = ObjOf<typeof T.QuotaClusterLimit>;
type StorageLimitObj = ObjOf<typeof T.QuotaStorageLimit>;
type VmObj = ObjOf<typeof T.Vm>;
type DiskObj = ObjOf<typeof T.Disk>;

const GIB = 2 ** 30;
const UNLIMITED = -1;

const held = (q: QuotaObj) => q as StoredQuota;

// --- what is charged to a quota ---------------------------------------------

/** The quota a VM or disk of the data center is charged to: the one it names, else the Default one. */
async function chargedTo(call: Call, named: Ref | undefined, dcId: string): Promise<QuotaObj> {
  const quota = (named?.id !== undefined ? await call.repo.get(T.Quota, String(named.id)) : undefined) ?? await defaultQuotaOf(call.repo, dcId);
  if (!quota) throw conflict(`Data center '${dcId}' has no Default quota`);
  return quota;
}

const chargesTo = (quota: QuotaObj) => (o: { quota?: Ref }) =>
  o.quota?.id !== undefined ? o.quota.id === quota.id : held(quota).default === true;

/**
 * The quota a new VM or disk of the data center names, kept by id: it must be a quota of that
 * data center (404 when there is none, 409 when it is another data center's). None named: none
 * kept, and the Default quota charges it.
 */
export async function namedQuota(call: Call, given: Ref | undefined, dcId: string, what: string): Promise<{ quota?: Ref }> {
  if (given === undefined) return {};
  const quota = await resolve(call.repo, T.Quota, given, 'quota');
  if (quota.data_center?.id !== dcId) throw conflict(`Quota ${String(quota.name)} is not a quota of the data center of ${what}`);
  return { quota: refTo(quota) };
}

const vcpusOf = (vm: VmObj) => {
  const t = vm.cpu?.topology;
  return (t?.sockets ?? 1) * (t?.cores ?? 1) * (t?.threads ?? 1);
};

/** The running VMs charged to the quota, in the cluster or in every cluster of its data center. */
async function runningVms(call: Call, quota: QuotaObj, clusterId: string | undefined): Promise<VmObj[]> {
  const clusters = clusterId !== undefined ? [clusterId] : (await call.repo.list(T.Cluster, { data_center: String(quota.data_center?.id) })).map((c) => c.id);
  const vms = (await Promise.all(clusters.map((c) => call.repo.list(T.Vm, { cluster: c })))).flat();
  return vms.filter((v) => RUNNING.includes(String(v.status)) && chargesTo(quota)(v));
}

/** The disks charged to the quota, on the storage domain or on every one of its data center. */
async function chargedDisks(call: Call, quota: QuotaObj, domainId: string | undefined): Promise<DiskObj[]> {
  const domains = domainId !== undefined ? [domainId] : (await call.repo.list(T.StorageDomain, { data_center: String(quota.data_center?.id) })).map((d) => d.id);
  const disks = (await Promise.all(domains.map((d) => call.repo.list(T.Disk, { storage_domain: d })))).flat();
  return disks.filter(chargesTo(quota));
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const vmUsage = (vms: VmObj[]) => ({ vcpus: sum(vms.map(vcpusOf)), memory: sum(vms.map((v) => Number(v.memory ?? 0))) / GIB });
const diskUsage = (disks: DiskObj[]) => sum(disks.map((d) => Number(d.provisioned_size ?? 0))) / GIB;

// --- enforcement ------------------------------------------------------------

/** Whether `used` goes past `limit` and the quota's grace on it. */
const pastHardLimit = (used: number, limit: number | undefined, gracePct: number | undefined) =>
  limit !== undefined && limit !== UNLIMITED && used > (limit * (100 + (gracePct ?? 0))) / 100;

/**
 * What a consumption past a quota's limits does in the data center's quota mode: `enabled`
 * refuses it, `audit` records a warning event and lets it be.
 */
async function overQuota(call: Call, dc: ObjOf<typeof T.DataCenter>, code: number, act: string, excess: string, about: Obj): Promise<void> {
  if (dc.quota_mode === 'enabled') throw conflict(`Cannot ${act}: ${excess}`);
  await recordEvent(call.repo, {
    code, severity: 'warning', description: `Quota exceeded to ${act}: ${excess}; allowed, as data center ${String(dc.name)} only audits quotas.`,
    about: { ...about, data_center: { id: dc.id } },
  });
}

/** The limit that applies to one cluster or storage domain: its own, else the one on all of them. */
function limitFor<K extends string, L extends { [k in K]?: Ref }>(limits: L[], link: K, id: string): L | undefined {
  return limits.find((l) => l[link]?.id === id) ?? limits.find((l) => l[link] === undefined);
}

/** The data center and the quota a consumption there is charged to, when the data center enforces or audits quotas. */
async function inForce(call: Call, dcRef: Ref | undefined, named: Ref | undefined) {
  const dc = await resolve(call.repo, T.DataCenter, dcRef, 'data_center');
  if (dc.quota_mode !== 'enabled' && dc.quota_mode !== 'audit') return undefined;
  // Locked: what two requests consume of one quota is charged one after the other.
  const quota = (await call.repo.getForUpdate(T.Quota, String((await chargedTo(call, named, dc.id)).id)))!;
  return { dc, quota };
}

/** Checks that running the VM stays within its quota in its cluster, as the data center's quota mode asks. */
export async function chargeVmRun(call: Call, vm: VmObj): Promise<void> {
  const cluster = await resolve(call.repo, T.Cluster, vm.cluster, 'cluster');
  const charged = await inForce(call, cluster.data_center, vm.quota);
  if (!charged) return;
  const { dc, quota } = charged;
  const about = { vm: { id: vm.id }, cluster: { id: cluster.id } };
  const act = `run VM ${String(vm.name)}`;
  const limit = limitFor(await call.repo.list(T.QuotaClusterLimit, { quota: quota.id }), 'cluster', cluster.id);
  if (!limit) return overQuota(call, dc, EventCode.QUOTA_CLUSTER_EXCEEDED, act, `quota ${String(quota.name)} has no limit for cluster ${String(cluster.name)}`, about);
  const others = (await runningVms(call, quota, limit.cluster ? cluster.id : undefined)).filter((v) => v.id !== vm.id);
  const used = vmUsage([...others, vm]);
  const grace = `${String(quota.cluster_hard_limit_pct ?? 0)} % grace`;
  if (pastHardLimit(used.vcpus, limit.vcpu_limit, quota.cluster_hard_limit_pct)) {
    return overQuota(call, dc, EventCode.QUOTA_CLUSTER_EXCEEDED, act, `quota ${String(quota.name)} would use ${used.vcpus} vCPUs, past its limit of ${String(limit.vcpu_limit)} and ${grace}`, about);
  }
  if (pastHardLimit(used.memory, limit.memory_limit, quota.cluster_hard_limit_pct)) {
    return overQuota(call, dc, EventCode.QUOTA_CLUSTER_EXCEEDED, act, `quota ${String(quota.name)} would use ${used.memory} GiB of memory, past its limit of ${String(limit.memory_limit)} GiB and ${grace}`, about);
  }
}

/**
 * Checks that the disk, at `size` bytes, stays within its quota on its storage domain, as the
 * data center's quota mode asks; a domain attached to no data center charges no quota.
 */
export async function chargeDiskSize(call: Call, disk: DiskObj, size: number): Promise<void> {
  const sd = await resolve(call.repo, T.StorageDomain, disk.storage_domain ?? disk.storage_domains?.[0], 'storage_domain');
  const charged = sd.data_center?.id ? await inForce(call, sd.data_center, disk.quota) : undefined;
  if (!charged) return;
  const { dc, quota } = charged;
  const about = { storage_domain: { id: sd.id } };
  const act = `give disk ${String(disk.alias ?? disk.name ?? disk.id)} ${size / GIB} GiB`;
  const limit = limitFor(await call.repo.list(T.QuotaStorageLimit, { quota: quota.id }), 'storage_domain', sd.id);
  if (!limit) return overQuota(call, dc, EventCode.QUOTA_STORAGE_EXCEEDED, act, `quota ${String(quota.name)} has no limit for storage domain ${String(sd.name)}`, about);
  const others = (await chargedDisks(call, quota, limit.storage_domain ? sd.id : undefined)).filter((d) => d.id !== disk.id);
  const used = diskUsage(others) + size / GIB;
  if (pastHardLimit(used, limit.limit, quota.storage_hard_limit_pct)) {
    return overQuota(call, dc, EventCode.QUOTA_STORAGE_EXCEEDED, act,
      `quota ${String(quota.name)} would have ${used} GiB, past its limit of ${String(limit.limit)} GiB and ${String(quota.storage_hard_limit_pct ?? 0)} % grace`, about);
  }
}

// --- quotas -----------------------------------------------------------------

const quotaHooks: StoredHooks<typeof T.Quota> = {
  uniqueName: (call) => ({ data_center: call.scope[0] }),
  // As in oVirt, a quota added through the API has no grace nor warning threshold unless given.
  prepare: (_call, body) => ({ cluster_hard_limit_pct: 0, cluster_soft_limit_pct: 0, storage_hard_limit_pct: 0, storage_soft_limit_pct: 0, ...body }),
  async removing(call, quota) {
    if (held(quota).default === true) throw conflict(`Cannot remove quota ${String(quota.name)}: it is the Default quota of its data center`);
    // What it charged, the Default quota charges now.
    for (const type of [T.Vm, T.Disk] as const) {
      for (const o of await call.repo.list(type, { quota: quota.id })) {
        const { quota: _quota, ...rest } = o;
        await call.repo.update(type, rest);
      }
    }
  },
};

export const quotas = implement(S.DataCenterQuotas, storedCollection(S.DataCenterQuotas, quotaHooks));
export const quota = implement(S.DataCenterQuota, storedEntity(S.DataCenterQuotas, S.DataCenterQuota, quotaHooks));

// --- limits -----------------------------------------------------------------

const quotaOfLimit = (call: Call) => load({ ...call, scope: call.scope.slice(0, 2) }, S.DataCenterQuotas);

/** A limit is -1 (none) or a size of at least 0. */
function checkLimit(value: number | undefined, what: string): number {
  if (value === undefined) return UNLIMITED;
  if (value !== UNLIMITED && value < 0) throw badRequest(`${what} must be -1 (no limit) or at least 0, got ${value}`);
  return value;
}

/**
 * A new limit of the quota on the object `link` names (which must be of the quota's data
 * center), or on all of them: one limit per object, and either one on all or ones on each.
 */
async function placeLimit(call: Call, link: 'cluster' | 'storage_domain', given: Ref | undefined): Promise<{ quota: QuotaObj; on: Obj }> {
  const quota = await quotaOfLimit(call);
  const type = link === 'cluster' ? T.QuotaClusterLimit : T.QuotaStorageLimit;
  const existing: Obj[] = await call.repo.list(type, { quota: quota.id });
  if (given === undefined) {
    if (existing.length) throw conflict(`Quota ${String(quota.name)} already has ${link} limits: a limit on all of them cannot be added`);
    return { quota, on: {} };
  }
  const target = link === 'cluster' ? await resolve(call.repo, T.Cluster, given, link) : await resolve(call.repo, T.StorageDomain, given, link);
  if (target.data_center?.id !== quota.data_center?.id) throw conflict(`${link === 'cluster' ? 'Cluster' : 'Storage domain'} ${String(target.name)} is not in the data center of quota ${String(quota.name)}`);
  if (existing.some((l) => l[link] === undefined)) throw conflict(`Quota ${String(quota.name)} has a limit on every ${link}: remove it to limit ${String(target.name)} alone`);
  if (existing.some((l) => (l[link] as Ref).id === target.id)) throw conflict(`Quota ${String(quota.name)} already has a limit on ${String(target.name)}`);
  return { quota, on: { [link]: refTo(target) } };
}

/** A cluster limit with what the running VMs charged to its quota use there. */
async function clusterLimitView(call: Call, limit: ClusterLimitObj): Promise<ClusterLimitObj> {
  const quota = (await call.repo.get(T.Quota, String(limit.quota?.id)))!;
  const used = vmUsage(await runningVms(call, quota, limit.cluster?.id));
  return { ...limit, vcpu_usage: used.vcpus, memory_usage: used.memory };
}

/** A storage limit with the provisioned size of the disks charged to its quota there. */
async function storageLimitView(call: Call, limit: StorageLimitObj): Promise<StorageLimitObj> {
  const quota = (await call.repo.get(T.Quota, String(limit.quota?.id)))!;
  return { ...limit, usage: diskUsage(await chargedDisks(call, quota, limit.storage_domain?.id)) };
}

const clusterLimitHooks: StoredHooks<typeof T.QuotaClusterLimit> = {
  async prepare(call, body) {
    const { on } = await placeLimit(call, 'cluster', body.cluster);
    return { ...on, vcpu_limit: checkLimit(body.vcpu_limit, 'vcpu_limit'), memory_limit: checkLimit(body.memory_limit, 'memory_limit') };
  },
  view: clusterLimitView,
};

const storageLimitHooks: StoredHooks<typeof T.QuotaStorageLimit> = {
  async prepare(call, body) {
    const { on } = await placeLimit(call, 'storage_domain', body.storage_domain);
    return { ...on, limit: checkLimit(body.limit, 'limit') };
  },
  view: storageLimitView,
};

/** A collection's behaviour whose members (listed, or as a write answers them) are shown as `view` shows them. */
function listedAs<T extends StructType>(b: StoredCollection<T>, view: (call: Call, o: ObjOf<T>) => Promise<ObjOf<T>>): CollectionBehaviour<T> {
  const shown = (call: Call, x: Obj) => view(call, x as ObjOf<T>) as Promise<Obj>;
  return {
    ...b,
    view: shown,
    list: async (call, o) => Promise.all((await b.list(call, o)).map((x) => shown(call, x))),
  };
}

export const quotaClusterLimits = implement(S.QuotaClusterLimits, listedAs(storedCollection(S.QuotaClusterLimits, clusterLimitHooks), clusterLimitView));
export const quotaClusterLimit = implement(S.QuotaClusterLimits.entity(), storedEntity(S.QuotaClusterLimits, S.QuotaClusterLimits.entity(), clusterLimitHooks));
export const quotaStorageLimits = implement(S.QuotaStorageLimits, listedAs(storedCollection(S.QuotaStorageLimits, storageLimitHooks), storageLimitView));
export const quotaStorageLimit = implement(S.QuotaStorageLimits.entity(), storedEntity(S.QuotaStorageLimits, S.QuotaStorageLimits.entity(), storageLimitHooks));
