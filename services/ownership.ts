// What an object owns, as the service tree declares it, so that removing the object removes
// that too, in the same transaction: the members of its sub-collections that name it as their
// owner (a VM's NICs, a data center's networks), recursively, and every permission naming it
// (given on it, or given to it when it is a user or group), and the objects of types no collection
// serves that link to it (the tags it carries). Files are not touched here: what owns
// files (disks) is removed by its own behaviour, before.
import { StructType } from '../model/meta';
import { Obj } from '../model/codec';
import { collectionRoutes, servedTypes, storedTypes } from '../model/tree';
import * as T from '../model/types';
import { Repo } from './store/repo';
import { tableOf } from './store/tables';

/** Objects of `type` whose `link` names their owner. */
interface Owned {
  readonly type: StructType;
  readonly link: string;
}

/**
 * A sub-collection holds what its owner owns unless its members inherit their permissions from
 * something else and are served from there too (a snapshot's disks belong to their domain); a
 * device served only under its owners belongs to each (a template's NICs, like a VM's).
 */
function ownedVia(type: StructType): Owned[] {
  const stored = new Set(storedTypes());
  const found: Owned[] = collectionRoutes
    .filter((r) => r.chain.length > 1 && r.chain[r.chain.length - 2].type() === type && r.collection.owner)
    .map((r) => ({ type: r.collection.type(), link: r.collection.owner! }))
    .filter((o) => stored.has(o.type) && (o.type.inherits === undefined || o.type.inherits === o.link || tableOf(o.type).ownedOnly));
  const permissions = T.Permission.attributes.filter((a) => a.link && !a.list && a.type() === type);
  found.push(...permissions.map((a) => ({ type: T.Permission, link: a.name })));
  // What no collection serves lives only for the objects it links: a tag's assignment goes with the tag and with the VM.
  const served = new Set(servedTypes());
  for (const t of storedTypes().filter((s) => !served.has(s))) {
    found.push(...t.attributes.filter((a) => a.link && !a.list && a.type() === type).map((a) => ({ type: t, link: a.name })));
  }
  return found.filter((o, i) => found.findIndex((p) => p.type === o.type && p.link === o.link) === i);
}

const owned = new Map<StructType, readonly Owned[]>();

/** What objects of `type` own, derived once per type. */
export function ownedBy(type: StructType): readonly Owned[] {
  let found = owned.get(type);
  if (!found) {
    found = ownedVia(type);
    owned.set(type, found);
  }
  return found;
}

/** A row removed with its owner, to put back if the removal is undone. */
export interface Removed {
  readonly type: StructType;
  readonly obj: Obj;
}

/** Removes what the object of `type` with `id` owns, deepest first; answers what it removed. */
export async function removeOwnedBy(repo: Repo, type: StructType, id: string): Promise<Removed[]> {
  const removed: Removed[] = [];
  for (const o of ownedBy(type)) {
    const owners = { [o.link]: id };
    const members = await repo.list(o.type, owners);
    for (const member of members) {
      if (ownedBy(o.type).length) removed.push(...(await removeOwnedBy(repo, o.type, member.id)));
      removed.push({ type: o.type, obj: member });
    }
    await repo.removeOwned(o.type, owners);
  }
  return removed;
}

/** Puts back what `removeOwnedBy` removed, owners before what they own. */
export async function restoreOwned(repo: Repo, removed: readonly Removed[]): Promise<void> {
  for (const r of [...removed].reverse()) await repo.insert(r.type, r.obj);
}
