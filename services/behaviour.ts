// What a service of the tree does. Each module of services/ registers behaviours for the
// services it owns; the API binds every route of the tree to the registered behaviour.
import { Knex } from 'knex';
import { CollectionService, EntityService, ParamValue } from '../model/meta';
import { Obj } from '../model/codec';
import { Repo } from './store/repo';
import { Config } from './config';
import { Storage } from './storage';
import { Runtime } from './runtime/runtime';
import { FileWork } from './file-work';

export interface Engine {
  readonly config: Config;
  readonly db: Knex;
  readonly storage: Storage;
  readonly runtime: Runtime;
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
}

export interface CollectionBehaviour {
  list(call: Call, o: ListOptions): Promise<Obj[]>;
  add?(call: Call, body: Obj): Promise<Obj>;
}

export interface EntityBehaviour {
  get(call: Call): Promise<Obj>;
  update?(call: Call, body: Obj): Promise<Obj>;
  remove?(call: Call): Promise<void>;
  /** Action name → what it does; returns the members of the `<action>` response. */
  actions?: Record<string, (call: Call, body: Obj) => Promise<Obj>>;
}

const collections = new Map<CollectionService, CollectionBehaviour>();
const entities = new Map<EntityService, EntityBehaviour>();

export function implement(service: CollectionService, b: CollectionBehaviour): void;
export function implement(service: EntityService, b: EntityBehaviour): void;
export function implement(service: CollectionService | EntityService, b: CollectionBehaviour | EntityBehaviour): void {
  if (service.kind === 'collection') collections.set(service, b as CollectionBehaviour);
  else entities.set(service, b as EntityBehaviour);
}

export function collectionBehaviour(s: CollectionService): CollectionBehaviour | undefined {
  return collections.get(s);
}

export function entityBehaviour(s: EntityService): EntityBehaviour | undefined {
  return entities.get(s);
}

/** The owner filter of a collection reached with `scope`: `{ vm: scope[last] }`. */
export function ownersOf(service: CollectionService, scope: readonly string[]): Record<string, string> {
  return service.owner ? { [service.owner]: scope[scope.length - 1] } : {};
}

