// The engine's configuration lists: storage connections, bookmarks, system options, network
// filters, network labels and cluster features.
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService, ObjOf } from '../model/meta';
import { Obj } from '../model/codec';
import { CORES_PER_SOCKET, MAX_VCPUS, MEMORY, SOCKETS, THREADS_PER_CORE } from '../model/types/limits';
import { Call, EntityBehaviour, implement } from './behaviour';
import { StoredHooks, load, mergeInto, storedCollection, storedEntity } from './stored';
import { fixedCollection, fixedEntity } from './fixed';
import { badRequest, conflict, notFound } from './fault';
import { Repo } from './store/repo';
import { CPU_TYPES, serverCpuList } from './facts/cpu-types';
import { EMULATED_MACHINES } from './facts/emulated-machines';

// --- storage connections ----------------------------------------------------

type ConnectionObj = ObjOf<typeof T.StorageConnection>;

/** What a connection keeps of a domain's storage. */
const CONNECTION_MEMBERS = ['address', 'type', 'path', 'mount_options', 'vfs_type', 'nfs_version', 'nfs_timeo', 'nfs_retrans'] as const;

/** What each type of connection needs, as oVirt's model's signatures of the add say. */
const NEEDS: Readonly<Record<string, readonly (keyof ConnectionObj)[]>> = { nfs: ['address', 'path'], localfs: ['path'], posixfs: ['path', 'vfs_type'] };

/** Refuses a connection lacking what its type needs, or to a place domains may not use. */
function checkConnection(call: Call, connection: ConnectionObj): void {
  const needs = NEEDS[String(connection.type)];
  if (!needs) throw badRequest(`Storage connection type '${String(connection.type)}' is not supported: use ${Object.keys(NEEDS).join(', ')}`);
  const missing = needs.filter((m) => connection[m] === undefined);
  if (missing.length) throw badRequest(`A ${String(connection.type)} storage connection needs ${missing.join(' and ')}`);
  call.engine.storage.exportDir(connection);
}

/** What a connection (or a domain's storage) reaches: its type, server and path. */
const placeOf = (storage: Obj) => JSON.stringify([storage.type, storage.address ?? null, path.normalize(String(storage.path ?? ''))]);

/** The storage domains whose storage is the connection's place. */
async function domainsUsing(repo: Repo, connection: ConnectionObj): Promise<ObjOf<typeof T.StorageDomain>[]> {
  const domains = await repo.list(T.StorageDomain);
  return domains.filter((sd) => sd.storage !== undefined && placeOf(sd.storage) === placeOf(connection));
}

async function checkUnique(repo: Repo, connection: ConnectionObj): Promise<void> {
  const same = (await repo.list(T.StorageConnection)).find((c) => c.id !== connection.id && placeOf(c) === placeOf(connection));
  if (same) throw conflict(`A storage connection to ${String(connection.type)} ${String(connection.path)} exists already: ${same.id}`);
}

/** Makes the connection a domain's storage is, unless there is one to its place: every domain's connection is listed. */
export async function connectDomain(repo: Repo, sd: ObjOf<typeof T.StorageDomain>): Promise<void> {
  const storage = (sd.storage ?? {}) as Obj;
  if ((await repo.list(T.StorageConnection)).some((c) => placeOf(c) === placeOf(storage))) return;
  const members = Object.fromEntries(CONNECTION_MEMBERS.filter((m) => storage[m] !== undefined).map((m) => [m, storage[m]]));
  await repo.insert(T.StorageConnection, { ...members, id: randomUUID() });
}

/** A name-based UUID (version 5 layout), for objects whose ids follow from what they are. */
export function derivedId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A connection domains use stays as it is: their place is fixed at creation. */
async function notUsed(call: Call, connection: ConnectionObj, verb: string): Promise<void> {
  const users = await domainsUsing(call.repo, connection);
  if (users.length) throw conflict(`Cannot ${verb} storage connection ${String(connection.id)}: storage domains use it: ${users.map((d) => d.name).join(', ')}`);
}

const connectionHooks: StoredHooks<typeof T.StorageConnection> = {
  async prepare(call, body) {
    checkConnection(call, body);
    await checkUnique(call.repo, body);
    return body;
  },
  async apply(call, current, changes) {
    await notUsed(call, current, 'change');
    const next = mergeInto(T.StorageConnection, current, changes);
    checkConnection(call, next);
    await checkUnique(call.repo, next);
    return next;
  },
  removing: (call, connection) => notUsed(call, connection, 'remove'),
};

export const storageConnections = implement(S.StorageConnections, storedCollection(S.StorageConnections, connectionHooks));
export const storageConnection = implement(S.StorageConnectionEntity, storedEntity(S.StorageConnections, S.StorageConnectionEntity, connectionHooks));

/** The connections of the domain the call's scope names. */
async function domainConnections(call: Call): Promise<Obj[]> {
  const sd = await load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains);
  return (await call.repo.list(T.StorageConnection)).filter((c) => sd.storage !== undefined && placeOf(c) === placeOf(sd.storage));
}

export const storageDomainConnections = implement(S.StorageDomainConnections, {
  list: async (call, o) => (await domainConnections(call)).slice(0, o.max),
});
export const storageDomainConnection = implement(S.StorageDomainConnection, fixedEntityOf(S.StorageDomainConnections, domainConnections));

// --- bookmarks --------------------------------------------------------------

const bookmarkHooks: StoredHooks<typeof T.Bookmark> = { uniqueName: () => ({}) };
export const bookmarks = implement(S.Bookmarks, storedCollection(S.Bookmarks, bookmarkHooks));
export const bookmark = implement(S.BookmarkEntity, storedEntity(S.Bookmarks, S.BookmarkEntity, bookmarkHooks));

// --- system options ---------------------------------------------------------

/** The cluster levels, as option values name them. */
const LEVELS = Object.keys(CPU_TYPES);
const MiB = 2 ** 20;

/**
 * The options clients read, with the values the engine holds to: the limits it checks on every
 * VM (the same at every level), the CPU types and machine types of each level, and the levels it
 * supports. A list-valued option answers as oVirt's engine prints a list: `[a, b]`.
 */
const OPTIONS: Readonly<Record<string, { readonly general?: string; readonly perLevel?: (level: string) => string }>> = {
  MaxNumOfVmSockets: { perLevel: () => String(SOCKETS.max) },
  MaxNumOfCpuPerSocket: { perLevel: () => String(CORES_PER_SOCKET.max) },
  MaxNumOfThreadsPerCpu: { perLevel: () => String(THREADS_PER_CORE.max) },
  MaxNumOfVmCpus: { perLevel: () => String(MAX_VCPUS) },
  VM64BitMaxMemorySizeInMB: { perLevel: () => String(Number(MEMORY.max) / MiB) },
  ServerCPUList: { perLevel: serverCpuList },
  ClusterEmulatedMachines: { perLevel: (level) => `[${EMULATED_MACHINES[level].join(', ')}]` },
  SupportedClusterLevels: { general: LEVELS.join(',') },
};

const options: readonly Obj[] = Object.entries(OPTIONS).map(([name, o]) => ({
  id: name,
  name,
  values: o.perLevel ? LEVELS.map((version) => ({ version, value: o.perLevel?.(version) })) : [{ version: 'general', value: o.general }],
}));

const allOptions = fixedEntity(S.SystemOptions, () => options);
export const systemOptions = implement(S.SystemOptions, fixedCollection(() => options));
export const systemOption = implement(S.SystemOptionEntity, {
  // `version` keeps the value of that level; an option of every level answers its general value.
  async get(call) {
    const option = await allOptions.get(call);
    const version = call.params.version;
    if (typeof version !== 'string') return option;
    const values = (option.values as Obj[]).filter((v) => v.version === version || v.version === 'general');
    if (!values.length) throw notFound(`Option ${String(option.name)} has no value for version '${version}'`);
    return { ...option, values };
  },
});

// --- network filters --------------------------------------------------------

/** oVirt's network filters (its network_filter table): its own, then libvirt's, each with the level since which it is offered. */
export const NETWORK_FILTERS: readonly { readonly name: string; readonly since: readonly [number, number] }[] = [
  { name: 'vdsm-no-mac-spoofing', since: [3, 2] },
  ...['allow-arp', 'allow-dhcp', 'allow-dhcp-server', 'allow-incoming-ipv4', 'allow-ipv4', 'clean-traffic', 'no-arp-ip-spoofing',
    'no-arp-mac-spoofing', 'no-arp-spoofing', 'no-ip-multicast', 'no-ip-spoofing', 'no-mac-broadcast', 'no-mac-spoofing',
    'no-other-l2-traffic', 'no-other-rarp-traffic', 'qemu-announce-self', 'qemu-announce-self-rarp'].map((name) => ({ name, since: [4, 0] as const })),
  { name: 'clean-traffic-gateway', since: [4, 2] },
];

/** The network filters a new engine has, with ids that follow from their names. */
export async function seedNetworkFilters(repo: Repo): Promise<void> {
  for (const f of NETWORK_FILTERS) {
    await repo.insert(T.NetworkFilter, { id: derivedId(`network-filter:${f.name}`), name: f.name, version: { major: f.since[0], minor: f.since[1] } });
  }
}

export const networkFilters = implement(S.NetworkFilters, storedCollection(S.NetworkFilters));
export const networkFilter = implement(S.NetworkFilterEntity, storedEntity(S.NetworkFilters, S.NetworkFilterEntity));

const versionOrder = (v: { major?: number; minor?: number } | undefined) => Number(v?.major ?? 0) * 1000 + Number(v?.minor ?? 0);

/** The filters a cluster offers: those of its level and below. */
async function clusterFilters(call: Call): Promise<Obj[]> {
  const cluster = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Clusters);
  const all = await call.repo.list(T.NetworkFilter);
  return all.filter((f) => versionOrder(f.version) <= versionOrder(cluster.version));
}

export const clusterNetworkFilters = implement(S.ClusterNetworkFilters, { list: async (call, o) => (await clusterFilters(call)).slice(0, o.max) });
export const clusterNetworkFilter = implement(S.ClusterNetworkFilter, fixedEntityOf(S.ClusterNetworkFilters, clusterFilters));

/** Gets one of the objects `all` makes for the call by the id that ends its scope; 404 for others. */
function fixedEntityOf(collection: CollectionService, all: (call: Call) => Promise<Obj[]>): EntityBehaviour {
  return {
    async get(call: Call) {
      const id = call.scope[call.scope.length - 1];
      const found = (await all(call)).find((o) => o.id === id);
      if (!found) throw notFound(`${collection.type().name} '${id}' does not exist`);
      return found;
    },
  };
}

// --- cluster features -------------------------------------------------------

/**
 * oVirt's optional cluster features are Gluster's and libgfapi's, which Hangar has none of: every
 * level offers none, and no cluster has one enabled.
 */
async function levelFeatures(call: Call): Promise<Obj[]> {
  if (!LEVELS.includes(call.scope[0])) throw notFound(`ClusterLevel '${call.scope[0]}' does not exist`);
  return [];
}
async function enabledFeatures(call: Call): Promise<Obj[]> {
  await load({ ...call, scope: call.scope.slice(0, 1) }, S.Clusters);
  return [];
}

export const clusterLevelFeatures = implement(S.ClusterLevelFeatures, { list: levelFeatures });
export const clusterLevelFeature = implement(S.ClusterLevelFeature, fixedEntityOf(S.ClusterLevelFeatures, levelFeatures));
export const clusterEnabledFeatures = implement(S.ClusterEnabledFeatures, { list: enabledFeatures });
export const clusterEnabledFeature = implement(S.ClusterEnabledFeature, fixedEntityOf(S.ClusterEnabledFeatures, enabledFeatures));
