// Authorization of each call, derived from the tree: writes need the permit their method
// declares on the object they act on (for sub-collections: the owning entity; for new
// top-level objects: the object their inherited link names; else the system), and in the user
// view (`Filter: true` or `filter=true`) only objects the caller has a role on are seen.
// Users without administrative roles must use the user view to read, as in oVirt; their
// writes are judged by their permits alone (ovirtsdk4 sends `filter` only with reads).
import { Request } from '@hapi/hapi';
import Boom from '@hapi/boom';
import { CollectionService, PermitName, StructType } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { CollectionRoute } from '../model/tree';
import { Call, entityBehaviour } from '../services/behaviour';
import { resolve } from '../services/refs';
import { FaultData, notFound } from '../services/fault';
import { Access } from '../sso/access';
import { header } from './negotiation';

const forbidden = (detail: string) => new Boom.Boom<FaultData>(detail, { statusCode: 403, data: { reason: 'Forbidden' } });
const lacking = (permit: PermitName) => forbidden(`The user is not allowed to do this: it needs the ${permit} permit`);

export function filterAsked(request: Request): boolean {
  const q: unknown = request.query.filter;
  return String(header(request, 'filter') ?? '').toLowerCase() === 'true' || String(q).toLowerCase() === 'true';
}

export class Guard {
  private constructor(
    private readonly access: Access,
    private readonly route: CollectionRoute,
    readonly filter: boolean,
    private readonly self: boolean,
  ) {}

  /** Refuses reads by callers without administrative roles who do not ask for the user view. */
  static async of(call: Call, route: CollectionRoute, request: Request, write: boolean): Promise<Guard> {
    const access = new Access(call.repo, call.principal);
    const filter = filterAsked(request);
    // Self-service routes live under the caller's own user: /users/{me}/...
    const self = route.segments[0] === 'users' && call.scope[0] === call.principal.userId &&
      (route.chain.length === 1 ? route.collection.entity().selfService === true : route.collection.selfService === true);
    if (!write && !filter && !self && !(await access.isAdmin())) {
      throw forbidden('Users without administrative roles must ask for the user view: send the header Filter: true');
    }
    return new Guard(access, route, filter, self);
  }

  private get depth(): number {
    return this.route.chain.length;
  }

  /** The entity owning the collection at `scope` (for sub-collections) with its type. */
  private async owner(call: Call): Promise<{ type: StructType; obj: Obj } | undefined> {
    if (this.depth < 2) return undefined;
    const parent: CollectionService = this.route.chain[this.depth - 2];
    const scope = call.scope.slice(0, this.depth - 1);
    const obj = await entityBehaviour(parent.entity())!.get({ ...call, scope });
    return { type: parent.type(), obj };
  }

  private async require(permit: PermitName, chain: string[]): Promise<void> {
    if (this.self) return;
    if (!(await this.access.can(permit, chain))) throw lacking(permit);
  }

  /** Before an add to the collection. */
  async add(call: Call, permit: PermitName, body: Obj): Promise<void> {
    const owner = await this.owner(call);
    if (owner) return this.require(permit, await this.access.chain(owner.type, owner.obj));
    const type = this.route.collection.type();
    const link = type.inherits && body[type.inherits];
    if (type.inherits && isObj(link)) {
      const parentType = type.attributes.find((a) => a.name === type.inherits)!.type() as StructType;
      const parent = await resolve(call.repo, parentType, link, type.inherits);
      return this.require(permit, await this.access.chain(parentType, parent));
    }
    return this.require(permit, ['system']);
  }

  /**
   * Before an add's body is read: where the URL names the object, the exact check; where the
   * body's link will (a new top-level object inheriting from it), whether the caller holds the
   * permit anywhere at all.
   */
  async mayAdd(call: Call, permit: PermitName): Promise<void> {
    if (this.depth > 1 || !this.route.collection.type().inherits) return this.add(call, permit, {});
    if (!this.self && !(await this.access.holdsAnywhere(permit))) throw lacking(permit);
  }

  /** Before an update, removal or action on the entity at `call.scope`; `obj` is the entity. */
  async act(call: Call, permit: PermitName, obj: Obj): Promise<void> {
    const owner = await this.owner(call);
    const chain = owner ? await this.access.chain(owner.type, owner.obj) : await this.access.chain(this.route.collection.type(), obj);
    return this.require(permit, chain);
  }

  /** What of a list the caller may see. */
  async visible(call: Call, items: Obj[]): Promise<Obj[]> {
    if (!this.filter || this.self) return items;
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
