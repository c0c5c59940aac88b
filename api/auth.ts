// Authentication of API requests: `Authorization: Bearer` (SSO or robot token), HTTP Basic
// (`user@profile:password`, throttled like the token endpoint), or a persistent-auth session.
//
// Sessions: a request with credentials and `Prefer: persistent-auth` opens one (cookie
// JSESSIONID, HttpOnly, Secure over TLS, SameSite=Strict). The cookie alone is accepted only
// together with that header: a browser form cannot set it, so a forged cross-site request
// fails. A request carrying the cookie without the header ends the session, as oVirt does.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import Boom from '@hapi/boom';
import { Principal } from '../services/behaviour';
import { badRequest, unauthorized } from '../services/fault';
import { Sso } from '../sso';
import { header } from './negotiation';
import { tooManyLogins } from './faults';

export const STRATEGY = 'ovirt';
export const SESSION_COOKIE = 'JSESSIONID';

interface Credentials {
  user: Principal;
  /** A session to open for this client, or the session the request came with. */
  openSession?: boolean;
  session?: string;
}

const wantsSession = (request: Request) => /\bpersistent-auth\b/i.test(header(request, 'prefer') ?? '');

function challenge(detail: string): Boom.Boom {
  const err = unauthorized(detail);
  err.output.headers['WWW-Authenticate'] = 'Bearer realm="RESTAPI"';
  return err;
}

async function fromAuthorization(sso: Sso, request: Request, authorization: string): Promise<Principal> {
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') {
    const principal = await sso.bearer(value);
    if (!principal) throw challenge('The token is not valid, has expired or was revoked');
    return principal;
  }
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw challenge('Malformed Basic credentials');
    const result = await sso.basic(decoded.slice(0, colon), decoded.slice(colon + 1), request.info.remoteAddress);
    if (result.kind === 'locked') throw tooManyLogins(result.retryAfter);
    if (result.kind === 'denied') throw challenge('Wrong user name or password');
    if (result.kind === 'invalid') throw badRequest(result.detail);
    return result.principal;
  }
  throw challenge(`Authorization scheme '${scheme}' is not supported: use Bearer or Basic`);
}

export const auth: Plugin<{ sso: Sso; tls: boolean }> = {
  name: 'hangar-auth',
  register(server, { sso, tls }) {
    server.state(SESSION_COOKIE, {
      isHttpOnly: true,
      isSecure: tls,
      isSameSite: 'Strict',
      path: '/ovirt-engine/api',
      ttl: sso.sessions.timeoutSeconds * 1000,
      encoding: 'none',
      strictHeader: true,
      ignoreErrors: true,
    });

    server.auth.scheme(STRATEGY, () => ({
      async authenticate(request: Request, h: ResponseToolkit) {
        const authorization = header(request, 'authorization');
        const session = request.state[SESSION_COOKIE] as string | undefined;
        try {
          if (authorization) {
            const user = await fromAuthorization(sso, request, authorization);
            if (session && !wantsSession(request)) await sso.sessions.close(session);
            return h.authenticated({ credentials: { user, openSession: wantsSession(request) && !session } as Credentials });
          }
          if (session) {
            if (!wantsSession(request)) {
              await sso.sessions.close(session);
              throw challenge('The session ended: session requests must carry Prefer: persistent-auth');
            }
            const userId = await sso.sessions.touch(session);
            const user = userId && (await sso.principalOf(userId));
            if (!user) throw challenge('The session has expired');
            return h.authenticated({ credentials: { user, session } as Credentials });
          }
          throw challenge('Authentication is required');
        } catch (e) {
          if (session && Boom.isBoom(e) && e.output.statusCode === 401) h.unstate(SESSION_COOKIE);
          return h.unauthenticated(e as Error);
        }
      },
    }));
    server.auth.strategy(STRATEGY, STRATEGY);
    server.auth.default(STRATEGY);

    server.ext('onPostAuth', async (request, h) => {
      const c = request.auth.credentials as unknown as Credentials | null;
      if (c?.openSession) h.state(SESSION_COOKIE, await sso.sessions.open(c.user.userId));
      return h.continue;
    });
  },
};

export function principal(request: Request): Principal {
  return (request.auth.credentials as unknown as Credentials).user;
}

/** The name of the user a request was authenticated as, if it was. */
export function callerName(request: Request): string | undefined {
  return (request.auth.credentials as unknown as Credentials | null)?.user?.userName;
}
