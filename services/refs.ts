// Resolving references that clients give by id or by name (`<cluster><name>Default</name></cluster>`).
import { Ref, StructType } from '../model/meta';
import { isObj } from '../model/codec';
import { Repo, Owners, StoredObj } from './store/repo';
import { badRequest, entityNotFound } from './fault';

/** The stored object a reference names; 404 like oVirt when there is none. */
export async function resolve<T extends StructType>(repo: Repo, type: T, ref: unknown, field: string, owners: Owners = {}): Promise<StoredObj<T>> {
  if (!isObj(ref) || (ref.id === undefined && ref.name === undefined)) {
    throw badRequest(`${field} must be given by id or by name`);
  }
  if (ref.id !== undefined) {
    const found = await repo.get(type, String(ref.id), owners);
    if (!found) throw entityNotFound(type.name, `id=${String(ref.id)}`);
    return found;
  }
  const named = await repo.list(type, owners, { where: { name: String(ref.name) } });
  if (named.length === 0) throw entityNotFound(type.name, `name=${String(ref.name)}`);
  if (named.length === 1) return named[0];
  const latest = latestVersion(named);
  if (!latest) throw badRequest(`More than one ${type.name} is named '${String(ref.name)}': give ${field} by id`);
  return latest;
}

/**
 * Of objects that share their name as versions of one base (a template's), the latest version,
 * as oVirt's lookup by name orders them; none when they are not one base's versions.
 */
function latestVersion<O extends object>(named: O[]): O | undefined {
  const versions = named.map((o) => (isObj(o) && isObj(o.version) ? o.version : undefined));
  const bases = new Set(versions.map((v) => (v && isObj(v.base_template) ? v.base_template.id : undefined)));
  if (bases.size !== 1 || bases.has(undefined)) return undefined;
  const numbers = versions.map((v) => Number(v?.version_number ?? 1));
  return named[numbers.indexOf(Math.max(...numbers))];
}

/** A reference to store: only the id, so names can change without stale copies. */
export function refTo(obj: { id?: string }): Ref {
  return { id: obj.id };
}
