// The schemas of the OpenAPI document, from the model: one per type and enum, in the shape the
// JSON writer gives (primitives as text, a list as `{ "<item>": [...] }`, a link as an object of
// its target's type holding `id` and `href`), with the hints that make the same schema describe
// the XML form (elements named as the XML writer names them, `id` and `href` as attributes).
import type { OpenAPIV3_1 } from 'openapi-types';
import { Attribute, EnumType, PrimitiveName, StructType, ValueType } from '../model/meta';
import { itemName } from '../model/codec/read';
import { typesFrom } from '../model/check';

export type Schema = OpenAPIV3_1.SchemaObject | OpenAPIV3_1.ReferenceObject;

export const ref = (name: string): OpenAPIV3_1.ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

/** The hypermedia every served object carries: `<link href rel/>`, in XML as in JSON. */
export const LINK = 'Link';
/** A link to an object: its `id` and `href`; a client may name the object by `name` instead. */
export const REF = 'Ref';
/** A served list of objects of `type`: `<vms><vm/>...</vms>`, `{"vm": [...]}`. */
export const listSchemaName = (type: StructType) => `${type.name}List`;

// Values are text on the wire, as oVirt writes them; the readers take JSON numbers and booleans too.
const PRIMITIVES: Record<PrimitiveName, OpenAPIV3_1.SchemaObject> = {
  string: { type: 'string' },
  integer: { type: ['integer', 'string'], pattern: '^[+-]?\\d+$' },
  decimal: { type: ['number', 'string'], pattern: '^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$' },
  boolean: { type: ['boolean', 'string'], pattern: '^(true|false)$' },
  date: { type: 'string', format: 'date-time' },
};

/**
 * A schema that other keywords may go beside: a reference is wrapped in an `allOf`, so that
 * dereferencing tools share the one schema it names rather than copy it for each use.
 */
function beside(s: Schema): OpenAPIV3_1.SchemaObject {
  return '$ref' in s ? { allOf: [s] } : s;
}

function valueSchema(t: ValueType): Schema {
  return t.kind === 'primitive' ? { ...PRIMITIVES[t.name] } : ref(t.name);
}

/** The schema of one attribute's value, with its doc and what the model says of it. */
export function attributeSchema(a: Attribute): Schema {
  const t = a.type();
  // A link names its target: the target's own schema would put every type linked from it, and
  // from those, under each link (an explorer showing an example of one VM would show them all).
  const one = a.link ? ref(REF) : valueSchema(t);
  const item = itemName(a);
  // A list's items are elements of their own name in XML, unwrapped inside the list's element.
  const value: Schema = a.list
    ? { type: 'object', properties: { [item]: { type: 'array', items: { ...beside(one), xml: { name: item } } } } }
    : one;
  const linked = a.link ? `${a.doc} A link to ${a.list ? `${t.name} objects` : `a ${t.name}`}; with \`follow\`, the whole object${a.list ? 's' : ''}.` : a.doc;
  const description = a.allContent ? `${linked} Given only with \`all_content=true\`.` : linked;
  const flags = { ...(a.readOnly && { readOnly: true }), ...(a.secret && { writeOnly: true }), ...(a.range?.min !== undefined && { minimum: a.range.min }), ...(a.range?.max !== undefined && { maximum: a.range.max }) };
  return { ...beside(value), description, ...flags };
}

/** `id` and `href` (XML attributes), the `link`s of sub-collections and the `actions` of an identified value. */
function identity(): Record<string, Schema> {
  const links: Schema = { type: 'array', items: ref(LINK) };
  return {
    id: { type: 'string', description: 'The identifier of the object.', xml: { attribute: true } },
    href: { type: 'string', readOnly: true, description: 'Where the object is served.', xml: { attribute: true } },
    actions: { type: 'object', readOnly: true, description: 'The actions the object takes, by name (`rel`).', properties: { link: links } },
    link: { ...links, readOnly: true, description: 'The sub-collections of the object, by name (`rel`).' },
  };
}

function structSchema(t: StructType): OpenAPIV3_1.SchemaObject {
  const properties = Object.fromEntries(t.attributes.map((a) => [a.name, attributeSchema(a)]));
  return { type: 'object', description: t.doc, xml: { name: t.element }, properties: t.identified ? { ...identity(), ...properties } : properties };
}

const enumSchema = (e: EnumType): OpenAPIV3_1.SchemaObject => ({ type: 'string', enum: [...e.values] });

/**
 * A schema per struct type reachable from `roots`, per enum they use, and a list schema per
 * type in `listed`. Two declarations of one name would make one schema stand for both, so
 * that fails here.
 */
export function schemasOf(roots: readonly StructType[], listed: readonly StructType[]): Record<string, OpenAPIV3_1.SchemaObject> {
  const out: Record<string, OpenAPIV3_1.SchemaObject> = {};
  const owners = new Map<string, unknown>();
  const put = (name: string, owner: unknown, schema: () => OpenAPIV3_1.SchemaObject) => {
    const known = owners.get(name);
    if (known !== undefined && known !== owner) throw new Error(`Two schemas would be named ${name}`);
    if (known === undefined) (owners.set(name, owner), (out[name] = schema()));
  };
  put(LINK, LINK, () => ({
    type: 'object',
    description: 'A link to a related resource.',
    xml: { name: 'link' },
    properties: { href: { type: 'string', xml: { attribute: true } }, rel: { type: 'string', xml: { attribute: true } } },
  }));
  put(REF, REF, () => ({
    type: 'object',
    description: 'A link to an object, by `id` (and `href`) as the engine writes it, or by `name` as a client may give it.',
    properties: {
      id: { type: 'string', xml: { attribute: true } },
      href: { type: 'string', readOnly: true, xml: { attribute: true } },
      name: { type: 'string', description: 'The name of the object, where a client names it so.' },
    },
  }));
  for (const t of typesFrom(roots)) {
    put(t.name, t, () => structSchema(t));
    for (const a of t.attributes) {
      const at = a.type();
      if (at.kind === 'enum') put(at.name, at, () => enumSchema(at));
    }
  }
  for (const t of listed) {
    put(listSchemaName(t), t, () => ({
      type: 'object',
      description: `A list of ${t.name} objects.`,
      xml: { name: t.plural },
      properties: { [t.element]: { type: 'array', items: ref(t.name) } },
    }));
  }
  return out;
}
