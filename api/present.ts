// Hypermedia derived from the service tree, for the writers to write as they go: `href` of every
// identified value, the `<link rel>` list of sub-collections and the `<actions>` of an entity.
import { EntityService, StructType, attributeOf } from '../model/meta';
import { ACTIONS, Fields, Obj, Presentation, Rel, Served, isObj } from '../model/codec';
import { homeOf, CollectionRoute } from '../model/tree';
import { Root } from '../model/services';
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

/** How an action's answer (its job) and the entry point are written: hrefs on the identified values inside, every attribute. */
export const WITH_HREFS: Presentation = { hrefOf };

/** How the values of an answer are written: with hrefs, all-content attributes when asked, only the named fields. */
export function presentation(allContent: boolean, fields?: Fields): Presentation {
  return { hrefOf, allContent, fields };
}

/** An entity's sub-collections and actions, by service: the same for every entity it serves. */
const relsOf = new WeakMap<EntityService, { links: Rel[]; actions: Rel[] }>();

function entityRels(service: EntityService): { links: Rel[]; actions: Rel[] } {
  let rels = relsOf.get(service);
  if (!rels) {
    rels = {
      links: Object.keys(service.locators).map((rel) => ({ rel, path: rel })),
      actions: service.actions.map((a) => ({ rel: a.name, path: a.name })),
    };
    relsOf.set(service, rels);
  }
  return rels;
}

/**
 * What an entity served by `service` is written with at `href`: its links and actions, or with
 * `fields` those it names (the `actions` block, the links of named sub-collections and attributes).
 */
export function servedEntity(service: EntityService, fields?: Fields): (href: string) => Served {
  const all = entityRels(service);
  const type = service.type();
  const named = fields && new Set([...fields.keys()].flatMap((name) => [name, attributeOf(type, name)?.rel ?? name]));
  const links = named ? all.links.filter((l) => named.has(l.rel)) : all.links;
  const actions = fields && !fields.has(ACTIONS) ? [] : all.actions;
  return (href) => ({ href, base: href, links, actions });
}

/** A value served at `href` on its own, with no links or actions (an event of the event stream). */
export const servedAlone = (href: string | undefined): Served => ({ href, base: href ?? '', links: [], actions: [] });

let root: Served | undefined;

/** The entry point's links: every top-level collection, and search templates where searchable. */
export function servedRoot(): Served {
  root ??= {
    base: API_ROOT,
    links: Object.entries(Root.locators).flatMap(([rel, locate]) => {
      const links = [{ rel, path: rel }];
      if (locate().search) links.push({ rel: `${rel}/search`, path: `${rel}?search={query}` });
      return links;
    }),
    actions: [],
  };
  return root;
}
