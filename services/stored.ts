// Generic behaviours for services whose objects live in the store; modules customise them
// with hooks rather than writing list/get/add/update/remove again.
import { randomUUID } from 'node:crypto';
import { CollectionService, EntityService, ObjOf, StructType } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { outOfRange } from '../model/ranges';
import { Call, CollectionBehaviour, Engine, EntityBehaviour, ownersOf } from './behaviour';
import { badRequest, conflict, notFound } from './fault';
import { removeOwnedBy } from './ownership';
import { StoredObj } from './store/repo';

/** Hooks of a collection of objects of type `T`. */
export interface CollectionHooks<T extends StructType = StructType> {
  /** Validates the body and fills in what the engine decides; returns the object to store. */
  prepare?(call: Call, body: ObjOf<T>): Promise<ObjOf<T>> | ObjOf<T>;
  /** Work that must happen in the same transaction after the insert (child rows). */
  created?(call: Call, obj: StoredObj<T>): Promise<void>;
  /**
   * File-system work for the new object, run once the transaction has committed (see
   * file-work.ts); when it fails, the object is removed again and the request fails.
   */
  files?(engine: Engine, obj: StoredObj<T>): Promise<void>;
  /** Names must be unique among the objects matching these owners (all, when empty). */
  uniqueName?: (call: Call, obj: ObjOf<T>) => Record<string, string>;
}

/** Hooks of the entities of type `T`. */
export interface EntityHooks<T extends StructType = StructType> {
  /** Turns the stored object into what clients see (live sizes, computed members). */
  view?(call: Call, obj: StoredObj<T>): Promise<ObjOf<T>> | ObjOf<T>;
  /** Validates an update and returns the object to store. */
  apply?(call: Call, current: StoredObj<T>, changes: ObjOf<T>): Promise<ObjOf<T>> | ObjOf<T>;
  /** Side effects of an update, once the row is stored (`previous` is what it was). */
  updated?(call: Call, stored: StoredObj<T>, previous: StoredObj<T>): Promise<void>;
  /** Checks and side effects before the row goes; throw to refuse. */
  removing?(call: Call, obj: StoredObj<T>): Promise<void>;
}

/** The hooks of a type whose collection and entity services share them. */
export type StoredHooks<T extends StructType> = CollectionHooks<T> & EntityHooks<T>;

/** Merges `changes` into `current`: structs merge member by member, lists and links replace. */
export function mergeInto<T extends StructType>(type: T, current: ObjOf<T>, changes: ObjOf<T>): ObjOf<T> {
  const held = current as Obj;
  const out: Obj = { ...held };
  for (const a of type.attributes) {
    const v = (changes as Obj)[a.name];
    if (v === undefined) continue;
    const t = a.type();
    const prev = held[a.name];
    out[a.name] = !a.list && !a.link && t.kind === 'struct' && isObj(prev) && isObj(v) ? mergeInto(t, prev, v) : v;
  }
  return out as ObjOf<T>;
}

/**
 * Refuses an object outside the model's ranges. The body was checked alone; what it makes with a
 * template's or the stored values must hold too (vCPUs of a topology, memory under its maximum).
 */
function checkValues(type: StructType, obj: Obj): void {
  const wrong = outOfRange(type, obj);
  if (wrong) throw badRequest(wrong);
}

/**
 * The object the owning service keeps for the entity addressed by `call.scope`. A write locks its
 * row until commit, so the state it checks is the state it changes and concurrent writers queue.
 */
export async function load<T extends StructType>(call: Call, collection: CollectionService<T>): Promise<StoredObj<T>> {
  const type = collection.type();
  const id = call.scope[call.scope.length - 1];
  const obj = await call.repo.getForUpdate(type, id, ownersOf(collection, call.scope.slice(0, -1)));
  if (!obj) throw notFound(`${type.name} '${id}' does not exist`);
  return obj;
}

async function checkUniqueName(call: Call, type: StructType, name: unknown, owners: Record<string, string>, self?: unknown) {
  if (name === undefined) return;
  const same = await call.repo.list(type, owners, { where: { name: String(name) } });
  if (same.some((o) => o.id !== self)) {
    throw conflict(`Cannot save ${type.name}: the name '${String(name)}' is already in use`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id of a new object: the client's, when it gives one, must be a UUID as oVirt's ids are (ids
 * name directories and files, so nothing else is kept) and not in use; else a new one.
 */
export async function newId(call: Pick<Call, 'repo'>, type: StructType, given: unknown): Promise<string> {
  if (given === undefined) return randomUUID();
  if (typeof given !== 'string' || !UUID.test(given)) throw badRequest(`${type.name} id must be a UUID, got '${String(given)}'`);
  const id = given.toLowerCase();
  if (await call.repo.get(type, id)) throw conflict(`Cannot add ${type.name}: the id '${id}' is already in use`);
  return id;
}

/** A collection of stored rows; its add runs all in the transaction, so other behaviours may add through it. */
export type StoredCollection<T extends StructType> = CollectionBehaviour<T> & { add?(call: Call, body: ObjOf<T>): Promise<Obj> };

export function storedCollection<T extends StructType>(service: CollectionService<T>, hooks: CollectionHooks<NoInfer<T>> = {}): StoredCollection<T> {
  const type = service.type();
  return {
    list: (call, o) => call.repo.list<StructType>(type, ownersOf(service, call.scope), { max: o.max, seen: o.seen, page: o.page }),
    listsSeen: true,
    add: service.add
      ? async (call, body) => {
          const owners = ownersOf(service, call.scope);
          const id = await newId(call, type, (body as Obj).id);
          const prepared = (hooks.prepare ? await hooks.prepare(call, body) : body) as Obj;
          checkValues(type, prepared);
          const held: Obj = { ...prepared, id };
          for (const [attr, owner] of Object.entries(owners)) held[attr] = { id: owner };
          const obj = held as StoredObj<T>;
          if (hooks.uniqueName) await checkUniqueName(call, type, held.name, hooks.uniqueName(call, obj));
          await call.repo.insert(type, obj);
          if (hooks.created) await hooks.created(call, obj);
          const files = hooks.files;
          if (files) {
            call.files.afterCommit({
              what: `making the files of ${type.name} ${String(held.name ?? id)}`,
              run: () => files(call.engine, obj),
              undo: async (repo) => void (await repo.remove(type, id, owners)),
            });
          }
          return held;
        }
      : undefined,
  };
}

export function storedEntity<T extends StructType>(
  collection: CollectionService<T>,
  service: EntityService<T>,
  hooks: EntityHooks<NoInfer<T>> & Pick<CollectionHooks<NoInfer<T>>, 'uniqueName'> = {},
): EntityBehaviour<T> {
  const type = collection.type();
  const view = async (call: Call, obj: StoredObj<T>) => (hooks.view ? await hooks.view(call, obj) : obj) as Obj;
  return {
    get: async (call) => view(call, await load(call, collection)),
    update: service.update
      ? async (call, changes) => {
          const loaded = await load(call, collection);
          const current = loaded as Obj;
          const next = (hooks.apply ? await hooks.apply(call, loaded, changes) : mergeInto(type, loaded, changes)) as Obj;
          next.id = current.id;
          // An object stays with the entity owning its collection (a NIC with its VM).
          if (collection.owner) next[collection.owner] = current[collection.owner];
          checkValues(type, next);
          const stored = next as StoredObj<T>;
          if (hooks.uniqueName && next.name !== current.name) {
            await checkUniqueName(call, type, next.name, hooks.uniqueName(call, stored), current.id);
          }
          await call.repo.update(type, stored, ownersOf(collection, call.scope.slice(0, -1)));
          if (hooks.updated) await hooks.updated(call, stored, loaded);
          // The route shows it through the collection's view, after the transaction.
          return stored;
        }
      : undefined,
    remove: service.remove
      ? async (call) => {
          const loaded = await load(call, collection);
          if (hooks.removing) await hooks.removing(call, loaded);
          await call.repo.remove(type, loaded.id, ownersOf(collection, call.scope.slice(0, -1)));
          await removeOwnedBy(call.repo, type, loaded.id);
        }
      : undefined,
  };
}
