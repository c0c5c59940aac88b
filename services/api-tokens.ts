// Long-lived API tokens that users make for scripts and robots (`/users/{id}/apitokens`):
// shown once when made, kept as SHA-256 hashes, revoked by removing them.
import { randomBytes, randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { implement } from './behaviour';
import { load, storedCollection } from './stored';
import { badRequest } from './fault';
import { ROBOT_PREFIX, tokenDigest } from '../sso/robot-tokens';

const tokens = storedCollection(S.UserApiTokens);

export const userApiTokens = implement(S.UserApiTokens, {
  list: tokens.list,
  async add(call, body) {
    const expiration = Date.parse(body.expiration ?? '');
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
    await call.repo.db('api_token_secrets').insert({ token_hash: tokenDigest(secret), token_id: stored.id, user_id: call.scope[0], expires_at: expiration });
    return { ...stored, token: secret };
  },
});

export const userApiToken = implement(S.UserApiToken, {
  get: (call) => load(call, S.UserApiTokens),
  async remove(call) {
    const token = await load(call, S.UserApiTokens);
    await call.repo.remove(T.ApiToken, token.id, { user: call.scope[0] });
    await call.repo.db('api_token_secrets').where('token_id', token.id).delete();
  },
});
