// SSO endpoints outside the API: the OAuth2 password grant, logout, health and the CA.
import { ServerRoute } from '@hapi/hapi';
import { Engine } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { authenticate } from '../sso/users';
import { issueToken, revokeToken } from '../sso/tokens';

/** The scope oVirt clients ask for; `ovirt-ext=token-info:*` scopes come with it. */
const API_SCOPE = 'ovirt-app-api';

function form(payload: unknown): Record<string, string> {
  if (Buffer.isBuffer(payload)) return Object.fromEntries(new URLSearchParams(payload.toString('utf8')));
  if (payload && typeof payload === 'object') return payload as Record<string, string>;
  return {};
}

export function ssoRoutes(engine: Engine, caPem: string): ServerRoute[] {
  const oauthError = (error: string, description: string, code: number) => ({ error, error_description: description, code });
  return [
    {
      method: ['GET', 'POST'],
      path: '/ovirt-engine/sso/oauth/token',
      options: { auth: false },
      handler: async (request, h) => {
        const p = { ...form(request.payload), ...(request.query as Record<string, string>) };
        const reply = (body: object, code = 200) => h.response(body).code(code).type('application/json');
        if (p.grant_type !== 'password') {
          const e = oauthError('unsupported_grant_type', `Grant type '${p.grant_type ?? ''}' is not supported: use password`, 400);
          return reply(e, e.code);
        }
        const scopes = (p.scope ?? '').split(/\s+/).filter(Boolean);
        if (!scopes.includes(API_SCOPE)) {
          const e = oauthError('invalid_scope', `The scope must include ${API_SCOPE}`, 400);
          return reply(e, e.code);
        }
        const repo = new Repo(engine.db);
        const who = p.username && p.password ? await authenticate(repo, p.username, p.password) : undefined;
        if (!who) {
          const e = oauthError('access_denied', 'Cannot authenticate user: wrong user name or password', 401);
          return reply(e, e.code);
        }
        const issued = await issueToken(repo, who.userId, engine.config.tokenLifetime);
        return reply({
          access_token: issued.token,
          token_type: 'bearer',
          scope: scopes.join(' '),
          exp: String(Math.floor(issued.expiresAt / 1000)),
        });
      },
    },
    {
      method: ['GET', 'POST'],
      path: '/ovirt-engine/services/sso-logout',
      options: { auth: false },
      handler: async (request, h) => {
        const p = { ...form(request.payload), ...(request.query as Record<string, string>) };
        const bearer = /^Bearer\s+(.+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
        const token = p.token ?? bearer;
        if (token) await revokeToken(new Repo(engine.db), token);
        return h.response({}).type('application/json');
      },
    },
    {
      method: 'GET',
      path: '/ovirt-engine/services/health',
      options: { auth: false },
      handler: async (_request, h) => {
        await engine.db.raw('select 1');
        return h.response('DB Up!Welcome to Health Status!').type('text/plain');
      },
    },
    {
      method: 'GET',
      path: '/ovirt-engine/services/pki-resource',
      options: { auth: false },
      handler: (request, h) => {
        const q = request.query as Record<string, string>;
        if (q.resource !== 'ca-certificate') return h.response('Unknown resource').code(404).type('text/plain');
        return h.response(caPem).type(q.format === 'X509-PEM-CA' ? 'application/x-x509-ca-cert' : 'text/plain');
      },
    },
  ];
}
