// Generic behaviours for services whose objects live in the store; modules customise them
// with hooks rather than writing list/get/add/update/remove again.
import { randomUUID } from 'node:crypto';
import { CollectionService, EntityService, StructType } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { outOfRange } from '../model/ranges';
import { Call, CollectionBehaviour, EntityBehaviour, ownersOf } from './behaviour';
import { badRequest, conflict, notFound } from './fault';

export interface CollectionHooks {
  /** Validates the body and fills in what the engine decides; returns the object to store. */
  prepare?(call: Call, body: Obj): Promise<Obj> | Obj;
  /** Work that must happen in the same transaction after the insert (files, child rows). */
  created?(call: Call, obj: Obj): Promise<void>;
  /** Names must be unique among the objects matching these owners (all, when empty). */
  uniqueName?: (call: Call, body: Obj) => Record<string, string>;
}

export interface EntityHooks {
  /** Turns the stored object into what clients see (live sizes, computed members). */
  view?(call: Call, obj: Obj): Promise<Obj> | Obj;
  /** Validates an update and returns the object to store. */
  apply?(call: Call, current: Obj, changes: Obj): Promise<Obj> | Obj;
  /** Checks and side effects before the row goes; throw to refuse. */
  removing?(call: Call, obj: Obj): Promise<void>;
}

/** Merges `changes` into `current`: structs merge member by member, lists and links replace. */
export function mergeInto(type: StructType, current: Obj, changes: Obj): Obj {
  const out: Obj = { ...current };
  for (const a of type.attributes) {
    const v = changes[a.name];
    if (v === undefined) continue;
    const t = a.type();
    const prev = current[a.name];
    out[a.name] = !a.list && !a.link && t.kind === 'struct' && isObj(prev) && isObj(v) ? mergeInto(t, prev, v) : v;
  }
  return out;
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
export async function load(call: Call, collection: CollectionService): Promise<Obj> {
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

export function storedCollection(service: CollectionService, hooks: CollectionHooks = {}): CollectionBehaviour {
  const type = service.type();
  return {
    list: (call, o) => call.repo.list(type, ownersOf(service, call.scope), { max: o.max }),
    add: service.add
      ? async (call, body) => {
          const owners = ownersOf(service, call.scope);
          const prepared = hooks.prepare ? await hooks.prepare(call, body) : body;
          checkValues(type, prepared);
          const obj: Obj = { ...prepared, id: prepared.id ?? randomUUID() };
          for (const [attr, id] of Object.entries(owners)) obj[attr] = { id };
          if (hooks.uniqueName) await checkUniqueName(call, type, obj.name, hooks.uniqueName(call, obj));
          await call.repo.insert(type, obj);
          if (hooks.created) await hooks.created(call, obj);
          return obj;
        }
      : undefined,
  };
}

export function storedEntity(
  collection: CollectionService,
  service: EntityService,
  hooks: EntityHooks & Pick<CollectionHooks, 'uniqueName'> = {},
): EntityBehaviour {
  const type = service.type();
  const view = (call: Call, obj: Obj) => (hooks.view ? hooks.view(call, obj) : obj);
  return {
    get: async (call) => view(call, await load(call, collection)),
    update: service.update
      ? async (call, changes) => {
          const current = await load(call, collection);
          const next = hooks.apply ? await hooks.apply(call, current, changes) : mergeInto(type, current, changes);
          next.id = current.id;
          checkValues(type, next);
          if (hooks.uniqueName && next.name !== current.name) {
            await checkUniqueName(call, type, next.name, hooks.uniqueName(call, next), current.id);
          }
          await call.repo.update(type, next, ownersOf(collection, call.scope.slice(0, -1)));
          return view(call, next);
        }
      : undefined,
    remove: service.remove
      ? async (call) => {
          const obj = await load(call, collection);
          if (hooks.removing) await hooks.removing(call, obj);
          await call.repo.remove(type, String(obj.id), ownersOf(collection, call.scope.slice(0, -1)));
        }
      : undefined,
  };
}
