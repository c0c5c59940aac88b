// JSON reader and writer, driven by the model, in the shape oVirt's JSON uses:
// primitives as strings, lists as `{ "item": [...] }`, links as `"link": [...]`.
import { Attribute, StructType, attributesIn } from '../meta';
import { ACTIONS, DecodeError, HREF, LINKS, Link, ListWriter, Obj, Value, checkTree, isObj, writeAll } from './value';
import { ReadOptions, itemName, readStruct } from './read';
import { formatScalar } from './scalars';

export function parseJson(text: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DecodeError(`Malformed JSON: ${(e as Error).message}`);
  }
  checkTree(doc);
  return doc;
}

export function readJson(type: StructType, text: string, o: ReadOptions = {}): Obj {
  const doc = parseJson(text);
  if (!isObj(doc)) throw new DecodeError(`Expected a JSON object for ${type.element}`);
  return readStruct(type, doc, '', o);
}

export function readJsonList(type: StructType, text: string, o: ReadOptions = {}): Obj[] {
  const doc = parseJson(text);
  if (!isObj(doc)) throw new DecodeError(`Expected a JSON object with a ${type.element} list`);
  const items = doc[type.element];
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw new DecodeError(`${type.element} must be a list`);
  return items.map((item) => readStruct(type, item, '', o));
}

type Json = string | Json[] | { [k: string]: Json };

function attributeJson(a: Attribute, v: Value): Json {
  const t = a.type();
  const one = (x: Value): Json => (t.kind === 'struct' && isObj(x) ? structJson(t, x) : formatScalar(x as string));
  return a.list ? { [itemName(a)]: (v as Value[]).map(one) } : one(v);
}

export function structJson(type: StructType, obj: Obj): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const a of attributesIn(type, obj)) {
    if (!a.secret) out[a.name] = attributeJson(a, obj[a.name] as Value);
  }
  const actions = obj[ACTIONS] as Link[] | undefined;
  if (actions?.length) out.actions = { link: actions.map((l) => ({ href: l.href, rel: l.rel })) };
  const links = obj[LINKS] as Link[] | undefined;
  if (links?.length) out.link = links.map((l) => ({ href: l.href, rel: l.rel }));
  if (obj[HREF] !== undefined) out.href = String(obj[HREF]);
  if (obj.id !== undefined) out.id = String(obj.id);
  return out;
}

export function writeJson(type: StructType, obj: Obj): string {
  return JSON.stringify(structJson(type, obj));
}

/** A list written as its objects come: `{"vm":[` before the first, `]}` after the last, `{}` when there is none. */
export function jsonListWriter(type: StructType): ListWriter {
  let written = 0;
  return {
    item: (obj) => (written++ ? ',' : `{${JSON.stringify(type.element)}:[`) + writeJson(type, obj),
    end: () => (written ? ']}' : '{}'),
  };
}

export const writeJsonList = (type: StructType, objs: Obj[]): string => writeAll(jsonListWriter(type), objs);

/** A list as newline-delimited JSON: each object on a line of its own, as `writeJson` writes it. */
export function ndjsonListWriter(type: StructType): ListWriter {
  return { item: (obj) => `${writeJson(type, obj)}\n`, end: () => '' };
}
