// SSO access tokens: random bearer strings, kept only as SHA-256 hashes with their expiry.
import { createHash, randomBytes } from 'node:crypto';
import { Repo } from '../services/store/repo';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export interface IssuedToken {
  token: string;
  expiresAt: number;
}

export async function issueToken(repo: Repo, userId: string, lifetimeSeconds: number): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = Date.now() + lifetimeSeconds * 1000;
  await repo.db('sso_tokens').insert({ token_hash: digest(token), user_id: userId, expires_at: expiresAt });
  return { token, expiresAt };
}

/** The user id a live token belongs to. */
export async function tokenUser(repo: Repo, token: string): Promise<string | undefined> {
  const row: { user_id: string; expires_at: string | number } | undefined = await repo
    .db('sso_tokens').where('token_hash', digest(token)).first('user_id', 'expires_at');
  return row && Number(row.expires_at) > Date.now() ? row.user_id : undefined;
}

export async function revokeToken(repo: Repo, token: string): Promise<void> {
  await repo.db('sso_tokens').where('token_hash', digest(token)).delete();
}
