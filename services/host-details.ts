// What a host reports through the runtime (hooks, devices, NUMA nodes, CPU units, block storage)
// and what it is given to reach its power management and iSCSI targets (fence agents, per-host
// iSCSI credentials; their passwords are used, never stored).
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService, EntityService } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { Runtime } from './runtime/runtime';
import { load, mergeInto, storedCollection, storedEntity } from './stored';
import { conflict, notFound } from './fault';

/** The installed host the call's scope starts with; a host still installing reports nothing. */
async function reported(call: Call, what: (runtime: Runtime, host: Obj) => Obj[]): Promise<Obj[]> {
  const host = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Hosts);
  if (['installing', 'install_failed', 'pending_approval', 'new'].includes(String(host.status))) return [];
  return what(call.engine.runtime, host);
}

/** A list the runtime answers and its members, found by id. */
function fromRuntime(collection: CollectionService, entity: EntityService, what: (runtime: Runtime, host: Obj) => Obj[]) {
  const type = collection.type();
  return [
    implement(collection, { list: async (call, o) => (await reported(call, what)).slice(0, o.max) }),
    implement(entity, {
      async get(call) {
        const found = (await reported(call, what)).find((x) => x.id === call.scope[1]);
        if (!found) throw notFound(`${type.name} '${call.scope[1]}' does not exist`);
        return found;
      },
    }),
  ];
}

export const hostHooks = fromRuntime(S.HostHooks, S.HostHook, (r, h) => r.hooks(h));
export const hostDevices = fromRuntime(S.HostDevices, S.HostDevice, (r, h) => r.devices(h));
export const hostNumaNodes = fromRuntime(S.HostNumaNodes, S.HostNumaNode, (r, h) => r.numaNodes(h));
export const hostCpuUnits = fromRuntime(S.HostCpuUnits, S.HostCpuUnit, (r, h) => r.cpuUnits(h));
export const hostStorage = fromRuntime(S.HostStorage, S.HostStorageEntity, (r, h) => r.blockStorage(h));

export const fenceAgents = implement(S.FenceAgents, storedCollection(S.FenceAgents, {
  prepare: (_call, body) => ({ concurrent: false, encrypt_options: false, ...body }),
}));
export const fenceAgent = implement(S.FenceAgent, storedEntity(S.FenceAgents, S.FenceAgent));

/** A host keeps one set of credentials per target, as oVirt does (409 for a second). */
async function uniqueTarget(call: Call, target: unknown, self?: string): Promise<void> {
  const same = await call.repo.list(T.StorageConnectionExtension, { host: call.scope[0] }, { where: { target: String(target) } });
  if (same.some((x) => x.id !== self)) throw conflict(`Cannot add Storage Connection Extension: the host has credentials for target '${String(target)}' already`);
}

export const storageConnectionExtensions = implement(S.StorageConnectionExtensions, storedCollection(S.StorageConnectionExtensions, {
  async prepare(call, body) {
    await uniqueTarget(call, body.target);
    return body;
  },
}));
export const storageConnectionExtension = implement(S.StorageConnectionExtension, storedEntity(S.StorageConnectionExtensions, S.StorageConnectionExtension, {
  async apply(call, current, changes) {
    if (changes.target !== undefined) await uniqueTarget(call, changes.target, current.id);
    return mergeInto(T.StorageConnectionExtension, current, changes);
  },
}));
