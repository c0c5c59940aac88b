// Hypermedia derived from the service tree: `href` of every identified value, the `<link rel>`
// list of sub-collections and the `<actions>` of an entity.
import { EntityService, StructType, attributesIn } from '../model/meta';
import { ACTIONS, HREF, LINKS, Link, Obj, Value, isObj } from '../model/codec';
import { homeOf, CollectionRoute } from '../model/tree';
import { Root } from '../model/services';
import { Action, Api } from '../model/types';
import { API_ROOT } from './versioning';

/** The home route of an identified value and the ids along it, when its references tell them. */
export function locate(type: StructType, obj: Obj): { home: CollectionRoute; ids: string[] } | undefined {
  const home = homeOf(type);
  if (!home || obj.id === undefined) return undefined;
  const ids = [String(obj.id)];
  let current = obj;
  // Each level's id comes from the owner reference of the level below (a NIC's `vm`).
  for (let i = home.chain.length - 1; i > 0; i--) {
    const ref = current[home.chain[i].owner ?? ''];
    if (!isObj(ref) || ref.id === undefined) return undefined;
    ids.unshift(String(ref.id));
    current = ref;
  }
  return { home, ids };
}

export function pathOf(segments: readonly (string | null)[], ids: readonly string[]): string {
  let i = 0;
  return API_ROOT + segments.map((s) => '/' + (s ?? encodeURIComponent(ids[i++]))).join('');
}

export function hrefOf(type: StructType, obj: Obj): string | undefined {
  const where = locate(type, obj);
  return where && `${pathOf(where.home.segments, where.ids.slice(0, -1))}/${encodeURIComponent(where.ids[where.ids.length - 1])}`;
}

/** Adds hrefs to nested identified values and drops `all_content`-only attributes when not asked. */
function decorate(type: StructType, obj: Obj, allContent: boolean): Obj {
  const out: Obj = { ...obj };
  for (const a of attributesIn(type, obj)) {
    const v = obj[a.name] as Value;
    if (a.allContent && !allContent) {
      delete out[a.name];
      continue;
    }
    const t = a.type();
    if (t.kind !== 'struct') continue;
    const one = (x: Value): Value => {
      if (!isObj(x)) return x;
      const d = decorate(t, x, allContent);
      const href = t.identified && x[HREF] === undefined ? hrefOf(t, x) : undefined;
      return href ? { ...d, [HREF]: href } : d;
    };
    out[a.name] = a.list ? (v as Value[]).map(one) : one(v);
  }
  return out;
}

/** An entity as served at `href` by `service`: with its links and actions. */
export function presentEntity(service: EntityService, obj: Obj, href: string, allContent: boolean): Obj {
  const out = decorate(service.type(), obj, allContent);
  out[HREF] = href;
  const links: Link[] = Object.keys(service.locators).map((rel) => ({ rel, href: `${href}/${rel}` }));
  const actions: Link[] = service.actions.map((a) => ({ rel: a.name, href: `${href}/${a.name}` }));
  if (links.length) out[LINKS] = links as unknown as Value;
  if (actions.length) out[ACTIONS] = actions as unknown as Value;
  return out;
}

/** The entry point's links: every top-level collection, and search templates where searchable. */
function rootLinks(): Link[] {
  return Object.entries(Root.locators).flatMap(([rel, locate]) => {
    const href = `${API_ROOT}/${rel}`;
    const links = [{ rel, href }];
    if (locate().search) links.push({ rel: `${rel}/search`, href: `${href}?search={query}` });
    return links;
  });
}

/** An action's answer, with hrefs on what it names (its job). */
export function presentAction(result: Obj): Obj {
  return decorate(Action, result, true);
}

/** The entry point's content with its links. */
export function presentRoot(content: Obj): Obj {
  return { ...decorate(Api, content, true), [LINKS]: rootLinks() as unknown as Value };
}
