// The OpenAPI 3.1 document of the API: the service tree's operations and schemas, from the
// model, and the server's other routes (SSO, health, CA, event stream, this documentation) from
// the facts each of those routes declares beside its handler.
import type { OpenAPIV3_1 } from 'openapi-types';
import { ServerRoute } from '@hapi/hapi';
import { collectionRoutes } from '../model/tree';
import * as T from '../model/types';
import { API_SCOPE } from '../sso/tokens';
import { PRODUCT_VERSION } from '../services/root';
import { schemasOf, ref } from './openapi-schemas';
import { PathItem, Paths, content, treePaths, treeTags } from './openapi-paths';
import { API_ROOT } from './versioning';

/** What the document says of an operation outside the service tree; its path, method and authentication come from its route. */
export type OperationFacts = Omit<OpenAPIV3_1.OperationObject, 'security' | 'operationId'>;

declare module '@hapi/hapi' {
  interface PluginSpecificConfiguration {
    openapi?: OperationFacts;
  }
}

/** The base of the routes outside the API root (SSO, services). */
const ENGINE_ROOT = '/ovirt-engine';

export const TOKEN_PATH = `${ENGINE_ROOT}/sso/oauth/token`;

const SECURITY_SCHEMES: Record<string, OpenAPIV3_1.SecuritySchemeObject> = {
  oauth2: {
    type: 'oauth2',
    description: 'An SSO access token from the OAuth2 password grant, sent as `Authorization: Bearer`.',
    flows: { password: { tokenUrl: TOKEN_PATH, scopes: { [API_SCOPE]: 'Use the API.' } } },
  },
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token got from the SSO token endpoint.' },
  basic: { type: 'http', scheme: 'basic', description: 'The user name with its profile (`admin@internal`) and password.' },
};

const METHODS = ['get', 'put', 'post', 'delete'] as const;

function methodsOf(route: ServerRoute): (typeof METHODS)[number][] {
  const given = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toLowerCase());
  return METHODS.filter((m) => given.includes(m));
}

/** The paths of routes that declare their facts, each under the base it is served from. */
function routePaths(routes: readonly ServerRoute[]): { api: Paths; engine: Paths } {
  const api: Paths = {};
  const engine: Paths = {};
  for (const route of routes) {
    const facts = route.options && typeof route.options === 'object' ? route.options.plugins?.openapi : undefined;
    if (!facts) throw new Error(`The route ${String(route.method)} ${route.path} declares no OpenAPI facts`);
    const inApi = route.path.startsWith(`${API_ROOT}/`);
    const paths = inApi ? api : engine;
    const key = route.path.slice((inApi ? API_ROOT : ENGINE_ROOT).length);
    const open = typeof route.options === 'object' && route.options.auth === false;
    const item: PathItem = (paths[key] ??= inApi ? {} : { servers: [{ url: ENGINE_ROOT }] });
    for (const m of methodsOf(route)) item[m] = { ...facts, ...(open && { security: [] }) };
  }
  return { api, engine };
}

/** The paths of each part; parts may not serve one path. */
function joined(...parts: Paths[]): Paths {
  const out: Paths = {};
  for (const [key, item] of parts.flatMap((p) => Object.entries(p))) {
    if (out[key]) throw new Error(`Two parts of the server serve ${key}`);
    out[key] = item;
  }
  return out;
}

/** The whole document, for the tree and for the routes besides it, which must declare their facts. */
export function openApiDocument(routes: readonly ServerRoute[]): OpenAPIV3_1.Document {
  const listed = [...new Set(collectionRoutes.map((r) => r.collection.type()))];
  const extra = routePaths(routes);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hangar API',
      version: PRODUCT_VERSION.full_version,
      summary: "A virtualization-management engine's REST API, compatible with oVirt's API v4.",
      description: [
        'Every object comes in XML (the default) or JSON, chosen by `Accept` and `Content-Type`.',
        'Values are text in both, as oVirt writes them; bodies may give JSON numbers and booleans.',
        'A list attribute holds its items under their element name (`{"nics": {"nic": [...]}}`), a link',
        'is an object holding `id` and `href`, and a served list holds its objects under their element',
        'name (`{"vm": [...]}`, `<vms><vm/>...</vms>`). Every error is a fault (`<fault><reason/><detail/></fault>`).',
      ].join(' '),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: API_ROOT }],
    security: Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: name === 'oauth2' ? [API_SCOPE] : [] })),
    tags: [{ name: 'api', description: 'The entry point.' }, ...treeTags()],
    paths: joined(treePaths(), extra.api, extra.engine) as OpenAPIV3_1.PathsObject,
    components: {
      schemas: schemasOf([...listed, T.Api, T.Action, T.Fault], listed),
      responses: { Fault: { description: 'The request failed: a fault says why.', content: content(ref(T.Fault.name)) } },
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
