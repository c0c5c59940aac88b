// Who may do what where: a caller's permits on an object are those of the roles given to the
// caller (or the caller's groups) on the object, on any object it inherits from (a VM's cluster,
// the cluster's data center, ...: each type's `inherits` link) or on the whole system.
import { StructType, attributeOf } from '../model/meta';
import { Obj, Value, isObj } from '../model/codec';
import * as T from '../model/types';
import { Repo, RowCondition } from '../services/store/repo';
import { tableOf } from '../services/store/tables';
import { Principal } from '../services/behaviour';
import { PERMISSION_OBJECTS } from '../services/identity';
import { resolve } from '../services/refs';
import { ROLES } from '../services/store/builtin-roles';
import { groupsOf } from './directory';
import { SharedReads } from './shared-reads';
import { Knex } from 'knex';

/** The scope of permissions given on the whole system. */
export const SYSTEM = 'system';
const SUPER_USER = ROLES.find((r) => r.name === 'SuperUser')!.id;
const key = (type: StructType, id: unknown) => `${type.element}:${String(id)}`;

/** Where a permission applies: `vm:<id>`, or `system`. */
function scopeOf(permission: Obj): string {
  for (const name of PERMISSION_OBJECTS) {
    const ref = permission[name];
    if (isObj(ref) && ref.id !== undefined) return `${name}:${String(ref.id)}`;
  }
  return SYSTEM;
}

interface Grant {
  scope: string;
  role: string;
  permits: Set<string>;
  administrative: boolean;
}

/** The tables a caller's grants are made from. */
const GRANT_TABLES = [T.Permission, T.Role, T.GroupMembership];
/** Grants the reads of each database's engine share: every request would otherwise read them again. */
const sharedGrants = new WeakMap<Knex, SharedReads<Grant[]>>();

export class Access {
  private grantsCache?: Promise<Grant[]>;

  /**
   * With `sharedMs`, reads outside a transaction share the caller's grants with other reads for
   * that long at most (the bound for changes other processes make; this process's own changes
   * are seen at once). Writes read them in their transaction, as it may change them.
   */
  constructor(private readonly repo: Repo, readonly principal: Principal, private readonly sharedMs = 0) {}

  /** The roles given to the caller and the caller's groups, with their permits. */
  private grants(): Promise<Grant[]> {
    const db = this.repo.db;
    if (!this.sharedMs || 'executionPromise' in db) return (this.grantsCache ??= this.readGrants());
    let shared = sharedGrants.get(db);
    if (!shared) sharedGrants.set(db, (shared = new SharedReads(GRANT_TABLES, this.sharedMs)));
    return (this.grantsCache ??= shared.get(this.principal.userId, () => this.readGrants()));
  }

  private readGrants(): Promise<Grant[]> {
    return (async () => {
      const groups = await groupsOf(this.repo, this.principal.userId);
      const permissions = [
        ...(await this.repo.list(T.Permission, { user: this.principal.userId })),
        ...(await Promise.all(groups.map((g) => this.repo.list(T.Permission, { group: g })))).flat(),
      ];
      const roles = new Map<string, Obj | undefined>();
      const out: Grant[] = [];
      for (const p of permissions) {
        const roleId = String((p.role as Obj).id);
        if (!roles.has(roleId)) roles.set(roleId, await this.repo.get(T.Role, roleId));
        const role = roles.get(roleId);
        if (!role) continue;
        const permits = new Set((Array.isArray(role.permits) ? role.permits : []).filter(isObj).map((x) => String(x.name)));
        out.push({ scope: scopeOf(p), role: roleId, permits, administrative: role.administrative === true });
      }
      return out;
    })();
  }

  /** Whether an administrative role is given to the caller on the whole system: such users see everything. */
  async isSystemAdmin(): Promise<boolean> {
    return (await this.grants()).some((g) => g.scope === SYSTEM && g.administrative);
  }

  /** Whether any role given to the caller, anywhere, is administrative. */
  async hasAdministrativeRole(): Promise<boolean> {
    return (await this.grants()).some((g) => g.administrative);
  }

  /** Whether the caller is a SuperUser on the whole system: only such users give administrative roles. */
  async isSystemSuperUser(): Promise<boolean> {
    return (await this.grants()).some((g) => g.scope === SYSTEM && g.role === SUPER_USER);
  }

  /** The object and every object it inherits permissions from, then the system. */
  async chain(type: StructType, obj: Obj): Promise<string[]> {
    const out = [key(type, obj.id)];
    let t = type;
    let o: Obj | undefined = obj;
    while (t.inherits && o) {
      const ref: Value | undefined = o[t.inherits];
      const a = attributeOf(t, t.inherits);
      if (!a || !isObj(ref) || ref.id === undefined) break;
      const parentType = a.type() as StructType;
      out.push(key(parentType, ref.id));
      o = await this.repo.get(parentType, String(ref.id));
      t = parentType;
    }
    out.push(SYSTEM);
    return out;
  }

  /** The chain of the object a permission names, by id or name (the system for system-wide ones). */
  async chainOfPermission(permission: Obj): Promise<string[]> {
    const name = PERMISSION_OBJECTS.find((n) => isObj(permission[n]));
    if (!name) return [SYSTEM];
    const type = attributeOf(T.Permission, name)!.type() as StructType;
    return this.chain(type, await resolve(this.repo, type, permission[name], name));
  }

  async can(permit: string, chain: string[]): Promise<boolean> {
    const scopes = new Set(chain);
    return (await this.grants()).some((g) => scopes.has(g.scope) && g.permits.has(permit));
  }

  /** Whether the caller holds the permit on some object or the system. */
  async holdsAnywhere(permit: string): Promise<boolean> {
    return (await this.grants()).some((g) => g.permits.has(permit));
  }

  /** Whether the caller has any role on the object or what it inherits from. */
  async sees(chain: string[]): Promise<boolean> {
    const scopes = new Set(chain);
    return (await this.grants()).some((g) => scopes.has(g.scope));
  }

  /**
   * The condition on the rows of `type` that `sees` holds for, for the database to apply: the
   * object has a role of the caller's, or what it inherits from (through the `inherits` link
   * columns) has; none when a role on the whole system lets the caller see every one.
   */
  async seenRows(type: StructType): Promise<RowCondition | undefined> {
    const scopes = new Set((await this.grants()).map((g) => g.scope));
    if (scopes.has(SYSTEM)) return undefined;
    const condition = (t: StructType): RowCondition => (q) => {
      const prefix = `${t.element}:`;
      q.whereIn('id', [...scopes].filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)));
      const parent = t.inherits ? attributeOf(t, t.inherits)?.type() : undefined;
      const column = tableOf(t).refColumns.find((r) => r.attribute === t.inherits)?.column;
      if (parent?.kind === 'struct' && column) {
        q.orWhereIn(column, this.repo.db(tableOf(parent).name).select('id').where(condition(parent)));
      }
    };
    return condition(type);
  }
}
