// JSON reader and writer, driven by the model, in the shape oVirt's JSON uses:
// primitives as strings, lists as `{ "item": [...] }`, links as `"link": [...]`.
import { Attribute, StructType } from '../meta';
import { AS_IS, DecodeError, Fields, ListWriter, Obj, Presentation, Rel, Served, Value, checkTree, isObj, writeAll } from './value';
import { fieldsBelow, hrefWritten, writtenAttributes } from './written';
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

function attributeJson(a: Attribute, v: Value, p: Presentation, fields: Fields | undefined): Json {
  const t = a.type();
  const one = (x: Value): Json => (t.kind === 'struct' && isObj(x) ? members(t, x, p, fields) : formatScalar(x as string));
  return a.list ? { [itemName(a)]: (v as Value[]).map(one) } : one(v);
}

const relsJson = (base: string, rels: readonly Rel[]) => rels.map((l) => ({ href: `${base}/${l.path}`, rel: l.rel }));

/** The members of a value of `type`; `served` gives the hypermedia of the value at the top. */
function members(type: StructType, obj: Obj, p: Presentation, fields: Fields | undefined, served?: Served): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const a of writtenAttributes(type, obj, p, fields)) {
    if (!a.secret) out[a.name] = attributeJson(a, obj[a.name] as Value, p, fieldsBelow(fields, a));
  }
  if (served?.actions.length) out.actions = { link: relsJson(served.base, served.actions) };
  if (served?.links.length) out.link = relsJson(served.base, served.links);
  const href = hrefWritten(type, obj, p, served);
  if (href !== undefined) out.href = href;
  if (obj.id !== undefined) out.id = String(obj.id);
  return out;
}

/** The JSON tree of a value of `type`, as the presentation has it; `served` gives its own hypermedia. */
export function structJson(type: StructType, obj: Obj, p: Presentation = AS_IS, served?: Served): { [k: string]: Json } {
  return members(type, obj, p, p.fields, served);
}

export function writeJson(type: StructType, obj: Obj, p: Presentation = AS_IS, served?: Served): string {
  return JSON.stringify(structJson(type, obj, p, served));
}

/** A list written as its objects come: `{"vm":[` before the first, `]}` after the last, `{}` when there is none. */
export function jsonListWriter(type: StructType, p: Presentation = AS_IS): ListWriter {
  let written = 0;
  return {
    item: (obj, served) => (written++ ? ',' : `{${JSON.stringify(type.element)}:[`) + writeJson(type, obj, p, served),
    end: () => (written ? ']}' : '{}'),
  };
}

export const writeJsonList = (type: StructType, objs: Obj[]): string => writeAll(jsonListWriter(type), objs);

/** A list as newline-delimited JSON: each object on a line of its own, as `writeJson` writes it. */
export function ndjsonListWriter(type: StructType, p: Presentation = AS_IS): ListWriter {
  return { item: (obj, served) => `${writeJson(type, obj, p, served)}\n`, end: () => '' };
}
