// `fields=name,status,cpu.topology` (Xen Orchestra's projection): an object read with only the
// named attributes, besides its `id` and `href`; the `<link rel>` of a named sub-collection is
// kept, and a dotted path keeps only that member of a struct.
import { EntityService, StructType, attributeOf } from '../model/meta';
import { ACTIONS, HREF, LINKS, Link, Obj, Value, isObj } from '../model/codec';
import { badRequest } from '../services/fault';

/** The named members of one level, each with what is named below it (empty: all of it). */
export type Fields = ReadonlyMap<string, Fields>;

const ALWAYS = new Set(['id', HREF]);

function names(type: StructType, service?: EntityService): string[] {
  const own = type.attributes.filter((a) => !a.secret).map((a) => a.name);
  const rels = service ? Object.keys(service.locators).filter((rel) => !own.includes(rel)) : [];
  return [...own, ...rels, ...(service?.actions.length ? [ACTIONS] : [])];
}

function tree(paths: string[][]): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) {
    const below = out.get(head) ?? [];
    // `cpu` and `cpu.topology` together ask for all of cpu.
    out.set(head, out.has(head) && (below.length === 0 || rest.length === 0) ? [] : rest.length ? [...below, rest] : []);
  }
  return out;
}

function check(type: StructType, paths: string[][], service?: EntityService, at = ''): Fields {
  const valid = names(type, service);
  const out = new Map<string, Fields>();
  for (const [name, rest] of tree(paths)) {
    const where = at ? `${at}.${name}` : name;
    if (ALWAYS.has(name)) continue;
    if (!valid.includes(name)) throw badRequest(`Unknown field '${where}' of ${type.name}: the fields are ${valid.join(', ')}`);
    const t = attributeOf(type, name)?.type();
    if (rest.length && t?.kind !== 'struct') throw badRequest(`The field '${where}' of ${type.name} has no members to name`);
    out.set(name, rest.length ? check(t as StructType, rest, undefined, where) : new Map());
  }
  return out;
}

/** The fields a `fields` parameter names, checked against the entity the service serves; none when not given. */
export function parseFields(param: string | undefined, service: EntityService): Fields | undefined {
  const paths = (param ?? '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split('.'));
  if (!paths.length) return undefined;
  const empty = paths.find((p) => p.some((s) => s === ''));
  if (empty) throw badRequest(`The field '${empty.join('.')}' has an empty name`);
  return check(service.type(), paths, service);
}

/** `obj` with only the named members (and its id and href); links whose rel or attribute is named stay. */
export function project(type: StructType, obj: Obj, fields: Fields): Obj {
  const out: Obj = {};
  for (const name of ALWAYS) if (obj[name] !== undefined) out[name] = obj[name];
  for (const [name, below] of fields) {
    const v = obj[name];
    if (v === undefined || name === LINKS) continue;
    const t = attributeOf(type, name)?.type();
    const inner = (x: Value): Value => (below.size && t?.kind === 'struct' && isObj(x) ? project(t, x, below) : x);
    out[name] = Array.isArray(v) && name !== ACTIONS ? v.map(inner) : inner(v);
  }
  const links = obj[LINKS] as Link[] | undefined;
  if (links) {
    const rels = new Set([...fields.keys()].flatMap((name) => [name, attributeOf(type, name)?.rel ?? name]));
    const kept = links.filter((l) => rels.has(l.rel));
    if (kept.length) out[LINKS] = kept as unknown as Value;
  }
  return out;
}
