// The links a client gives in a change: each names an object that exists, and only its id is
// kept, so a name given for a link never stands in for it (nor goes stale when renamed).
import { StructType } from '../model/meta';
import { homeOf, storedTypes } from '../model/tree';
import { Obj, Value, isObj } from '../model/codec';
import { Call } from './behaviour';
import { badRequest, entityNotFound } from './fault';
import { resolve, refTo } from './refs';

const stored = new Set<StructType>();

/**
 * A link given as `{ id }` or `{ name }`, resolved to the object's id; 404 when there is none.
 * Objects the engine makes when asked are linked to when a top-level collection lists them
 * (scheduling policies); nothing else of a type the engine does not keep exists to link to.
 */
export async function resolveLink(call: Call, target: StructType, ref: unknown, path: string): Promise<Obj> {
  if (stored.size === 0) for (const t of storedTypes()) stored.add(t);
  if (stored.has(target)) return refTo(await resolve(call.repo, target, ref, path));
  const home = homeOf(target);
  if (isObj(ref) && home?.chain.length === 1) {
    const all = await call.engine.behaviours.collection(home.collection).list({ ...call, scope: [] }, {});
    const found = all.find((o) => (ref.id !== undefined ? o.id === ref.id : ref.name !== undefined && o.name === ref.name));
    if (found) return refTo(found as { id?: string });
  }
  throw entityNotFound(target.name, `${path}=${JSON.stringify(ref)}`);
}

/**
 * `changes` with every link it gives, in lists and inside structured members too
 * (`placement_policy.hosts`), resolved to `{ id }`. `except` names top-level links that are not
 * references to replace (a disk attachment's `disk` carries changes to the disk itself).
 */
export async function resolveLinks(call: Call, type: StructType, changes: Obj, except: readonly string[] = [], prefix = ''): Promise<Obj> {
  const out: Obj = { ...changes };
  for (const a of type.attributes) {
    const given = changes[a.name];
    if (given === undefined || except.includes(a.name)) continue;
    const path = `${prefix}${a.name}`;
    const t = a.type();
    if (t.kind !== 'struct') continue;
    const each = async (v: Value, i?: number): Promise<Value> => {
      const at = i === undefined ? path : `${path}[${i}]`;
      if (a.link) return resolveLink(call, t, v, at);
      return isObj(v) ? resolveLinks(call, t, v, [], `${at}.`) : v;
    };
    if (!a.list) {
      out[a.name] = await each(given);
      continue;
    }
    if (!Array.isArray(given)) throw badRequest(`${path} must be a list`);
    const items: Value[] = [];
    // One after the other: the calls share one transaction's connection.
    for (const [i, v] of given.entries()) items.push(await each(v, i));
    out[a.name] = items;
  }
  return out;
}
