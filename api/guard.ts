// Authorization of each call, derived from the tree: writes need the permit their method
// declares on the object they act on (for sub-collections: the owning entity, or the whole
// system where the collection is `systemWide`; for new top-level objects: the object the body's
// links of the add's `on` name, by default the inherited link; else the system), adds also the
// permits their `linked` body links declare on the existing objects those name, and in the user
// view (`Filter: true` or `filter=true`) only objects the caller has a role on are seen. Users
// without administrative roles must use the user view to read, as in oVirt, and administrative
// roles on some objects only give it too: only administrators of the whole system read
// everything. Collections every user reads (oVirt's user queries: operating systems, cluster
// levels) are seen whole, in the user view or not. Writes are judged by permits alone (ovirtsdk4
// sends `filter` only with reads); giving and taking away permissions also by the granter's own
// permits.
import { Request } from '@hapi/hapi';
import { CollectionService, PermitName, StructType, attributeOf } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { CollectionRoute } from '../model/tree';
import { Call, ListOptions } from '../services/behaviour';
import { Page } from '../services/store/repo';
import { resolve } from '../services/refs';
import { forbidden, notFound } from '../services/fault';
import { permissionObject } from '../services/identity';
import * as T from '../model/types';
import { Access, SYSTEM } from '../sso/access';
import { header } from './negotiation';

const lacking = (permit: PermitName) => forbidden(`The user is not allowed to do this: it needs the ${permit} permit`);

/** The user view is asked with the `Filter: true` header or the `filter=true` parameter. */
export function filterAsked(request: Request, params: Call['params']): boolean {
  return String(header(request, 'filter') ?? '').toLowerCase() === 'true' || params.filter === true;
}

/** Self-service routes live under the caller's own user: /users/{me}/... */
function selfService(route: CollectionRoute, scope: readonly string[], userId: string): boolean {
  return route.segments[0] === 'users' && scope[0] === userId &&
    (route.chain.length === 1 ? route.collection.entity().selfService === true : route.collection.selfService === true);
}

export class Guard {
  private constructor(
    private readonly access: Access,
    private readonly route: CollectionRoute,
    readonly filter: boolean,
    private readonly self: boolean,
    /** Whether the caller is an administrator of the whole system. */
    private readonly everything: boolean,
  ) {}

  /**
   * Refuses reads by callers without administrative roles who do not ask for the user view.
   * Administrative roles on some objects only give the user view: what those roles reach.
   */
  static async of(call: Call, route: CollectionRoute, request: Request, write: boolean): Promise<Guard> {
    const access = new Access(call.repo, call.principal, call.engine.config.revocationRefreshMs);
    const everything = await access.isSystemAdmin();
    const filter = filterAsked(request, call.params) || (!everything && (await access.hasAdministrativeRole()));
    const self = selfService(route, call.scope, call.principal.userId);
    if (!write && !filter && !self && !everything && route.collection.everyoneReads !== true) {
      throw forbidden('Users without administrative roles must ask for the user view: send the header Filter: true');
    }
    return new Guard(access, route, filter, self, everything);
  }

  /**
   * The guard of another route reached in the same request (by `follow`, at `scope`): it shows
   * what the caller's own read of that route would, so all but system administrators get the
   * user view there.
   */
  along(route: CollectionRoute, scope: readonly string[]): Guard {
    const self = selfService(route, scope, this.access.principal.userId);
    return new Guard(this.access, route, this.filter || !this.everything, self, this.everything);
  }

  private get depth(): number {
    return this.route.chain.length;
  }

  /** The entity owning the collection at `scope` (for sub-collections) with its type. */
  private async owner(call: Call): Promise<{ type: StructType; obj: Obj } | undefined> {
    if (this.depth < 2) return undefined;
    const parent: CollectionService = this.route.chain[this.depth - 2];
    const scope = call.scope.slice(0, this.depth - 1);
    const obj = await call.engine.behaviours.entity(parent.entity()).get({ ...call, scope });
    return { type: parent.type(), obj };
  }

  private async require(permit: PermitName, chain: string[]): Promise<void> {
    if (this.self) return;
    if (!(await this.access.can(permit, chain))) throw lacking(permit);
  }

  /** Before an add to the collection. */
  async add(call: Call, permit: PermitName, body: Obj): Promise<void> {
    await this.require(permit, await this.addChain(call, body));
    for (const linked of this.route.collection.add?.linked ?? []) {
      const chain = await this.existingChain(call, linked.link, body[linked.link]);
      if (chain) await this.require(linked.permit, chain);
    }
    if (this.route.collection.type() === T.Permission) {
      const given = { ...permissionObject(this.route.collection, call.scope, body), role: body.role };
      await this.grantable(call, given, 'give');
    }
  }

  /** Where an add acts: the owner of a sub-collection, else the object the body's links of `on` name, else the system. */
  private async addChain(call: Call, body: Obj): Promise<string[]> {
    if (this.route.collection.systemWide) return [SYSTEM];
    const owner = await this.owner(call);
    if (owner) return this.access.chain(owner.type, owner.obj);
    const name = this.addLinks().find((n) => isObj(body[n]));
    return name ? this.linkedChain(call, name, body[name]) : [SYSTEM];
  }

  /** The type the link `name` of this collection's type leads to. */
  private linkType(name: string): StructType {
    return attributeOf(this.route.collection.type(), name)!.type() as StructType;
  }

  /** The permission chain of the object the link `name` of this collection's type names. */
  private async linkedChain(call: Call, name: string, ref: unknown): Promise<string[]> {
    const targetType = this.linkType(name);
    return this.access.chain(targetType, await resolve(call.repo, targetType, ref, name));
  }

  /** The permission chain of the object the link `name` names by id, where there is one. */
  private async existingChain(call: Call, name: string, ref: unknown): Promise<string[] | undefined> {
    if (!isObj(ref) || ref.id === undefined) return undefined;
    const targetType = this.linkType(name);
    const found = await call.repo.get(targetType, String(ref.id));
    return found && this.access.chain(targetType, found);
  }

  /**
   * Before an add's body is read: where the URL names the object, the exact check; where the
   * body's links will (a new top-level object: a VM's cluster, a transfer's disk), whether the
   * caller holds the permit anywhere at all.
   */
  async mayAdd(call: Call, permit: PermitName): Promise<void> {
    if (this.depth > 1 || this.addLinks().length === 0) return this.require(permit, await this.addChain(call, {}));
    if (!this.self && !(await this.access.holdsAnywhere(permit))) throw lacking(permit);
  }

  /** The body links naming what a new top-level object acts on: the add's `on`, else the inherited link. */
  private addLinks(): readonly string[] {
    const type = this.route.collection.type();
    return this.route.collection.add?.on ?? (type.inherits ? [type.inherits] : []);
  }

  /** Before an update, removal or action on the entity at `call.scope`; `obj` is the entity. */
  async act(call: Call, permit: PermitName, obj: Obj): Promise<void> {
    const owner = await this.owner(call);
    const chain = this.route.collection.systemWide ? [SYSTEM]
      : owner ? await this.access.chain(owner.type, owner.obj) : await this.access.chain(this.route.collection.type(), obj);
    await this.require(permit, chain);
    if (this.route.collection.type() === T.Permission) await this.grantable(call, obj, 'take away');
  }

  /**
   * Before an update that gives the entity's inherited link (a VM's cluster): moving it there
   * needs the update's permit on the new target too, as adding it there would.
   */
  async relink(call: Call, permit: PermitName, changes: Obj): Promise<void> {
    const type = this.route.collection.type();
    const name = type.inherits;
    if (!name || !isObj(changes[name]) || this.route.collection.owner === name) return;
    await this.require(permit, await this.linkedChain(call, name, changes[name]));
  }

  /**
   * Granting is bounded by what the granter holds, as in oVirt: only a SuperUser of the whole
   * system gives (or takes away) administrative roles, and others only roles whose every permit
   * they hold on the permission's object.
   */
  private async grantable(call: Call, permission: Obj, verb: string): Promise<void> {
    const role = await resolve(call.repo, T.Role, permission.role, 'role');
    if (role.administrative === true && !(await this.access.isSystemSuperUser())) {
      throw forbidden(`Only a SuperUser of the whole system may ${verb} the administrative role ${String(role.name)}`);
    }
    const chain = await this.access.chainOfPermission(permission);
    const permits = (Array.isArray(role.permits) ? role.permits : []).filter(isObj).map((p) => String(p.name));
    const held = await Promise.all(permits.map((p) => this.access.can(p, chain)));
    const missing = permits.filter((_, i) => !held[i]);
    if (missing.length) {
      throw forbidden(`The user may ${verb} only roles whose permits it holds on the object: ${String(role.name)} has ${missing.join(', ')}`);
    }
  }

  /**
   * What of the collection the caller may see, at most `max`; `find` lists it (its next `page`
   * where it is read page by page). In the user view a sub-collection is seen whole or not at
   * all, as its owner is; a top-level one is filtered by the database where `find` applies `seen`
   * (`inQuery`), else object by object here, all of it at once.
   */
  async list(call: Call, find: (o: ListOptions) => Promise<Obj[]>, inQuery: boolean, max?: number, page?: Page): Promise<Obj[]> {
    if (!this.filter || this.self || this.route.collection.everyoneReads) return find({ max, page });
    const owner = await this.owner(call);
    if (owner) return (await this.access.sees(await this.access.chain(owner.type, owner.obj))) ? find({ max, page }) : [];
    if (inQuery) return find({ max, page, seen: await this.access.seenRows(this.route.collection.type()) });
    return (await this.visible(call, await find({}))).slice(0, max);
  }

  /** What of the given objects the caller may see. */
  async visible(call: Call, items: Obj[]): Promise<Obj[]> {
    if (!this.filter || this.self || this.route.collection.everyoneReads) return items;
    const owner = await this.owner(call);
    if (owner) return (await this.access.sees(await this.access.chain(owner.type, owner.obj))) ? items : [];
    const type = this.route.collection.type();
    const seen = await Promise.all(items.map(async (o) => this.access.sees(await this.access.chain(type, o))));
    return items.filter((_, i) => seen[i]);
  }

  /** An entity the caller may not see does not exist for it. */
  async see(call: Call, obj: Obj): Promise<Obj> {
    if ((await this.visible(call, [obj])).length === 0) throw notFound(`${this.route.collection.type().name} '${String(obj.id)}' does not exist`);
    return obj;
  }
}
