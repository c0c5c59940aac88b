// Authentication of API requests: `Authorization: Bearer <SSO token>`, or HTTP Basic with
// `user@profile:password` as oVirt keeps for older clients.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import * as T from '../model/types';
import { Engine, Principal } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { unauthorized } from '../services/fault';
import { authenticate } from '../sso/users';
import { tokenUser } from '../sso/tokens';
import { header } from './negotiation';

async function principalOf(engine: Engine, authorization: string | undefined): Promise<Principal | undefined> {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  const repo = new Repo(engine.db);
  switch (scheme.toLowerCase()) {
    case 'bearer': {
      const userId = await tokenUser(repo, value);
      const user = userId && (await repo.get(T.User, userId));
      return user ? { userId: String(user.id), userName: String(user.user_name ?? user.name) } : undefined;
    }
    case 'basic': {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? undefined : authenticate(repo, decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    default:
      return undefined;
  }
}

export const STRATEGY = 'ovirt';

export const auth: Plugin<{ engine: Engine }> = {
  name: 'hangar-auth',
  register(server, { engine }) {
    server.auth.scheme(STRATEGY, () => ({
      async authenticate(request: Request, h: ResponseToolkit) {
        const principal = await principalOf(engine, header(request, 'authorization'));
        if (!principal) {
          const err = unauthorized(header(request, 'authorization') ? 'The credentials are not valid or have expired' : 'Authentication is required');
          err.output.headers['WWW-Authenticate'] = 'Bearer realm="RESTAPI"';
          return h.unauthenticated(err);
        }
        return h.authenticated({ credentials: { user: principal } });
      },
    }));
    server.auth.strategy(STRATEGY, STRATEGY);
    server.auth.default(STRATEGY);
  },
};

export function principal(request: Request): Principal {
  return request.auth.credentials.user as unknown as Principal;
}
