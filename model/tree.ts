// Facts derived from the service tree: every route, and the home collection of each type.
import { CollectionService, EntityService, StructType } from './meta';
import { checkPath } from './inputs';
import { Root } from './services';
import { Action } from './types';

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

/** Throws at load when a method's declared input names an attribute its type lacks. */
export function checkInputs(routes: readonly CollectionRoute[]): void {
  for (const { collection } of routes) {
    const entity = collection.entity();
    const methods = [
      { name: `${collection.name}.add`, type: collection.type(), m: collection.add },
      { name: `${entity.name}.update`, type: entity.type(), m: entity.update },
    ];
    for (const { name, type, m } of methods) {
      for (const rule of [m?.inputs ?? [], ...Object.values(m?.signatures ?? {})].flat()) {
        for (const path of rule.paths) checkPath(type, path, name);
      }
    }
    for (const a of entity.actions) {
      for (const path of [...a.takes, ...a.inputs.flatMap((r) => r.paths)]) checkPath(Action, path, `${entity.name}.${a.name}`);
    }
  }
}

checkInputs(collectionRoutes);
