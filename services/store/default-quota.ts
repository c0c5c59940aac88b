// The Default quota: every data center has one from its creation, unlimited, which charges the
// VMs and disks that name no quota, as oVirt's engine makes it ("Default", "Default unlimited
// quota", with one limit on all clusters and one on all storage domains, both -1).
import { randomUUID } from 'node:crypto';
import { ObjOf } from '../../model/meta';
import * as T from '../../model/types';
import { Repo } from './repo';

/** A quota as the engine keeps it: whether it is its data center's Default quota (never on the wire). */
export type StoredQuota = ObjOf<typeof T.Quota> & { default?: boolean };

/** Makes the Default quota of a data center, with its unlimited limits. */
export async function addDefaultQuota(repo: Repo, dataCenterId: string): Promise<StoredQuota> {
  const quota: StoredQuota = {
    id: randomUUID(),
    name: 'Default',
    description: 'Default unlimited quota',
    // oVirt's defaults for new quotas: a warning past 80 %, refusal past 120 %.
    cluster_soft_limit_pct: 80,
    cluster_hard_limit_pct: 20,
    storage_soft_limit_pct: 80,
    storage_hard_limit_pct: 20,
    data_center: { id: dataCenterId },
    default: true,
  };
  await repo.insert(T.Quota, quota);
  const owner = { quota: { id: quota.id } };
  await repo.insert(T.QuotaClusterLimit, { id: randomUUID(), vcpu_limit: -1, memory_limit: -1, ...owner });
  await repo.insert(T.QuotaStorageLimit, { id: randomUUID(), limit: -1, ...owner });
  return quota;
}

/** The Default quota of a data center. */
export async function defaultQuotaOf(repo: Repo, dataCenterId: string): Promise<StoredQuota | undefined> {
  return (await repo.list(T.Quota, { data_center: dataCenterId }) as StoredQuota[]).find((q) => q.default === true);
}
