// The operations of the service tree, as api/routes.ts binds them: list and add on each
// collection, get, update and remove on its entities, POST on each action, with the query
// parameters, bodies, required inputs and answers each method declares.
import type { OpenAPIV3_1 } from 'openapi-types';
import { ActionDecl, GET_PARAMS, InputRule, LIST_PARAMS, MethodInputs, Params, READ_PARAMS, StructType, attributeOf } from '../model/meta';
import { NDJSON } from '../model/codec';
import { itemName } from '../model/codec/read';
import { CollectionRoute, collectionRoutes } from '../model/tree';
import { Root } from '../model/services';
import { PARAM_DOCS } from '../model/param-docs';
import * as T from '../model/types';
import { LINK, Schema, attributeSchema, listSchemaName, ref } from './openapi-schemas';

type Operation = OpenAPIV3_1.OperationObject;
type Parameter = OpenAPIV3_1.ParameterObject;
// openapi-types' own path item intersects the 3.0 operation with the 3.1 one, which no 3.1 operation meets.
export type PathItem = { parameters?: Parameter[]; servers?: OpenAPIV3_1.ServerObject[] } & Partial<Record<'get' | 'put' | 'post' | 'delete', Operation>>;
export type Paths = Record<string, PathItem>;

/** Both formats of the API, which bodies and answers come in (by Content-Type and Accept). */
export function content(schema: Schema): Record<string, OpenAPIV3_1.MediaTypeObject> {
  return { 'application/xml': { schema }, 'application/json': { schema } };
}

/** Every error of the API is an oVirt fault. */
export const FAULTS: OpenAPIV3_1.ResponsesObject = {
  '4XX': { $ref: '#/components/responses/Fault' },
  '5XX': { $ref: '#/components/responses/Fault' },
};

const answer = (description: string, schema: Schema): OpenAPIV3_1.ResponseObject => ({ description, content: content(schema) });

function query(params: Params): Parameter[] {
  return Object.entries(params).map(([name, type]) => ({ name, in: 'query', description: PARAM_DOCS[name], schema: { type } }));
}

/** What a body must hold to give `path` (`cluster.id`, `storage_domains.id` in every item). */
function requirement(type: StructType, path: string): OpenAPIV3_1.SchemaObject {
  const [head, ...rest] = path.split('.');
  if (head === 'id' && rest.length === 0) return { required: ['id'] };
  const a = attributeOf(type, head);
  if (!a) throw new Error(`${type.name} has no attribute ${head}`);
  const t = a.type();
  const inner = rest.length && t.kind === 'struct' ? requirement(t, rest.join('.')) : undefined;
  if (!a.list) return { required: [head], ...(inner && { properties: { [head]: inner } }) };
  const item = itemName(a);
  return { required: [head], properties: { [head]: { required: [item], properties: { [item]: { minItems: 1, ...(inner && { items: inner }) } } } } };
}

/** The mandatory inputs of a method as schemas a body must meet (oVirt's `mandatory`, `or` and signatures). */
function needs(type: StructType, m: Pick<MethodInputs, 'inputs' | 'signatures'>): OpenAPIV3_1.SchemaObject[] {
  const of = (rules: readonly InputRule[]) => rules.filter((r) => r.mandatory).map((r): OpenAPIV3_1.SchemaObject =>
    r.paths.length === 1 ? requirement(type, r.paths[0]) : { anyOf: r.paths.map((p) => requirement(type, p)) });
  const signatures = Object.values(m.signatures ?? {}).map(of);
  // A signature that needs nothing is always met.
  const alternatives = signatures.length && signatures.every((s) => s.length) ? [{ anyOf: signatures.map((allOf) => ({ allOf })) }] : [];
  return [...of(m.inputs), ...alternatives];
}

function body(schema: Schema, required: OpenAPIV3_1.SchemaObject[], description: string): OpenAPIV3_1.RequestBodyObject {
  return { required: true, description, content: content(required.length ? { allOf: [schema, ...required] } : schema) };
}

/** What a method's inputs name: what an update applies, what an add reads besides what it needs. */
function named(m: Pick<MethodInputs, 'inputs' | 'signatures'>): string {
  const paths = [...new Set([m.inputs, ...Object.values(m.signatures ?? {})].flat().flatMap((r) => r.paths))];
  return paths.length ? paths.map((p) => `\`${p}\``).join(', ') : 'nothing';
}

function actionBody(a: ActionDecl): OpenAPIV3_1.RequestBodyObject {
  const properties = Object.fromEntries(a.takes.map((m) => [m, attributeSchema(attributeOf(T.Action, m)!)]));
  const schema: OpenAPIV3_1.SchemaObject = { type: 'object', xml: { name: T.Action.element }, properties };
  const required = needs(T.Action, { inputs: a.inputs });
  return { ...body(schema, required, `The action's parameters: ${a.takes.map((m) => `\`${m}\``).join(', ')}.`), required: required.length > 0 };
}

/** A route's path below the API root, with a named parameter per id it holds (`/vms/{vm_id}/nics`). */
function template(r: CollectionRoute): { list: string; entity: string; ids: Parameter[]; id: Parameter } {
  const taken = new Set<string>();
  const idOf = (c: CollectionRoute['collection']): Parameter => {
    const base = `${c.type().element}_id`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    return { name, in: 'path', required: true, description: `The id of the ${c.type().name}.`, schema: { type: 'string' } };
  };
  let level = 0;
  const ids: Parameter[] = [];
  const list = r.segments.map((s) => {
    if (s !== null) return `/${s}`;
    const p = idOf(r.chain[level++]);
    ids.push(p);
    return `/{${p.name}}`;
  }).join('');
  const id = idOf(r.collection);
  return { list, entity: `${list}/{${id.name}}`, ids, id };
}

function collectionPaths(r: CollectionRoute): Paths {
  const collection = r.collection;
  const entity = collection.entity();
  const type = collection.type();
  const { list, entity: entityPath, ids, id } = template(r);
  const tags = [String(r.segments[0])];
  const listItem: PathItem = {
    parameters: ids,
    get: {
      tags, operationId: `${collection.name}_list`, summary: `List ${type.name} objects`, description: collection.doc,
      parameters: query({ ...LIST_PARAMS, ...collection.list }),
      responses: {
        200: {
          description: `The ${type.name} objects the caller may see; as NDJSON (\`Accept: ${NDJSON.mediaType}\`), one object a line.`,
          content: { ...content(ref(listSchemaName(type))), [NDJSON.mediaType]: { schema: ref(type.name) } },
        },
        ...FAULTS,
      },
    },
  };
  if (collection.add) {
    const add = collection.add;
    listItem.post = {
      tags, operationId: `${collection.name}_add`, summary: `Add a ${type.name}`, description: collection.doc,
      parameters: query({ ...READ_PARAMS, ...add.params }),
      requestBody: body(ref(type.name), needs(type, add), `The new ${type.name}; its inputs: ${named(add)}.`),
      responses: {
        201: { ...answer(`The ${type.name} added.`, ref(type.name)), headers: { Location: { description: 'Where the new object is served.', schema: { type: 'string' } } } },
        ...FAULTS,
      },
    };
  }
  const entityItem: PathItem = { parameters: [...ids, id] };
  const op = (verb: string, summary: string, o: Partial<Operation>): Operation => ({ tags, operationId: `${entity.name}_${verb}`, summary, description: entity.doc, ...o });
  if (entity.get) {
    entityItem.get = op('get', `Get a ${type.name}`, {
      parameters: query({ ...GET_PARAMS, ...entity.getParams }),
      responses: { 200: answer(`The ${type.name}.`, ref(type.name)), ...FAULTS },
    });
  }
  if (entity.update) {
    const update = entity.update;
    entityItem.put = op('update', `Update a ${type.name}`, {
      parameters: query({ ...READ_PARAMS, ...update.params }),
      requestBody: body(ref(type.name), needs(type, update), `The ${type.name} as changed; only what its inputs name applies: ${named(update)}.`),
      responses: { 200: answer(`The ${type.name} as changed.`, ref(type.name)), ...FAULTS },
    });
  }
  if (entity.remove) {
    entityItem.delete = op('remove', `Remove a ${type.name}`, {
      parameters: query(entity.remove.params ?? {}),
      responses: { 200: { description: 'Removed.' }, ...FAULTS },
    });
  }
  const actions = Object.fromEntries(entity.actions.map((a): [string, PathItem] => [`${entityPath}/${a.name}`, {
    parameters: [...ids, id],
    post: {
      tags, operationId: `${entity.name}_${a.name}`, summary: `${a.name} (${type.name})`, description: a.doc,
      requestBody: actionBody(a),
      responses: {
        200: answer('Done.', ref(T.Action.name)),
        202: answer('Under way (with `async=true`): its job tells when it ends.', ref(T.Action.name)),
        ...FAULTS,
      },
    },
  }]));
  return { [list]: listItem, [entityPath]: entityItem, ...actions };
}

/** Every path of the service tree below the API root, the root itself first. */
export function treePaths(): Paths {
  const root: PathItem = {
    get: {
      tags: ['api'], operationId: 'Api_get', summary: 'The entry point', description: T.Api.doc,
      parameters: query(READ_PARAMS),
      responses: {
        200: answer('Product details, counts and a link to every top-level collection.', {
          allOf: [ref(T.Api.name), { properties: { link: { type: 'array', items: ref(LINK) } } }],
        }),
        ...FAULTS,
      },
    },
  };
  return Object.assign({ '/': root }, ...collectionRoutes.map(collectionPaths));
}

/** A tag per top-level collection, told by its doc: the sections of the explorer page. */
export function treeTags(): OpenAPIV3_1.TagObject[] {
  return Object.entries(Root.locators).map(([name, locate]) => ({ name, description: locate().doc }));
}
