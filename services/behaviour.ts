// What a service of the tree does. Each module of services/ exports the implementations of the
// services it owns; an engine takes them into its `Behaviours`, and the API binds every route of
// the tree to one.
import { Knex } from 'knex';
import { CollectionService, EntityService, ObjOf, ParamValue, StructType } from '../model/meta';
import * as T from '../model/types';
import { allServices } from '../model/tree';
import { Obj } from '../model/codec';
import { Page, Repo, RowCondition } from './store/repo';
import { Config } from './config';
import { Storage } from './storage';
import { Runtime } from './runtime/runtime';
import { FileWork } from './file-work';
import { Background } from './background';
import { Log } from './log';
import { Metrics } from './metrics';

export interface Engine {
  readonly config: Config;
  readonly db: Knex;
  readonly storage: Storage;
  readonly runtime: Runtime;
  readonly behaviours: Behaviours;
  /** Work that outlasts its request. */
  readonly background: Background;
  /** The process's structured log. */
  readonly log: Log;
  /** What the process tells Prometheus. */
  readonly metrics: Metrics;
}

/** Who is calling, as authentication established it. */
export interface Principal {
  readonly userId: string;
  readonly userName: string;
}

export interface Call {
  readonly engine: Engine;
  /** Bound to the transaction the call runs in. */
  readonly repo: Repo;
  /** File-system work to run once that transaction has committed. */
  readonly files: FileWork;
  readonly principal: Principal;
  /** Ids along the path: `/vms/{0}/nics/{1}` → `[vmId, nicId]`. */
  readonly scope: readonly string[];
  /** The query parameters the method declares that the request gives, typed (`detach_only`, `max`, ...). */
  readonly params: Readonly<Record<string, ParamValue>>;
}

export interface ListOptions {
  max?: number;
  /** In the user view, the condition on what the caller sees: lists that declare `listsSeen` apply it. */
  seen?: RowCondition;
  /** The next page of a list read page by page: lists of stored rows give only it; others may give everything. */
  page?: Page;
}

/** What a collection of objects of type `T` does; a body is decoded by `T`'s declaration. */
export interface CollectionBehaviour<T extends StructType = StructType> {
  list(call: Call, o: ListOptions): Promise<Obj[]>;
  /** Whether `list` applies `o.seen` in its query (else the user view is filtered after it). */
  readonly listsSeen?: boolean;
  add?: Method<ObjOf<T>>;
  /** What clients see of a member found by a search, which reads the stored rows (`list` applies it itself). */
  view?(call: Call, obj: Obj): Promise<Obj>;
}

/** The body of an action, decoded as oVirt's `Action`. */
export type ActionBody = ObjOf<typeof T.Action>;

/** What an entity of type `T` does. */
export interface EntityBehaviour<T extends StructType = StructType> {
  get(call: Call): Promise<Obj>;
  update?(call: Call, body: ObjOf<T>): Promise<Obj>;
  remove?(call: Call): Promise<void>;
  /** Action name → what it does; returns the members of the `<action>` response. */
  actions?: Record<string, Method<ActionBody>>;
}

/**
 * A method that reads files before the request's transaction, since file-system work can block
 * (see file-work.ts): `inspect` reads them with a call whose repo is in no transaction, and
 * returns the phase that runs in the transaction with what it found.
 */
export interface Inspected<B> {
  inspect(call: Call, body: B): Promise<(call: Call) => Promise<Obj>>;
}

/** What an add or an action does: all of it in the request's transaction, or `inspected` first. */
export type Method<B> = ((call: Call, body: B) => Promise<Obj>) | Inspected<B>;

/**
 * A method in two phases: `inspect` finds the facts in the files, then `run`, in the transaction,
 * acts on them. The facts may be a moment old: `run` checks again the database state it needs.
 */
export function inspected<B, F>(inspect: (call: Call, body: B) => Promise<F>, run: (call: Call, body: B, facts: F) => Promise<Obj>): Inspected<B> {
  return {
    async inspect(call, body) {
      const facts = await inspect(call, body);
      return (inTransaction) => run(inTransaction, body, facts);
    },
  };
}

/** What one service does: made by `implement`, given to an engine's `Behaviours`. */
export class Implementation {
  constructor(
    readonly service: CollectionService | EntityService,
    readonly behaviour: CollectionBehaviour | EntityBehaviour,
  ) {}
}

export function implement<T extends StructType>(service: CollectionService<T>, behaviour: CollectionBehaviour<NoInfer<T>>): Implementation;
export function implement<T extends StructType>(service: EntityService<T>, behaviour: EntityBehaviour<NoInfer<T>>): Implementation;
export function implement(service: CollectionService | EntityService, behaviour: CollectionBehaviour | EntityBehaviour): Implementation {
  return new Implementation(service, behaviour);
}

/** The behaviours of an engine: one per service of the tree, each given once. */
export class Behaviours {
  private readonly collections = new Map<CollectionService, CollectionBehaviour>();
  private readonly entities = new Map<EntityService, EntityBehaviour>();

  /**
   * Takes every implementation the modules export, alone or in lists; fails when one of
   * `services` (by default every service of the tree) has none.
   */
  constructor(modules: readonly Record<string, unknown>[], services: readonly (CollectionService | EntityService)[] = allServices()) {
    for (const v of modules.flatMap((m) => Object.values(m)).flat()) if (v instanceof Implementation) this.add(v);
    const missing = services.filter((s) => !(s.kind === 'collection' ? this.collections.has(s) : this.entities.has(s)));
    if (missing.length) throw new Error(`Services without behaviour: ${missing.map((s) => s.name).join(', ')}`);
  }

  private add({ service, behaviour }: Implementation): void {
    const map: Map<unknown, unknown> = service.kind === 'collection' ? this.collections : this.entities;
    if (map.has(service)) throw new Error(`Service ${service.name} is implemented twice`);
    if (service.kind === 'entity') {
      const declared = new Set(service.actions.map((a) => a.name));
      for (const name of Object.keys((behaviour as EntityBehaviour).actions ?? {})) {
        if (!declared.has(name)) throw new Error(`Service ${service.name} declares no action '${name}'`);
      }
    }
    map.set(service, behaviour);
  }

  collection(s: CollectionService): CollectionBehaviour {
    const b = this.collections.get(s);
    if (!b) throw new Error(`Service ${s.name} has no behaviour`);
    return b;
  }

  /**
   * The add of `s`, for a behaviour that adds through it within its own transaction: an add that
   * reads files first cannot be called so.
   */
  adder(s: CollectionService): (call: Call, body: Obj) => Promise<Obj> {
    const add = this.collection(s).add;
    if (typeof add !== 'function') throw new Error(`Service ${s.name} has no add to call within a transaction`);
    return add;
  }

  entity(s: EntityService): EntityBehaviour {
    const b = this.entities.get(s);
    if (!b) throw new Error(`Service ${s.name} has no behaviour`);
    return b;
  }

}

/** The owner filter of a collection reached with `scope`: `{ vm: scope[last] }`. */
export function ownersOf(service: CollectionService, scope: readonly string[]): Record<string, string> {
  return service.owner ? { [service.owner]: scope[scope.length - 1] } : {};
}

