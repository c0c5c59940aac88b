// `follow` of links (`follow=nics,disk_attachments.disk`): each link is replaced by what it points
// to, fetched through the behaviours of the tree and shown only as the caller's own read of it
// would show it. A request follows a bounded number of links deep and objects in all, and
// fetches each linked object once however many paths reach it.
import { StructType, attributeOf } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { CollectionRoute, subRoute } from '../model/tree';
import { Call } from '../services/behaviour';
import { badRequest } from '../services/fault';
import { Guard } from './guard';
import { locate } from './present';

export interface FollowLimits {
  /** Links followed one after the other (`disk_attachments.disk` is 2). */
  depth: number;
  /** Objects put in place of links in one response. */
  objects: number;
}

/** Parses `follow=nics,disk_attachments.disk` into paths. */
export function parseFollow(param: string | undefined): string[][] {
  if (!param) return [];
  return param.split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split('.'));
}

/** Paths by their first link: `a.b,a.c,d` → a: [b, c], d: []. */
function byHead(paths: string[][]): Map<string, string[][]> {
  const groups = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) groups.set(head, [...(groups.get(head) ?? []), ...(rest.length ? [rest] : [])]);
  return groups;
}

/** The follows of one request. */
export class Following {
  private readonly paths: string[][];
  /** What each sub-collection or linked entity shows the caller, by its path: fetched once. */
  private readonly shown = new Map<string, Promise<Obj[]>>();
  private placed = 0;

  constructor(private readonly guard: Guard, param: string | undefined, private readonly limits: FollowLimits) {
    this.paths = parseFollow(param);
    const deepest = this.paths.find((p) => p.length > limits.depth);
    if (deepest) throw badRequest(`follow may go at most ${limits.depth} links deep: '${deepest.join('.')}' goes ${deepest.length}`);
  }

  /** `obj`, served by `route` at `call.scope` (its ids), with the asked links followed. */
  follow(call: Call, route: CollectionRoute, obj: Obj): Promise<Obj> {
    return this.along(call, route, obj, this.paths);
  }

  private async along(call: Call, route: CollectionRoute, obj: Obj, paths: string[][]): Promise<Obj> {
    if (!paths.length) return obj;
    const service = route.collection.entity();
    const type = service.type();
    const out: Obj = { ...obj };
    for (const [name, rest] of byHead(paths)) {
      const a = attributeOf(type, name);
      const sub = a?.link && a.list && a.rel ? subRoute(route, a.rel) : undefined;
      if (sub) {
        const items = await this.place(this.members(call, sub));
        out[name] = await Promise.all(items.map((item) => this.along({ ...call, scope: [...call.scope, String(item.id)] }, sub, item, rest)));
      } else if (a?.link && !a.list && isObj(obj[name])) {
        const where = locate(a.type() as StructType, obj[name] as Obj);
        if (!where) throw badRequest(`Cannot follow '${name}': the link has no id`);
        const inner = { ...call, scope: where.ids };
        // What the caller may not see stays a plain link.
        const [target] = await this.place(this.entity(inner, where.home));
        if (target) out[name] = await this.along(inner, where.home, target, rest);
      } else if (!(a?.link && obj[name] === undefined)) {
        throw badRequest(`Cannot follow '${name}': ${type.name} has no such link`);
      }
    }
    return out;
  }

  /** Counts what is put in place of a link against the limit. */
  private async place(shown: Promise<Obj[]>): Promise<Obj[]> {
    const objs = await shown;
    this.placed += objs.length;
    if (this.placed > this.limits.objects) {
      throw badRequest(`follow may put at most ${this.limits.objects} objects in one response: follow fewer links, or ask for fewer objects with max`);
    }
    return objs;
  }

  private once(key: string, fetch: () => Promise<Obj[]>): Promise<Obj[]> {
    let shown = this.shown.get(key);
    if (!shown) this.shown.set(key, (shown = fetch()));
    return shown;
  }

  /**
   * The members of a sub-collection at `call.scope` the caller sees. A sub-collection is seen
   * whole or not at all (its owner decides), so no more than the limit allows are fetched.
   */
  private members(call: Call, route: CollectionRoute): Promise<Obj[]> {
    return this.once(`list ${route.segments.join('/')} ${call.scope.join('/')}`, async () => {
      const behaviour = call.engine.behaviours.collection(route.collection);
      return this.guard.along(route, call.scope).list(call, (o) => behaviour.list(call, o), behaviour.listsSeen === true, this.limits.objects - this.placed + 1);
    });
  }

  /** The entity of `route` at `call.scope`, if the caller sees it. */
  private entity(call: Call, route: CollectionRoute): Promise<Obj[]> {
    return this.once(`get ${route.segments.join('/')} ${call.scope.join('/')}`, async () => {
      const obj = await call.engine.behaviours.entity(route.collection.entity()).get(call);
      return this.guard.along(route, call.scope).visible(call, [obj]);
    });
  }
}
