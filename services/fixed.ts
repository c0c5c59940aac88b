// Behaviours of read-only collections whose objects the engine knows by heart (operating
// systems, cluster levels, built-in scheduling policies): made from facts when asked, never stored.
import { CollectionService } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, CollectionBehaviour, EntityBehaviour } from './behaviour';
import { notFound } from './fault';

/** The objects of the collection at the call's scope (for a sub-collection, of its owner: `scope[0]`). */
export type Facts = (call: Call) => readonly Obj[];

export function fixedCollection(all: Facts): CollectionBehaviour {
  return { list: async (call, o) => all(call).slice(0, o.max) };
}

/** Gets one of `collection`'s objects by the id that ends the call's scope; 404 for others. */
export function fixedEntity(collection: CollectionService, all: Facts): EntityBehaviour {
  return {
    async get(call) {
      const id = call.scope[call.scope.length - 1];
      const found = all(call).find((o) => o.id === id);
      if (!found) throw notFound(`${collection.type().name} '${id}' does not exist`);
      return found;
    },
  };
}
