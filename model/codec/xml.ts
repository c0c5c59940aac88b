// XML reader and writer, driven by the model.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Attribute, StructType } from '../meta';
import { AS_IS, DecodeError, Fields, ListWriter, MAX_NESTING, Obj, Presentation, Rel, Served, Value, checkTree, isObj, writeAll } from './value';
import { fieldsBelow, hrefWritten, writtenAttributes } from './written';
import { itemName, readStruct } from './read';
import { formatScalar } from './scalars';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  ignoreDeclaration: true,
  // The parser's own bound, for its own stack; checkTree bounds the document with a clearer fault.
  maxNestedTags: 2 * MAX_NESTING,
});

/** Parses an XML document whose root must be `root`, returning the root's tree. */
export function parseXml(text: string, root: string): unknown {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const e = valid.err;
    throw new DecodeError(`Malformed XML at line ${e.line}, column ${e.col}: ${e.msg}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (e) {
    // The parser refuses external entities, entity expansion beyond its limits, reserved
    // names and deeper nesting: all faults of the document.
    throw new DecodeError(`Malformed XML: ${(e as Error).message.replace(/^\[SECURITY\] /, '')}`);
  }
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== root) {
    throw new DecodeError(`Expected a <${root}> document, got <${roots.join('>, <')}>`);
  }
  checkTree(doc[root]);
  return doc[root];
}

export function readXml(type: StructType, text: string, root = type.element): Obj {
  return readStruct(type, parseXml(text, root));
}

export function readXmlList(type: StructType, text: string): Obj[] {
  const root = parseXml(text, type.plural);
  const items = isObj(root) ? root[type.element] : undefined;
  if (items === undefined) return [];
  return (Array.isArray(items) ? items : [items]).map((item) => readStruct(type, item));
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const SPECIAL = /[&<>"']/;
// Most text has nothing to escape: testing first spares making a new string.
const escape = (s: string) => (SPECIAL.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]) : s);

/** What follows the base in each `<link>` of a list of rels: the same for every value served with them. */
const linkTails = new WeakMap<readonly Rel[], string[]>();

/** `<link>` elements of rels below `base` (escaped already). */
function relsXml(base: string, rels: readonly Rel[]): string {
  let tails = linkTails.get(rels);
  if (!tails) linkTails.set(rels, (tails = rels.map((l) => `/${escape(l.path)}" rel="${escape(l.rel)}"/>`)));
  let out = '';
  for (const tail of tails) out += `<link href="${base}${tail}`;
  return out;
}

function attributeXml(a: Attribute, v: Value, p: Presentation, fields: Fields | undefined): string {
  const t = a.type();
  const one = (name: string, x: Value) =>
    t.kind === 'struct' && isObj(x) ? element(name, t, x, p, fields) : `<${name}>${escape(formatScalar(x as string))}</${name}>`;
  if (!a.list) return one(a.name, v);
  const items = (v as Value[]).map((x) => one(itemName(a), x)).join('');
  return `<${a.name}>${items}</${a.name}>`;
}

/**
 * One element for a value of `type`; base attributes first, then links, then the rest. `served`
 * gives the hypermedia of the value at the top; a value inside it has an href when the
 * presentation tells one.
 */
function element(name: string, type: StructType, obj: Obj, p: Presentation, fields: Fields | undefined, served?: Served): string {
  const href = hrefWritten(type, obj, p, served);
  let attrs = '';
  if (href !== undefined) attrs += ` href="${escape(href)}"`;
  if (obj.id !== undefined) attrs += ` id="${escape(String(obj.id))}"`;
  let body = '';
  let links = '';
  if (served) {
    const base = escape(served.base);
    if (served.actions.length) body += `<actions>${relsXml(base, served.actions)}</actions>`;
    links = relsXml(base, served.links);
  }
  // Links come after the base attributes (name, description, comment), as oVirt writes them.
  let linksWritten = false;
  for (const a of writtenAttributes(type, obj, p, fields)) {
    const base = type.identified && (a.name === 'name' || a.name === 'description' || a.name === 'comment');
    if (!base && !linksWritten) {
      body += links;
      linksWritten = true;
    }
    // An `id` is always written as an XML attribute, also on the few structs that declare one.
    if (!a.secret && a.name !== 'id') body += attributeXml(a, obj[a.name] as Value, p, fieldsBelow(fields, a));
  }
  if (!linksWritten) body += links;
  return body ? `<${name}${attrs}>${body}</${name}>` : `<${name}${attrs}/>`;
}

/** One element for a value of `type`, as the presentation has it; `served` gives its own hypermedia. */
export function structXml(name: string, type: StructType, obj: Obj, p: Presentation = AS_IS, served?: Served): string {
  return element(name, type, obj, p, p.fields, served);
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export function writeXml(type: StructType, obj: Obj, root = type.element, p: Presentation = AS_IS, served?: Served): string {
  return DECLARATION + structXml(root, type, obj, p, served);
}

/** A list written as its objects come: `<vms>` before the first, `</vms>` after the last. */
export function xmlListWriter(type: StructType, p: Presentation = AS_IS): ListWriter {
  let started = false;
  const start = () => (started ? '' : ((started = true), `${DECLARATION}<${type.plural}>`));
  return {
    item: (obj, served) => start() + structXml(type.element, type, obj, p, served),
    end: () => `${start()}</${type.plural}>`,
  };
}

export const writeXmlList = (type: StructType, objs: Obj[]): string => writeAll(xmlListWriter(type), objs);
