// SSO endpoints outside the API: the OAuth2 password grant (with @node-oauth/oauth2-server),
// token introspection, logout, health and the CA.
import { Request, ResponseObject, ResponseToolkit, ServerRoute } from '@hapi/hapi';
import Boom from '@hapi/boom';
import OAuth2Server from '@node-oauth/oauth2-server';
import type { OpenAPIV3_1 } from 'openapi-types';
import { Engine, Principal } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { EventCode, recordEvent } from '../services/events';
import { Sso, oversizedField } from '../sso';
import { API_SCOPE } from '../sso/tokens';
import { FORM_BODY_MAX, readPayload } from './body';
import { serverFault } from './faults';
import { OperationFacts, TOKEN_PATH } from './openapi';

/** oVirt clients send no client id; they are served as this one client. */
const DEFAULT_CLIENT = 'ovirt-engine-client';

/** Parameters that are credentials: URLs end up in logs and histories, so these come only in a body. */
const CREDENTIAL_PARAMS = ['password', 'token'];

/** The form parameters of an SSO request: its query's and its POST body's. */
async function params(request: Request): Promise<Record<string, string>> {
  const query = request.query as Record<string, string>;
  const inUrl = CREDENTIAL_PARAMS.find((name) => name in query);
  if (inUrl) throw new OAuth2Server.InvalidRequestError(`The ${inUrl} must be sent in the body of a POST request, not in the URL`);
  const body = Object.fromEntries(new URLSearchParams((await readPayload(request, FORM_BODY_MAX)).toString('utf8')));
  return { ...query, ...body };
}

/** Errors the token endpoint answers with, in the shape OAuth2 clients (and ovirtsdk4) parse. */
class LoginsLocked extends OAuth2Server.OAuthError {
  constructor(readonly retryAfter: number) {
    super(`Too many failed logins: try again in ${retryAfter} seconds`, { code: 429, name: 'access_denied' });
  }
}

function oauthFor(engine: Engine, sso: Sso, address: string): OAuth2Server {
  const model: OAuth2Server.PasswordModel = {
    getClient: async (clientId) => ({ id: clientId, grants: ['password'] }),
    async getUser(username, password) {
      const result = await sso.login(username, password, address);
      if (result.kind === 'locked') throw new LoginsLocked(result.retryAfter);
      if (result.kind === 'invalid') throw new OAuth2Server.InvalidRequestError(result.detail);
      return result.kind === 'ok' ? result.principal : false;
    },
    async validateScope(_user, _client, scope) {
      return scope?.includes(API_SCOPE) ? scope : false;
    },
    generateAccessToken: async (_client, user, scope) =>
      sso.tokens.sign((user as Principal).userId, engine.config.tokenLifetime, scope.join(' ')).token,
    // Only the access token is kept: this engine issues no refresh tokens.
    saveToken: async (token, client, user) => ({
      accessToken: token.accessToken,
      accessTokenExpiresAt: token.accessTokenExpiresAt,
      scope: token.scope,
      client,
      user,
    }),
    async getAccessToken(accessToken) {
      const claims = await sso.tokens.verify(accessToken);
      if (!claims) return false;
      return { accessToken, accessTokenExpiresAt: new Date(claims.exp * 1000), client: { id: DEFAULT_CLIENT, grants: [] }, user: { id: claims.userId } };
    },
  };
  return new OAuth2Server({ model, requireClientAuthentication: { password: false }, accessTokenLifetime: engine.config.tokenLifetime });
}

/**
 * The answer for an error of an SSO endpoint, in the shape OAuth2 clients parse. A body over its
 * cap is answered as the API answers it; unexpected errors (a database failing) are logged and
 * told as the API tells server errors, with their request id and without their text.
 */
function oauthFailure(request: Request, h: ResponseToolkit, e: unknown) {
  if (Boom.isBoom(e) && e.output.statusCode < 500) throw e;
  if (e instanceof OAuth2Server.OAuthError && !(e instanceof OAuth2Server.ServerError)) {
    const out = h.response({ error: e.name, error_description: e.message }).code(e.code).type('application/json');
    if (e instanceof LoginsLocked) out.header('Retry-After', String(e.retryAfter));
    return out;
  }
  // The library wraps what the model threw as `inner`: the cause itself is told and logged.
  const inner: unknown = e instanceof OAuth2Server.ServerError ? (e as { inner?: unknown }).inner ?? e : e;
  const { status, fault } = serverFault(request, Boom.boomify(inner instanceof Error ? inner : new Error(String(inner))));
  return h.response({ error: 'server_error', error_description: fault.detail }).code(status).type('application/json');
}

async function token(engine: Engine, sso: Sso, request: Request, h: ResponseToolkit) {
  const body: Record<string, string> = { client_id: DEFAULT_CLIENT, ...(await params(request)) };
  const oversized = oversizedField({ scope: body.scope });
  if (oversized) throw new OAuth2Server.InvalidRequestError(oversized);
  const req = new OAuth2Server.Request({
    method: 'POST',
    query: {},
    // The library reads the grant from a form body: present the parameters as one.
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(new URLSearchParams(body).toString().length) },
    body,
  });
  const res = new OAuth2Server.Response({ headers: {} });
  const issued = await oauthFor(engine, sso, request.info.remoteAddress).token(req, res);
  const exp = Math.floor((issued.accessTokenExpiresAt?.getTime() ?? Date.now()) / 1000);
  return h.response({ ...(res.body as object), exp: String(exp) }).type('application/json');
}

/** An object of the members `fields` describes, text unless `types` says otherwise. */
function members(fields: Record<string, string>, types: Record<string, 'integer' | 'boolean'> = {}): OpenAPIV3_1.SchemaObject {
  return { type: 'object', properties: Object.fromEntries(Object.entries(fields).map(([name, doc]) => [name, { type: types[name] ?? 'string', description: doc }])) };
}

const json = (description: string, fields: Record<string, string>, types?: Record<string, 'integer' | 'boolean'>): OpenAPIV3_1.ResponseObject =>
  ({ description, content: { 'application/json': { schema: members(fields, types) } } });

/** The facts of an SSO endpoint taking the form `fields`. */
function ssoFacts(summary: string, description: string, fields: Record<string, string>, required: string[], answer: OpenAPIV3_1.ResponseObject): OperationFacts {
  return {
    tags: ['sso'], summary, description,
    requestBody: { required: required.length > 0, content: { 'application/x-www-form-urlencoded': { schema: { ...members(fields), required } } } },
    responses: { 200: answer, '4XX': json('An OAuth2 error.', { error: 'The OAuth2 error code.', error_description: 'What went wrong.' }) },
  };
}

const TOKEN_FACTS = ssoFacts(
  'Log in', 'The OAuth2 password grant: a user name and password for an access token to the API.',
  { grant_type: '`password`.', scope: `\`${API_SCOPE}\`.`, username: 'The user name with its profile (`admin@internal`).', password: 'The password; in the body only.' },
  ['grant_type', 'scope', 'username', 'password'],
  json('The access token.', {
    access_token: 'The token, for `Authorization: Bearer`.', token_type: '`Bearer`.', expires_in: 'Seconds the token is valid for.',
    exp: 'When the token expires, in seconds since the epoch.', scope: 'The scope granted.',
  }, { expires_in: 'integer' }),
);
const TOKEN_INFO_FACTS = ssoFacts(
  'Introspect a token', 'Whether a token is active, and whose it is (RFC 7662).', { token: 'The token; in the body only.' }, ['token'],
  json('What the token is.', {
    active: 'Whether the token is valid.', exp: 'When the token expires, in seconds since the epoch.', jti: 'The id of the token.',
    scope: 'The scope of the token.', user_id: 'The user the token is for.', token_type: '`bearer`.',
  }, { active: 'boolean', exp: 'integer' }),
);
const LOGOUT_FACTS = ssoFacts(
  'Log out', 'Revokes the token given, or that of `Authorization: Bearer`.', { token: 'The token to revoke; in the body only.' }, [],
  json('Logged out.', {}),
);

/** An SSO endpoint, by GET or by POST with a form body of a few fields; errors answered as OAuth2 errors. */
function ssoEndpoint(path: string, facts: OperationFacts, handler: (request: Request, h: ResponseToolkit) => Promise<ResponseObject>): ServerRoute[] {
  const options = { auth: false as const, plugins: { openapi: facts } };
  const guarded = async (request: Request, h: ResponseToolkit) => {
    try {
      return await handler(request, h);
    } catch (e) {
      return oauthFailure(request, h, e);
    }
  };
  return [
    { method: 'GET', path, options, handler: guarded },
    { method: 'POST', path, options, handler: guarded },
  ];
}

export function ssoRoutes(engine: Engine, sso: Sso, caPem: string): ServerRoute[] {
  return [
    ...ssoEndpoint(TOKEN_PATH, TOKEN_FACTS, (request, h) => token(engine, sso, request, h)),
    // Introspection of a token by whoever holds it (RFC 7662 shape).
    ...ssoEndpoint('/ovirt-engine/sso/oauth/token-info', TOKEN_INFO_FACTS, async (request, h) => {
      const claims = await sso.tokens.verify((await params(request)).token ?? '');
      const principal = claims && (await sso.principalOf(claims.userId));
      const body = claims && principal
        ? { active: true, exp: claims.exp, jti: claims.jti, scope: claims.scope, user_id: principal.userName, token_type: 'bearer' }
        : { active: false };
      return h.response(body).type('application/json');
    }),
    ...ssoEndpoint('/ovirt-engine/services/sso-logout', LOGOUT_FACTS, async (request, h) => {
      const bearer = /^Bearer\s+(.+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
      const tokenText = (await params(request)).token ?? bearer;
      const claims = tokenText ? await sso.tokens.verify(tokenText) : undefined;
      if (tokenText && claims && (await sso.tokens.revoke(tokenText))) {
        await recordEvent(new Repo(engine.db), { code: EventCode.USER_LOGOUT, severity: 'normal', description: 'User logged out.', userId: claims.userId });
      }
      return h.response({}).type('application/json');
    }),
    {
      method: 'GET',
      path: '/ovirt-engine/services/health',
      options: {
        auth: false,
        plugins: {
          openapi: {
            tags: ['services'], summary: 'Health', description: 'Answers once the database answers.',
            responses: { 200: { description: 'The engine is up.', content: { 'text/plain': {} } }, '5XX': { $ref: '#/components/responses/Fault' } },
          },
        },
      },
      handler: async (_request, h) => {
        await engine.db.raw('select 1');
        return h.response('DB Up!Welcome to Health Status!').type('text/plain');
      },
    },
    {
      method: 'GET',
      path: '/ovirt-engine/services/pki-resource',
      options: {
        auth: false,
        plugins: {
          openapi: {
            tags: ['services'], summary: "The engine's CA certificate",
            parameters: [
              { name: 'resource', in: 'query', required: true, description: 'What to answer.', schema: { type: 'string', enum: ['ca-certificate'] } },
              { name: 'format', in: 'query', description: '`X509-PEM-CA` for the media type of a CA certificate.', schema: { type: 'string' } },
            ],
            responses: {
              200: { description: 'The certificate, in PEM.', content: { 'application/x-x509-ca-cert': {}, 'text/plain': {} } },
              404: { description: 'No such resource.', content: { 'text/plain': {} } },
            },
          },
        },
      },
      handler: (request, h) => {
        const q = request.query as Record<string, string>;
        if (q.resource !== 'ca-certificate') return h.response('Unknown resource').code(404).type('text/plain');
        return h.response(caPem).type(q.format === 'X509-PEM-CA' ? 'application/x-x509-ca-cert' : 'text/plain');
      },
    },
  ];
}
