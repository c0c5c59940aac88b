// Service locators: the service tree of `model/services.ts`, walked at run time from its root and
// typed at compile time from the same declarations, so no service has a class of its own.
//
// A collection locator lists and adds; its members are reached by an accessor named after the
// collection's type, its name with the first letter in lower case (`Vm` → `vms().vm(id)`,
// `DiskAttachment` → `diskattachments().diskAttachment(id)`). An entity locator gets, updates
// and removes, has a method per action (`vm(id).start()`) and one per sub-collection, named as
// its path segment (`vm(id).diskattachments()`).
import { ActionDecl, CollectionService, EntityService, GET_PARAMS, LIST_PARAMS, ObjOf, READ_PARAMS, StructType } from '../model/meta';
import { Root } from '../model/services';
import { Action } from '../model/types';
import { readJson, readJsonList, writeJson } from '../model/codec/json';
import type { Obj } from '../model/codec/value';
import type { Connection, Query } from './connection';

type Locators = Readonly<Record<string, () => CollectionService>>;

/** A list as one JSON object per line. */
const NDJSON_TYPE = 'application/x-ndjson';
/** Objects keep the `href` they are answered with, as the oVirt SDKs' objects do. */
const ANSWERED = { hrefs: true } as const;

/** Values of declared query parameters, each optional, typed as declared. */
export type ParamValues<P> = {
  -readonly [K in keyof P]?: P[K] extends 'boolean' ? boolean : P[K] extends 'integer' ? number : string;
};

type TypeOf<S> = S extends { type: () => infer T extends StructType } ? T : StructType;
/** The objects a service serves, typed from its type's declaration. */
export type ObjectOf<S> = ObjOf<TypeOf<S>>;
type ParamsOf<M> = M extends { params: infer P } ? P : Record<never, never>;
type ReadParams = typeof READ_PARAMS;
type GetParams = typeof GET_PARAMS;

/** The parameters of an action call and what it answers (its job, its status, ...). */
export type ActionBody = ObjOf<typeof Action>;

/** The accessor of a collection's members: its type's name, first letter in lower case. */
type AccessorOf<T> = T extends { name: infer N extends string } ? (string extends N ? never : Uncapitalize<N>) : never;

export type RootLocator<L extends Locators = typeof Root.locators> = {
  [K in keyof L]: () => CollectionLocator<ReturnType<L[K]>>;
};

type ListOptions<C> = ParamValues<typeof LIST_PARAMS & (C extends { list: infer P } ? P : Record<never, never>)>;

export type CollectionLocator<C> = {
  /** Its path below the API root (`/vms/123/nics`). */
  readonly path: string;
  list(options?: ListOptions<C>): Promise<ObjectOf<C>[]>;
  /** The same list, each object as it arrives (NDJSON, a Hangar extension): a long list is never held whole. */
  stream(options?: ListOptions<C>): AsyncGenerator<ObjectOf<C>>;
} & (C extends { add: infer M } ? { add(obj: ObjectOf<C>, options?: ParamValues<ReadParams & ParamsOf<M>>): Promise<ObjectOf<C>> } : unknown) & {
  [K in AccessorOf<TypeOf<C>>]: (id: string) => EntityLocator<C extends { entity: () => infer E } ? E : never>;
};

type ActionsOf<E> = E extends { actions: readonly (infer A)[] } ? (A extends ActionDecl<infer N> ? N : never) : never;
type SubCollections<E> = E extends { locators: infer L extends Locators } ? { [K in keyof L]: () => CollectionLocator<ReturnType<L[K]>> } : unknown;

export type EntityLocator<E> = {
  readonly path: string;
  get(options?: ParamValues<GetParams & (E extends { getParams: infer P } ? P : Record<never, never>)>): Promise<ObjectOf<E>>;
} & (E extends { update: infer M } ? { update(patch: ObjectOf<E>, options?: ParamValues<ReadParams & ParamsOf<M>>): Promise<ObjectOf<E>> } : unknown)
  & (E extends { remove: infer M } ? { remove(options?: ParamValues<ParamsOf<M>>): Promise<void> } : unknown)
  & { [N in ActionsOf<E>]: (body?: ActionBody) => Promise<ActionBody> }
  & SubCollections<E>;

/** What every entity locator has, whatever its service: enough to read its object again. */
export interface Readable<O = unknown> {
  readonly path: string;
  get(): Promise<O>;
}

/** The locator each object a locator answered came from, so it can be read again. */
const origins = new WeakMap<object, Readable>();

/** The locator `obj` was read from, if a locator answered it. */
export function locatorOf<O extends object>(obj: O): Readable<O> | undefined {
  return origins.get(obj) as Readable<O> | undefined;
}

function tracked(obj: Obj, locator: Readable): Obj {
  origins.set(obj, locator);
  return obj;
}

/** The accessor name of a collection's members, at run time (see the head of this file). */
export function accessorOf(type: StructType): string {
  return type.name[0].toLowerCase() + type.name.slice(1);
}

type Runtime = Record<string, unknown>;

function subCollections(conn: Connection, path: string, locators: Locators): Runtime {
  return Object.fromEntries(Object.entries(locators).map(([segment, locate]) => [segment, () => collectionLocator(conn, `${path}/${segment}`, locate())]));
}

function collectionLocator(conn: Connection, path: string, c: CollectionService): Runtime {
  const type = c.type();
  const member = (id: string) => entityLocator(conn, `${path}/${encodeURIComponent(id)}`, c.entity());
  const loc: Runtime = {
    path,
    async list(options: Query = {}) {
      const reply = await conn.request('GET', path, { query: options });
      return readJsonList(type, reply.text, ANSWERED).map((obj) => tracked(obj, member(String(obj.id))));
    },
    async *stream(options: Query = {}) {
      for await (const line of conn.lines('GET', path, { query: options, accept: NDJSON_TYPE })) {
        const obj = readJson(type, line, ANSWERED);
        yield tracked(obj, member(String(obj.id)));
      }
    },
    [accessorOf(type)]: member,
  };
  if (c.add) {
    loc.add = async (obj: Obj, options: Query = {}) => {
      const reply = await conn.request('POST', path, { query: options, body: writeJson(type, obj) });
      const made = readJson(type, reply.text, ANSWERED);
      return tracked(made, member(String(made.id)));
    };
  }
  return loc;
}

function entityLocator(conn: Connection, path: string, e: EntityService): Runtime & Readable<Obj> {
  const type = e.type();
  const loc: Runtime & Readable<Obj> = {
    path,
    async get(options: Query = {}) {
      return tracked(readJson(type, (await conn.request('GET', path, { query: options })).text, ANSWERED), loc);
    },
    ...subCollections(conn, path, e.locators),
  };
  if (e.update) {
    loc.update = async (patch: Obj, options: Query = {}) =>
      tracked(readJson(type, (await conn.request('PUT', path, { query: options, body: writeJson(type, patch) })).text, ANSWERED), loc);
  }
  if (e.remove) {
    loc.remove = async (options: Query = {}) => {
      await conn.request('DELETE', path, { query: options });
    };
  }
  for (const a of e.actions) {
    loc[a.name] = async (body: Obj = {}) => readJson(Action, (await conn.request('POST', `${path}/${a.name}`, { body: writeJson(Action, body) })).text);
  }
  return loc;
}

/** The root locator of `conn`: a method per top-level collection. */
export function rootLocator(conn: Connection): RootLocator {
  // The one place the run-time walk meets its compile-time type: both read the same tree.
  return subCollections(conn, '', Root.locators) as unknown as RootLocator;
}
