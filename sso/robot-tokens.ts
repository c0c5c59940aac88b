// Long-lived API tokens that users make for scripts and robots (`/users/{id}/apitokens`):
// shown once when made, kept as SHA-256 hashes, revoked by removing them.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import * as S from '../model/services';
import * as T from '../model/types';
import { implement } from '../services/behaviour';
import { load, storedCollection } from '../services/stored';
import { badRequest } from '../services/fault';

/** Robot tokens are told apart from SSO tokens by this prefix. */
export const ROBOT_PREFIX = 'hgr_';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** The user a live robot token acts as. */
export async function robotUser(db: Knex, token: string): Promise<string | undefined> {
  const row = await db('api_token_secrets').where('token_hash', digest(token)).first<{ user_id: string; expires_at: string | number } | undefined>();
  return row && Number(row.expires_at) > Date.now() ? row.user_id : undefined;
}

const tokens = storedCollection(S.UserApiTokens);

implement(S.UserApiTokens, {
  list: tokens.list,
  async add(call, body) {
    const expiration = Date.parse(String(body.expiration));
    if (!(expiration > Date.now())) throw badRequest('expiration must be a date in the future');
    const secret = ROBOT_PREFIX + randomBytes(32).toString('base64url');
    const stored = {
      id: randomUUID(),
      name: body.name,
      expiration: new Date(expiration).toISOString(),
      creation_time: new Date().toISOString(),
      user: { id: call.scope[0] },
    };
    await call.repo.insert(T.ApiToken, stored);
    await call.repo.db('api_token_secrets').insert({ token_hash: digest(secret), token_id: stored.id, user_id: call.scope[0], expires_at: expiration });
    return { ...stored, token: secret };
  },
});

implement(S.UserApiToken, {
  get: (call) => load(call, S.UserApiTokens),
  async remove(call) {
    const token = await load(call, S.UserApiTokens);
    await call.repo.remove(T.ApiToken, String(token.id), { user: call.scope[0] });
    await call.repo.db('api_token_secrets').where('token_id', String(token.id)).delete();
  },
});
