// `fields=name,status,cpu.topology` (Xen Orchestra's projection): an object read with only the
// named attributes, besides its `id` and `href`; the `<link rel>` of a named sub-collection is
// kept, and a dotted path keeps only that member of a struct. The writers leave out the rest
// (see model/codec/written.ts); here the names are checked.
import { EntityService, StructType, attributeOf } from '../model/meta';
import { ACTIONS, Fields, HREF } from '../model/codec';
import { badRequest } from '../services/fault';

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
