// Logins with the long-lived API tokens users make for scripts and robots: a token is kept as
// its SHA-256 hash, and is live until it expires or is removed.
import { createHash } from 'node:crypto';
import { Knex } from 'knex';

/** Robot tokens are told apart from SSO tokens by this prefix. */
export const ROBOT_PREFIX = 'hgr_';

/** What is kept of a robot token. */
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex');

/** The user a live robot token acts as. */
export async function robotUser(db: Knex, token: string): Promise<string | undefined> {
  const row = await db('api_token_secrets').where('token_hash', tokenDigest(token)).first<{ user_id: string; expires_at: string | number } | undefined>();
  return row && Number(row.expires_at) > Date.now() ? row.user_id : undefined;
}
