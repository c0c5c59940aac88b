// Storage domains: directories holding disk images (data) or ISO files (iso).
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Call, implement, inspected } from './behaviour';
import { CollectionHooks, load, storedCollection, storedEntity } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { resolve, refTo } from './refs';
import { addDefaultDiskProfile } from './profiles';
import { connectDomain } from './config-lists';
import { updateOvfStore } from './ovf-store';

/** What clients see of a domain: the stored object with live space figures. */
export async function storageDomainView(call: Call, sd: Obj): Promise<Obj> {
  const space = await call.engine.storage.space(sd);
  const disks = await call.repo.list(T.Disk, { storage_domain: String(sd.id) });
  const committed = disks.reduce((sum, d) => sum + Number(d.provisioned_size ?? 0), 0);
  return { ...sd, ...space, committed };
}

const DOMAIN_TYPES = ['data', 'iso', 'export'];

async function prepare(call: Call, body: Obj): Promise<Obj> {
  if (!DOMAIN_TYPES.includes(String(body.type))) {
    throw badRequest(`Storage domain type '${String(body.type)}' is not supported: use ${DOMAIN_TYPES.join(' or ')}`);
  }
  const storage = body.storage as Obj;
  if (storage.type === 'nfs' && storage.address === undefined) throw badRequest('storage.address is required for nfs');
  // Refuses a place domains may not live in before anything is kept.
  call.engine.storage.exportDir(storage);
  const host = body.host === undefined ? undefined : await resolve(call.repo, T.Host, body.host, 'host');
  const { host: _host, ...rest } = body;
  return {
    ...rest,
    status: 'unattached',
    master: false,
    // Data domains may be made in an older format (what the images in them may be follows it).
    storage_format: body.type === 'data' ? (body.storage_format ?? 'v5') : 'v1',
    ...(host ? { host: refTo(host) } : {}),
  };
}

const domainHooks: CollectionHooks<typeof T.StorageDomain> = {
  prepare,
  uniqueName: () => ({}),
  // Data domains come with their disk profile, as in oVirt; every domain's connection is listed.
  async created(call, sd) {
    if (sd.type === 'data') await addDefaultDiskProfile(call.repo, sd);
    await connectDomain(call.repo, sd);
  },
};
const domains = storedCollection(S.StorageDomains, { ...domainHooks, files: (engine, sd) => engine.storage.createDomain(sd) });
// A domain taken over has its files already.
const importedDomains = storedCollection(S.StorageDomains, domainHooks);

/**
 * `import=true`: the data domain another engine made in `storage.path`, found there before the
 * transaction (its metadata is a file), with its id and format.
 */
async function domainToImport(call: Call, body: Obj): Promise<{ id: string; metadata: Record<string, string> }> {
  if (body.type !== 'data') throw badRequest(`Only data domains are imported: type is '${String(body.type)}'`);
  const storage = body.storage as Obj;
  const found = (await call.engine.storage.foundDomains(storage)).filter((f) => f.metadata.CLASS === 'Data');
  if (found.length === 0) throw badRequest(`storage.path '${String(storage.path)}' holds no data domain to import`);
  if (found.length > 1) throw badRequest(`storage.path '${String(storage.path)}' holds several data domains (${found.map((f) => f.id).join(', ')}): import them from places of their own`);
  return found[0];
}

/** The found domain taken over, with its disks and its OVF store, as oVirt imports a domain. */
async function importDomain(call: Call, body: Obj, { id, metadata }: { id: string; metadata: Record<string, string> }): Promise<Obj> {
  if (await call.repo.get(T.StorageDomain, id)) throw conflict(`Cannot import storage domain ${id}: the engine has it already`);
  const { import: _import, ...rest } = body;
  return importedDomains.add!(call, { ...rest, id, storage_format: `v${metadata.VERSION ?? '5'}` } as typeof body);
}

export const storageDomains = implement(S.StorageDomains, {
  list: async (call, o) => Promise.all((await domains.list(call, o)).map((sd) => storageDomainView(call, sd))),
  listsSeen: true,
  add: inspected(
    async (call, body) => (body.import === true ? domainToImport(call, body) : undefined),
    async (call, body, found) => (found ? importDomain(call, body, found) : domains.add!(call, body)),
  ),
  view: storageDomainView,
});

export const storageDomainEntity = implement(S.StorageDomainEntity, {
  ...storedEntity(S.StorageDomains, S.StorageDomainEntity, {
    view: storageDomainView,
    uniqueName: () => ({}),
    async removing(call, sd) {
      if (sd.data_center) throw conflict(`Cannot remove Storage Domain ${String(sd.name)}: detach it from its data center first`);
      if ((await call.repo.count(T.Disk, { storage_domain: sd.id })) > 0) {
        throw conflict(`Cannot remove Storage Domain ${String(sd.name)}: it still holds disks`);
      }
      // `format=true` removes the domain's files, as oVirt formats the storage; the domain stays
      // when they cannot be removed.
      if (call.params.format === true) {
        call.files.afterCommit({
          what: `formatting storage domain ${String(sd.name)}`,
          run: () => call.engine.storage.formatDomain(sd),
          undo: async (repo) => void (await repo.insert(T.StorageDomain, sd)),
        });
      }
    },
  }),
  actions: {
    // Whether a data center holds the domain, which a domain found on storage is checked for before it is imported.
    isattached: async (call) => ({ status: 'complete', is_attached: (await load(call, S.StorageDomains)).data_center !== undefined }),
    async updateovfstore(call) {
      const sd = await load(call, S.StorageDomains);
      if (sd.type !== 'data') throw conflict(`Cannot update the OVF store of storage domain ${String(sd.name)}: it is not a data domain`);
      if (sd.status !== 'active') throw conflict(`Cannot update the OVF store of storage domain ${String(sd.name)}: it is ${String(sd.status)}, not active`);
      await updateOvfStore(call, sd);
      return { status: 'complete' };
    },
  },
});

/** The snapshot volumes of the disks the domain holds. */
async function domainDiskSnapshots(call: Call): Promise<Obj[]> {
  const sd = await load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains);
  const disks = await call.repo.list(T.Disk, { storage_domain: String(sd.id) });
  return (await Promise.all(disks.map((d) => call.repo.list(T.DiskSnapshot, { disk: String(d.id) })))).flat();
}

export const storageDomainDiskSnapshots = implement(S.StorageDomainDiskSnapshots, {
  list: async (call, o) => (await domainDiskSnapshots(call)).slice(0, o.max),
});
export const storageDomainDiskSnapshot = implement(S.StorageDomainDiskSnapshot, {
  async get(call) {
    const found = (await domainDiskSnapshots(call)).find((s) => s.id === call.scope[1]);
    if (!found) throw notFound(`Disk snapshot '${call.scope[1]}' is not on storage domain ${call.scope[0]}`);
    return found;
  },
});

async function isoDomain(call: Call): Promise<Obj> {
  const sd = await load({ ...call, scope: call.scope.slice(0, 1) }, S.StorageDomains);
  if (sd.type !== 'iso') throw badRequest(`Storage domain ${String(sd.name)} is not an ISO domain: it has no files`);
  return sd;
}

const fileOf = (sd: Obj, name: string): Obj => ({ id: name, name, type: 'iso', storage_domain: refTo(sd) });

export const storageDomainFiles = implement(S.StorageDomainFiles, {
  async list(call, o) {
    const sd = await isoDomain(call);
    const names = await call.engine.storage.isoFiles(sd);
    return names.slice(0, o.max ?? names.length).map((n) => fileOf(sd, n));
  },
});

export const storageDomainFile = implement(S.StorageDomainFile, {
  async get(call) {
    const sd = await isoDomain(call);
    const name = call.scope[1];
    if (!(await call.engine.storage.isoFiles(sd)).includes(name)) throw notFound(`File '${name}' does not exist`);
    return fileOf(sd, name);
  },
});
