// Tags: a tree under the built-in root tag, and the tags given to VMs, hosts, templates, users
// and groups (`/vms/{id}/tags`), kept as tag assignments.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService } from '../model/meta';
import { collectionRoutes } from '../model/tree';
import { Obj, isObj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load, mergeInto, storedCollection, storedEntity } from './stored';
import { conflict, notFound } from './fault';
import { refTo, resolve } from './refs';
import { removeOwnedBy } from './ownership';
import { ROOT_TAG } from './store/seed';

/** Tag names are unique among all tags. */
const everyTag = () => ({});

function notRoot(tag: Obj, verb: string): void {
  if (tag.id === ROOT_TAG.id) throw conflict(`The root tag cannot be ${verb}`);
}

/** The tags under `id`, nearest first. */
async function descendants(call: Call, id: string): Promise<Obj[]> {
  const found: Obj[] = [];
  for (let level = [id]; level.length > 0;) {
    const children = (await Promise.all(level.map((p) => call.repo.list(T.Tag, { parent: p })))).flat();
    found.push(...children);
    level = children.map((c) => String(c.id));
  }
  return found;
}

export const tags = implement(S.Tags, storedCollection(S.Tags, {
  uniqueName: everyTag,
  // A new tag is its name, description and parent: the links naming tagged objects are only shown.
  prepare: async (call, body) => ({
    name: body.name,
    description: body.description,
    parent: refTo(await resolve(call.repo, T.Tag, body.parent ?? { id: ROOT_TAG.id }, 'parent')),
  }),
}));

export const tag = implement(S.TagEntity, storedEntity(S.Tags, S.TagEntity, {
  uniqueName: everyTag,
  async apply(call, current, changes) {
    notRoot(current, 'changed');
    const parent = isObj(changes.parent) ? String(changes.parent.id) : undefined;
    if (parent !== undefined && (parent === current.id || (await descendants(call, String(current.id))).some((t) => t.id === parent))) {
      throw conflict(`Tag ${String(current.name)} cannot move under itself or a tag under it`);
    }
    return mergeInto(T.Tag, current, changes);
  },
  async removing(call, removed) {
    notRoot(removed, 'removed');
    for (const t of (await descendants(call, String(removed.id))).reverse()) {
      await removeOwnedBy(call.repo, T.Tag, String(t.id));
      await call.repo.remove(T.Tag, String(t.id));
    }
  },
}));

/**
 * The behaviours of the tags of one kind of object: `link` names the object in an assignment,
 * and a listed tag names it too, as oVirt's assigned tags do.
 */
function assignedTagServices(link: string, collection: CollectionService) {
  const objects = collectionRoutes.find((r) => r.collection === collection)!.chain[0];
  const objectOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, objects);
  const shown = (object: Obj) => (t: Obj): Obj => ({ ...t, [link]: refTo(object) });
  const assignment = async (call: Call, object: Obj, tagId: string) =>
    (await call.repo.list(T.TagAssignment, { [link]: String(object.id), tag: tagId }))[0];
  const given = async (call: Call) => {
    const object = await objectOf(call);
    const found = await assignment(call, object, call.scope[1]);
    if (!found) throw notFound(`${objects.type().name} ${String(object.name)} has no tag '${call.scope[1]}'`);
    return { object, found };
  };
  return [
    implement(collection, {
      async list(call, o) {
        const object = await objectOf(call);
        const assignments = await call.repo.list(T.TagAssignment, { [link]: String(object.id) }, { max: o.max });
        const found = await Promise.all(assignments.map((a) => call.repo.get(T.Tag, String((a.tag as Obj).id))));
        return found.filter((t) => t !== undefined).map(shown(object));
      },
      // Giving a tag the object has already changes nothing, as in oVirt.
      async add(call, body) {
        const object = await objectOf(call);
        const t = await resolve(call.repo, T.Tag, body, 'tag');
        if (!(await assignment(call, object, String(t.id)))) {
          await call.repo.insert(T.TagAssignment, { id: randomUUID(), tag: refTo(t), [link]: refTo(object) });
        }
        return shown(object)(t);
      },
    }),
    implement(collection.entity(), {
      async get(call) {
        const { object } = await given(call);
        return shown(object)((await call.repo.get(T.Tag, call.scope[1]))!);
      },
      async remove(call) {
        const { found } = await given(call);
        await call.repo.remove(T.TagAssignment, String(found.id));
      },
    }),
  ];
}

export const assignedTags = Object.entries(S.AssignedTags).flatMap(([link, collection]) => assignedTagServices(link, collection));
