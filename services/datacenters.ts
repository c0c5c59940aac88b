// Data centers, and the storage domains attached to them.
import * as S from '../model/services';
import { ObjOf } from '../model/meta';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ActionBody, Call, implement, ownersOf } from './behaviour';
import { EventCode, EventSpec, recordEvent } from './events';
import { endJob, startJob } from './jobs';
import { load, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { resolve } from './refs';
import { COMPATIBILITY_VERSION } from './store/seed';
import { storageDomainView } from './storagedomains';
import { addManagementNetwork } from './store/management-network';
import { addDefaultQuota } from './store/default-quota';
import { updateOvfStore } from './ovf-store';

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

const dcEvent = (dc: Obj, code: number, description: string): EventSpec => ({ code, severity: 'normal', description, about: { data_center: { id: dc.id } } });

/** Moves the master role to an active data domain of the data center (oVirt's switch master). */
async function setmaster(call: Call, body: ActionBody): Promise<Obj> {
  const dc = await load(call, S.DataCenters);
  const named = await resolve(call.repo, T.StorageDomain, body.storage_domain, 'storage_domain');
  const sd = (await call.repo.getForUpdate(T.StorageDomain, named.id))!;
  const refusal = `Cannot switch master storage domain of Data Center ${String(dc.name)} to ${String(sd.name)}`;
  if (sd.data_center?.id !== dc.id) throw conflict(`${refusal}. The selected Storage Domain is not part of the Data Center`);
  if (sd.type !== 'data') throw conflict(`${refusal}. Storage Domain type is illegal: it is ${String(sd.type)}, not data`);
  if (sd.status !== 'active') throw conflict(`${refusal}. The relevant Storage Domain's status is ${String(sd.status)}`);
  if (sd.master === true) throw conflict(`${refusal}. The storage domain is already the master storage domain`);
  const job = await startJob(call.repo, `Switching master storage domain of data center ${String(dc.name)}`, call.principal.userId);
  for (const other of await call.repo.list(T.StorageDomain, { data_center: dc.id })) {
    if (other.master === true) await call.repo.update(T.StorageDomain, { ...other, master: false });
  }
  await call.repo.update(T.StorageDomain, { ...sd, master: true });
  await setDataCenterStatus(call, dc.id);
  await recordEvent(call.repo, { ...dcEvent(dc, EventCode.DATA_CENTER_MASTER_SWITCHED, `Storage domain ${String(sd.name)} is now the master of data center ${String(dc.name)}.`), about: { data_center: { id: dc.id }, storage_domain: { id: sd.id } } });
  await endJob(call.repo, job.id, 'finished');
  return { status: 'complete', job: { id: job.id } };
}

/**
 * oVirt clears the storage pool manager's finished tasks so that the role can move. Hangar runs
 * storage work within the requests that ask for it, so no task outlives its request: there is
 * never one to clear, and the action records that it found none.
 */
async function cleanfinishedtasks(call: Call): Promise<Obj> {
  const dc = await load(call, S.DataCenters);
  const job = await startJob(call.repo, `Cleaning finished tasks of data center ${String(dc.name)}`, call.principal.userId);
  await recordEvent(call.repo, dcEvent(dc, EventCode.DATA_CENTER_TASKS_CLEANED, `Data center ${String(dc.name)} has no finished storage tasks to clean.`));
  await endJob(call.repo, job.id, 'finished');
  return { status: 'complete', job: { id: job.id } };
}

export const dataCenterEntity = implement(S.DataCenterEntity, {
  ...storedEntity(S.DataCenters, S.DataCenterEntity, {
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
  }),
  actions: { setmaster, cleanfinishedtasks },
});

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
    // As in oVirt, a data center has one ISO domain and one export domain at most.
    const kind = ({ iso: 'ISO', export: 'Import/Export' } as Record<string, string>)[String(sd.type)];
    if (kind && attached.some((d) => d.type === sd.type)) {
      throw conflict(`Cannot attach more than one ${kind} Storage Domain to the same Data Center: detach the one attached first`);
    }
    const master = sd.type === 'data' && !attached.some((d) => d.master === true);
    const next: Obj = { ...sd, data_center: { id: dcId }, data_centers: [{ id: dcId }], status: 'active', master };
    await call.repo.update(T.StorageDomain, next);
    await setDataCenterStatus(call, dcId);
    return next;
  },
  view: storageDomainView,
});

function activation(status: 'active' | 'maintenance') {
  return async (call: Call): Promise<Obj> => {
    const sd = await load(call, S.AttachedStorageDomains);
    // As oVirt does, a domain leaving use has its OVF store written first.
    if (status === 'maintenance' && sd.status === 'active') await updateOvfStore(call, sd);
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
    await updateOvfStore(call, sd);
    const { data_center: _dc, data_centers: _dcs, master: _m, ...rest } = sd;
    await call.repo.update(T.StorageDomain, { ...rest, status: 'unattached', master: false });
    // The data center's quotas no longer limit it.
    await call.repo.removeOwned(T.QuotaStorageLimit, { storage_domain: sd.id });
    await setDataCenterStatus(call, call.scope[0]);
  },
  actions: { activate: activation('active'), deactivate: activation('maintenance') },
});
