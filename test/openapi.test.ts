// The OpenAPI document the engine serves: valid OpenAPI 3.1, naming exactly the routes the
// server binds, describing what the engine really answers; it and the explorer page are read
// without credentials.
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI, OpenAPIV3_1 } from 'openapi-types';
import YAML from 'yaml';
import { JSON_FORMAT } from '../model/codec';
import { withEngine } from './support/engine';

type Doc = OpenAPIV3_1.Document;
type AnySchema = OpenAPIV3_1.SchemaObject & { $ref?: string };

const METHODS = ['get', 'put', 'post', 'delete'] as const;
const OPENAPI = '/ovirt-engine/api/openapi.json';

/** A path with its parameters unnamed and no trailing slash: how a hapi route and a document path compare. */
const shape = (p: string) => p.replace(/\{[^}]+\}/g, '{}').replace(/(.)\/$/, '$1');

/** Every operation of the document as `METHOD /full/path`, with the operation. */
function operations(doc: Doc): Map<string, OpenAPIV3_1.OperationObject> {
  const out = new Map<string, OpenAPIV3_1.OperationObject>();
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    const base = (item?.servers ?? doc.servers ?? [{ url: '' }])[0].url;
    for (const m of METHODS) {
      const op = item?.[m];
      if (op) out.set(`${m.toUpperCase()} ${base}${p}`, op);
    }
  }
  return out;
}

/** The members of `value`, at any depth, that `schema` (dereferenced) does not declare, or whose text it does not allow. */
function undeclared(schema: AnySchema, value: unknown, at: string): string[] {
  const parts = (s: AnySchema): AnySchema[] => [s, ...(s.allOf ?? []).flatMap((x) => parts(x as AnySchema))];
  const all = parts(schema);
  if (Array.isArray(value)) {
    const items = all.map((s) => (s as { items?: AnySchema }).items).find((x) => x);
    assert.ok(items, `${at} is a list its schema does not declare`);
    return value.flatMap((v, i) => undeclared(items, v, `${at}[${i}]`));
  }
  if (typeof value === 'object' && value !== null) {
    const properties = Object.assign({}, ...all.map((s) => s.properties ?? {})) as Record<string, AnySchema>;
    return Object.entries(value).flatMap(([k, v]) => (properties[k] ? undeclared(properties[k], v, `${at}.${k}`) : [`${at}.${k}`]));
  }
  const text = String(value);
  const allowed = all.every((s) => (!s.enum || s.enum.includes(text)) && (!s.pattern || new RegExp(s.pattern).test(text)));
  return allowed ? [] : [`${at} = ${text}`];
}

describe('OpenAPI document', function () {
  this.timeout(120000);
  const ctx = withEngine({ format: JSON_FORMAT });
  let doc: Doc;
  before(async () => {
    const r = await ctx.t.request('GET', OPENAPI);
    assert.equal(r.status, 200, r.text);
    doc = JSON.parse(r.text) as Doc;
  });

  it('is valid OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    await SwaggerParser.validate(structuredClone(doc) as OpenAPI.Document);
  });

  it('is served as YAML too, the same document', async () => {
    const r = await ctx.t.request('GET', '/ovirt-engine/api/openapi.yaml');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/yaml/);
    assert.deepEqual(YAML.parse(r.text), doc);
  });

  it('holds every route the server binds, and no other', () => {
    const documented = new Set([...operations(doc).keys()].map((k) => shape(k)));
    for (const server of [ctx.t.servers.https, ctx.t.servers.http!]) {
      // Routes of any method answer only faults: 405 naming the methods a path takes, or 404.
      const bound = new Set(server.table().filter((r) => r.method !== '*').map((r) => shape(`${r.method.toUpperCase()} ${r.path}`)));
      assert.ok(bound.has('GET /ovirt-engine/api/vms/{}') && bound.has('POST /ovirt-engine/api/vms/{}/start'));
      assert.deepEqual([...bound].filter((k) => !documented.has(k)), [], 'bound but not documented');
      assert.deepEqual([...documented].filter((k) => !bound.has(k)), [], 'documented but not bound');
    }
  });

  it("describes the engine's answers: a VM, the VM list, the entry point and a fault have only what their schemas declare", async () => {
    const api = ctx.api;
    const added = await api.call('POST', '/vms', JSON.stringify({ name: 'schema-vm', cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: 536870912, cpu: { topology: { sockets: 1, cores: 1, threads: 1 } } }));
    assert.equal(added.status, 201, added.text);
    const id = (JSON.parse(added.text) as { id: string }).id;
    const deref = (await SwaggerParser.dereference(structuredClone(doc) as OpenAPI.Document)) as Doc;
    const answerOf = (p: string, status: string) => {
      const response = deref.paths?.[p]?.get?.responses?.[status] as OpenAPIV3_1.ResponseObject;
      return response.content?.['application/json'].schema as AnySchema;
    };
    const checks: [string, string, string][] = [
      [`/vms/${id}?all_content=true`, '/vms/{vm_id}', '200'],
      ['/vms', '/vms', '200'],
      ['', '/', '200'],
      ['/vms/no-such-vm', '/vms/{vm_id}', '4XX'],
    ];
    for (const [url, p, status] of checks) {
      const r = await api.call('GET', url);
      assert.equal(String(r.status)[0], status[0], r.text);
      const body = JSON.parse(r.text) as unknown;
      assert.deepEqual(undeclared(answerOf(p, status), body, url || '/'), [], `GET ${url || '/'}`);
      assert.ok(Object.keys(body as object).length > 0);
    }
    // The check sees what a schema leaves out.
    assert.deepEqual(undeclared(answerOf('/vms/{vm_id}', '200'), { name: 'x', status: 'flying', spin: '1' }, 'vm'), ['vm.status = flying', 'vm.spin']);
  });

  it('requires the mandatory inputs the model declares', () => {
    const add = doc.paths?.['/vms']?.post?.requestBody as OpenAPIV3_1.RequestBodyObject;
    const needs = JSON.stringify(add.content['application/json'].schema);
    for (const input of ['"required":["name"]', '"required":["cluster"]', '"required":["template"]']) assert.ok(needs.includes(input), input);
    const params = (doc.paths?.['/vms']?.get?.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
    assert.deepEqual(params.filter((p) => ['search', 'max', 'follow'].includes(p.name)).map((p) => [p.name, (p.schema as AnySchema).type]), [['follow', 'string'], ['max', 'integer'], ['search', 'string']]);
    assert.ok(params.every((p) => p.description), 'every query parameter says what it means');
  });

  it('is read without credentials, as the explorer is; every other operation needs them', async () => {
    for (const p of [OPENAPI, '/ovirt-engine/api/v4/openapi.json', '/ovirt-engine/api/openapi.yaml', '/ovirt-engine/api/docs', '/ovirt-engine/api/docs/swagger-ui-bundle.js', '/ovirt-engine/api/docs/swagger-ui.css']) {
      const r = await ctx.t.request('GET', p);
      assert.equal(r.status, 200, p);
    }
    const page = await ctx.t.request('GET', '/ovirt-engine/api/docs');
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match((await ctx.t.request('GET', '/ovirt-engine/api/docs/swagger-ui.css')).headers.get('content-type') ?? '', /^text\/css/);
    // Only the files the Swagger UI package lists are served, whatever the name given.
    for (const p of ['package.json', 'nosuch.js', '..%2Fpackage.json', '..%2F..%2Fyaml%2Fpackage.json']) {
      assert.equal((await ctx.t.request('GET', `/ovirt-engine/api/docs/${p}`)).status, 404, p);
    }
    let secured = 0;
    for (const [key, op] of operations(doc)) {
      if (op.security?.length === 0) continue;
      const [method, p] = key.split(' ');
      const r = await ctx.t.request(method, p.replace(/\{[^}]+\}/g, 'x'));
      assert.equal(r.status, 401, `${key}: ${r.text}`);
      secured++;
    }
    assert.ok(secured > 300);
  });
});
