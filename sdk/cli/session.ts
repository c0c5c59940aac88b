// A logged-in command: the SDK's connection from the profile, and the reading of tree paths and
// references into API paths and ids, names looked up the way a user gives them.
import { CollectionService, StructType } from '../../model/meta';
import { homeOf } from '../../model/tree';
import { Obj } from '../../model/codec';
import { readStruct } from '../../model/codec/read';
import { Connection } from '../index';
import { TreePath } from './tree-paths';
import { Profile, loadProfile } from './profiles';

/** Ids the engine makes are UUIDs; anything else given for a member is first tried as its name. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A search term for an exact name, quoted when it holds more than letters, digits and `-_.`. */
const nameTerm = (name: string) => (/^[\w.-]+$/.test(name) ? `name=${name}` : `name="${name.replace(/"/g, '\\"')}"`);

/** The SDK's connection with a profile's token. */
export const connect = (p: Profile) => Connection.open({ url: p.url, token: p.token, ca: p.ca, insecure: p.insecure });

export class Session {
  private constructor(readonly conn: Connection) {}

  static async open(profile: string): Promise<Session> {
    return new Session(await connect(loadProfile(profile)));
  }

  async list(type: StructType, path: string, query: Record<string, string | number | boolean> = {}): Promise<Obj[]> {
    const doc = (await this.conn.send('GET', path, undefined, query)) as Record<string, unknown> | undefined;
    const items = doc?.[type.element];
    return Array.isArray(items) ? items.map((item) => readStruct(type, item)) : [];
  }

  async one(type: StructType, method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean>): Promise<Obj> {
    return readStruct(type, await this.conn.send(method, path, body, query));
  }

  /**
   * The id of the member of `collection` (at `path`) that `key` names: the key itself when it is
   * an id, else the one member of that name; a key no member is named is taken as an id.
   */
  async idOf(collection: CollectionService, path: string, key: string): Promise<string> {
    if (UUID.test(key)) return key;
    const type = collection.type();
    const found = (await this.list(type, path, collection.search ? { search: nameTerm(key) } : {})).filter((o) => o.name === key);
    if (found.length > 1) throw new Error(`${found.length} ${type.plural} at ${path} are named '${key}'; give the id of one: ${found.map((o) => o.id).join(', ')}`);
    return found.length ? String(found[0].id) : key;
  }

  /** The API path a tree path names, each name along it replaced by its member's id. */
  async apiPath(p: TreePath): Promise<string> {
    let path = '';
    for (const [i, collection] of p.route.chain.entries()) {
      path += `/${p.route.segments[i * 2]}`;
      const key = p.keys[i];
      if (key === undefined) break;
      path += `/${encodeURIComponent(await this.idOf(collection, path, key))}`;
    }
    return path;
  }

  /**
   * A reference to an object of `target` by what the user gave: an id, or a name, which the method
   * takes itself when `byName`, and which is otherwise looked up where objects of the type live.
   */
  readonly ref = async (target: StructType, key: string, byName: boolean): Promise<Obj> => {
    if (UUID.test(key)) return { id: key };
    if (byName) return { name: key };
    const home = homeOf(target);
    if (!home || home.chain.length > 1) return { id: key };
    return { id: await this.idOf(home.collection, `/${home.segments[0]}`, key) };
  };
}
