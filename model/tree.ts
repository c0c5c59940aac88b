// Facts derived from the service tree: every route, and the home collection of each type.
import { CollectionService, EntityService, StructType } from './meta';
import { Root } from './services';

export interface CollectionRoute {
  /** Path segments below the API root; `null` stands for an entity id. */
  readonly segments: readonly (string | null)[];
  readonly collection: CollectionService;
  /** Collections from the root down to this one. */
  readonly chain: readonly CollectionService[];
}

function walk(): CollectionRoute[] {
  const out: CollectionRoute[] = [];
  const visit = (locators: Record<string, () => CollectionService>, segments: (string | null)[], chain: CollectionService[]) => {
    for (const [segment, locate] of Object.entries(locators)) {
      const collection = locate();
      const route = { segments: [...segments, segment], collection, chain: [...chain, collection] };
      out.push(route);
      visit(collection.entity().locators, [...route.segments, null], route.chain);
    }
  };
  visit(Root.locators, [], []);
  return out;
}

/** Every collection route, parents before children. */
export const collectionRoutes: readonly CollectionRoute[] = walk();

const bySegments = new Map(collectionRoutes.map((r) => [r.segments.join('/'), r]));

/** The route of the sub-collection `rel` of the entities of `route` (`/vms/{id}` → `/vms/{id}/nics`). */
export function subRoute(route: CollectionRoute, rel: string): CollectionRoute | undefined {
  return bySegments.get([...route.segments, null, rel].join('/'));
}

/** Every service of the tree, collection or entity. */
export function allServices(): (CollectionService | EntityService)[] {
  return collectionRoutes.flatMap((r) => [r.collection, r.collection.entity()]);
}

const homes = new Map<StructType, CollectionRoute>();
for (const r of [...collectionRoutes].sort((a, b) => a.chain.length - b.chain.length)) {
  const type = r.collection.type();
  if (!homes.has(type)) homes.set(type, r);
}

/** The shallowest collection serving `type`: where its `href` points. */
export function homeOf(type: StructType): CollectionRoute | undefined {
  return homes.get(type);
}

/** Every owner attribute (`vm`, `data_center`, ...) under which `type` appears in a sub-collection. */
export function ownerAttributes(type: StructType): string[] {
  const owners = collectionRoutes.filter((r) => r.collection.type() === type && r.collection.owner);
  return [...new Set(owners.map((r) => r.collection.owner as string))];
}

/** The types the tree serves. */
export function servedTypes(): StructType[] {
  return [...new Set(collectionRoutes.map((r) => r.collection.type()))];
}

/**
 * The types the store keeps, each in a table of its own: those the tree serves, but for computed
 * ones, and those whose objects link to them to be searched from them (which objects carry a tag).
 */
export function storedTypes(): StructType[] {
  const served = servedTypes().filter((t) => !t.computed);
  const searched = served.flatMap((t) => Object.values(t.search).flatMap((f) => (f.kind === 'reverse' ? [f.type()] : [])));
  return [...new Set([...served, ...searched])];
}
