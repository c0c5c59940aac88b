// A repo that remembers each row it changes as it was before: what a request's file step that
// fails puts back, so that the database again names only the files that exist.
import { Knex } from 'knex';
import { ObjOf, StructType } from '../../model/meta';
import { Obj, isObj } from '../../model/codec';
import { ownerAttributes } from '../../model/tree';
import { Owners, Repo } from './repo';

interface Noted {
  type: StructType;
  id: string;
  owners: Owners;
  /** The row before the request; none when the request added it. */
  before?: Obj;
}

/** The owners of a row, as its own owner links name them. */
function ownersOf(type: StructType, obj: Obj): Owners {
  const owners: Owners = {};
  for (const a of ownerAttributes(type)) {
    const ref = obj[a];
    if (isObj(ref) && ref.id !== undefined) owners[a] = String(ref.id);
  }
  return owners;
}

export class RecordingRepo extends Repo {
  private readonly noted = new Map<string, Noted>();

  constructor(db: Knex | Knex.Transaction) {
    super(db);
  }

  /** Notes `row` (as it was before the request, or added by it when `added`). */
  private note(type: StructType, row: Obj, added: boolean): void {
    const owners = ownersOf(type, row);
    const key = `${type.name}/${JSON.stringify(owners)}/${String(row.id)}`;
    // The first state noted is the one before the request.
    if (!this.noted.has(key)) this.noted.set(key, { type, id: String(row.id), owners, before: added ? undefined : row });
  }

  override async insert<T extends StructType>(type: T, obj: ObjOf<T>): Promise<ObjOf<T>> {
    const added = await super.insert(type, obj);
    this.note(type, added as Obj, true);
    return added;
  }

  override async insertNumbered<T extends StructType>(type: T, obj: ObjOf<T>): Promise<ObjOf<T>> {
    const added = await super.insertNumbered(type, obj);
    this.note(type, added as Obj, true);
    return added;
  }

  override async update<T extends StructType>(type: T, obj: ObjOf<T>, owners: Owners = {}): Promise<ObjOf<T>> {
    const before = await this.get(type, String((obj as Obj).id), owners);
    if (before) this.note(type, before as Obj, false);
    return super.update(type, obj, owners);
  }

  override async remove(type: StructType, id: string, owners: Owners = {}): Promise<number> {
    for (const before of await this.list(type, owners, { where: { id } })) this.note(type, before, false);
    return super.remove(type, id, owners);
  }

  override async removeOwned(type: StructType, owners: Owners): Promise<number> {
    for (const before of await this.list(type, owners)) this.note(type, before, false);
    return super.removeOwned(type, owners);
  }

  /** Puts every row this repo changed back as it was, through `repo`; the last change first. */
  async putBack(repo: Repo): Promise<void> {
    for (const n of [...this.noted.values()].reverse()) {
      const exists = (await repo.get(n.type, n.id, n.owners)) !== undefined;
      if (!n.before) {
        if (exists) await repo.remove(n.type, n.id, n.owners);
      } else if (exists) {
        await repo.update(n.type, n.before, n.owners);
      } else {
        await repo.insert(n.type, n.before);
      }
    }
  }
}
