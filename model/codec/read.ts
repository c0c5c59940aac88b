// Model-driven reading of a decoded document tree into API values. Both formats feed it the
// same tree shape: members by wire name, XML attributes as members, repeated elements as arrays,
// and lists as `{ item: [...] }` containers (JSON may also give a plain array).
import { Attribute, StructType, ValueType } from '../meta';
import { DecodeError, HREF, Obj, Value, isObj } from './value';
import { parseScalar } from './scalars';

/** Element name of one item of a list attribute. */
export function itemName(a: Attribute): string {
  if (a.item) return a.item;
  const t = a.type();
  return t.kind === 'struct' ? t.element : a.name.replace(/s$/, '');
}

function single(raw: unknown, field: string): unknown {
  if (Array.isArray(raw)) {
    throw new DecodeError(`${field} is given more than once`, field);
  }
  return raw;
}

function itemsOf(container: unknown, a: Attribute, field: string): unknown[] {
  if (Array.isArray(container)) return container;
  if (container === '' || container === null) return [];
  if (!isObj(container)) throw new DecodeError(`${field} must be a list`, field);
  const items = container[itemName(a)];
  if (items === undefined) return [];
  return Array.isArray(items) ? items : [items];
}

/** How a document is read: a client keeps the `href` of the objects it is answered; the engine, reading what a client sends, ignores it. */
export interface ReadOptions {
  readonly hrefs?: boolean;
}

function readOne(type: ValueType, raw: unknown, field: string, o: ReadOptions): Value {
  return type.kind === 'struct' ? readStruct(type, raw, field, o) : parseScalar(type, single(raw, field), field);
}

/** Reads a value of a structured type; unknown members are ignored, as oVirt does. */
export function readStruct(type: StructType, raw: unknown, path = '', o: ReadOptions = {}): Obj {
  const node = single(raw, path || type.element);
  if (node === '' || node === null) return {};
  if (!isObj(node)) throw new DecodeError(`${path || type.element} must be a ${type.element} element`, path);
  const out: Obj = {};
  if (type.identified && node.id !== undefined) {
    out.id = String(single(node.id, path ? `${path}.id` : 'id'));
  }
  if (o.hrefs && type.identified && typeof node[HREF] === 'string') out[HREF] = node[HREF];
  for (const a of type.attributes) {
    const raw = node[a.name];
    if (raw === undefined) continue;
    const field = path ? `${path}.${a.name}` : a.name;
    const t = a.type();
    out[a.name] = a.list
      ? itemsOf(single(raw, field), a, field).map((v, i) => readOne(t, v, `${field}[${i}]`, o))
      : readOne(t, raw, field, o);
  }
  return out;
}
