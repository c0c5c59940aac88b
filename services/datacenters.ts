// Data centers, and the storage domains attached to them.
import * as S from '../model/services';
import { ObjOf } from '../model/meta';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Call, implement, ownersOf } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { resolve } from './refs';
import { COMPATIBILITY_VERSION } from './store/seed';
import { storageDomainView } from './storagedomains';
import { addManagementNetwork } from './store/management-network';
import { addDefaultQuota } from './store/default-quota';

export const dataCenters = implement(S.DataCenters, storedCollection(S.DataCenters, {
  uniqueName: () => ({}),
  prepare: (_call, body): ObjOf<typeof T.DataCenter> => ({
    local: false,
    quota_mode: 'disabled',
    storage_format: 'v5',
    version: { ...COMPATIBILITY_VERSION },
    ...body,
    status: 'uninitialized',
    supported_versions: [{ ...COMPATIBILITY_VERSION }],
  }),
  // Like oVirt, a new data center comes with its management network and its Default quota.
  async created(call, dc) {
    await addManagementNetwork(call.repo, dc.id);
    await addDefaultQuota(call.repo, dc.id);
  },
}));

export const dataCenterEntity = implement(S.DataCenterEntity, storedEntity(S.DataCenters, S.DataCenterEntity, {
  uniqueName: () => ({}),
  async removing(call, dc) {
    const owners = { data_center: dc.id };
    if ((await call.repo.count(T.Cluster, owners)) > 0) {
      throw conflict(`Cannot remove Data Center ${String(dc.name)}: it still has clusters`);
    }
    if ((await call.repo.count(T.StorageDomain, owners)) > 0) {
      throw conflict(`Cannot remove Data Center ${String(dc.name)}: storage domains are still attached`);
    }
  },
}));

async function setDataCenterStatus(call: Call, dcId: string) {
  const dc = await call.repo.get(T.DataCenter, dcId);
  if (!dc) return;
  const domains = await call.repo.list(T.StorageDomain, { data_center: dcId });
  const up = domains.some((d) => d.master === true && d.status === 'active');
  await call.repo.update(T.DataCenter, { ...dc, status: up ? 'up' : domains.length ? 'maintenance' : 'uninitialized' });
}

export const attachedStorageDomains = implement(S.AttachedStorageDomains, {
  list: async (call, o) =>
    Promise.all((await call.repo.list(T.StorageDomain, ownersOf(S.AttachedStorageDomains, call.scope), o)).map((sd) => storageDomainView(call, sd))),
  async add(call, body) {
    const dcId = call.scope[0];
    // Locked: a domain is attached to one data center, checked here and set below.
    const named = await resolve(call.repo, T.StorageDomain, body, 'storage_domain');
    const sd = (await call.repo.getForUpdate(T.StorageDomain, named.id))!;
    if (sd.data_center) throw conflict(`Cannot attach Storage Domain ${String(sd.name)}: it is already attached to a data center`);
    const attached = await call.repo.list(T.StorageDomain, { data_center: dcId });
    const master = sd.type === 'data' && !attached.some((d) => d.master === true);
    const next: Obj = { ...sd, data_center: { id: dcId }, data_centers: [{ id: dcId }], status: 'active', master };
    await call.repo.update(T.StorageDomain, next);
    await setDataCenterStatus(call, dcId);
    return storageDomainView(call, next);
  },
});

function activation(status: 'active' | 'maintenance') {
  return async (call: Call): Promise<Obj> => {
    const sd = await load(call, S.AttachedStorageDomains);
    await call.repo.update(T.StorageDomain, { ...sd, status });
    await setDataCenterStatus(call, call.scope[0]);
    return { status: 'complete' };
  };
}

export const attachedStorageDomain = implement(S.AttachedStorageDomain, {
  get: async (call) => storageDomainView(call, await load(call, S.AttachedStorageDomains)),
  async remove(call) {
    const sd = await load(call, S.AttachedStorageDomains);
    if (sd.status === 'active') {
      throw conflict(`Cannot detach Storage Domain ${String(sd.name)}: deactivate it first`);
    }
    const { data_center: _dc, data_centers: _dcs, master: _m, ...rest } = sd;
    await call.repo.update(T.StorageDomain, { ...rest, status: 'unattached', master: false });
    // The data center's quotas no longer limit it.
    await call.repo.removeOwned(T.QuotaStorageLimit, { storage_domain: sd.id });
    await setDataCenterStatus(call, call.scope[0]);
  },
  actions: { activate: activation('active'), deactivate: activation('maintenance') },
});
