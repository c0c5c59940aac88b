// SSO access tokens: JWTs signed with the engine's key pair, each with an id (`jti`) that
// logout revokes; a password change revokes every token of its user issued until then.
// Revocations are shared through the database; each process refreshes its copy every
// `revocationRefreshMs`, the bound within which a revocation reaches every process (the process
// that made it refreshes at its next check).
import { createHash, randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import jwt from 'jsonwebtoken';
import { SigningKeys } from './keys';
import { onCommit } from '../services/store/committed';
import { BoundedMap } from '../services/bounded-map';

export const API_SCOPE = 'ovirt-app-api';
const ISSUER = 'hangar-sso';
/** The issue time in milliseconds (`iat` has seconds): a login right after a password change must count as after it. */
const ISSUED_MS = 'iat_ms';

/** Revocations made by this process since it started: a change tells its token services to refresh. */
let revocationsMade = 0;

/**
 * Revokes every token and session the user has now (in the transaction of the password change):
 * tokens by their issue time, sessions by removing them.
 */
export async function revokeUserCredentials(db: Knex | Knex.Transaction, userId: string): Promise<void> {
  await db('revoked_users').insert({ user_id: userId, issued_until: Date.now() }).onConflict('user_id').merge();
  await db('sessions').where('user_id', userId).delete();
  // Counted once it is committed, so that a refresh started sooner cannot take it for seen.
  onCommit(db, () => revocationsMade++);
}

export interface TokenClaims {
  userId: string;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  scope: string;
}

/** Tokens whose signature was checked, with their claims: checking an RS256 signature costs more than the rest of a read. */
const CHECKED_TOKENS = 10_000;

export class TokenService {
  /** Checked tokens' claims, by a digest of the token. */
  private readonly checked = new BoundedMap<string, { sub: string; jti: string; exp: number; issued: number; scope: string }>(CHECKED_TOKENS);
  private revoked = new Set<string>();
  /** User id → the issue time (ms) up to which the user's tokens are revoked. */
  private revokedUntil = new Map<string, number>();
  private lastRefresh = 0;
  private revocationsSeen = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly db: Knex,
    private readonly keys: SigningKeys,
    private readonly revocationRefreshMs: number,
  ) {}

  sign(userId: string, lifetimeSeconds: number, scope = API_SCOPE): { token: string; claims: TokenClaims } {
    const jti = randomUUID();
    const token = jwt.sign({ scope, [ISSUED_MS]: Date.now() }, this.keys.privateKey, {
      algorithm: 'RS256',
      subject: userId,
      jwtid: jti,
      issuer: ISSUER,
      keyid: this.keys.id,
      expiresIn: lifetimeSeconds,
    });
    const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
    return { token, claims: { userId, jti, exp, scope } };
  }

  /** The claims of a valid, unexpired and unrevoked token; undefined for anything else. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    const claims = this.signed(token);
    // Expiry as jsonwebtoken judges it, for a token whose signature was checked before.
    if (!claims || Math.floor(Date.now() / 1000) >= claims.exp) return undefined;
    if (await this.revokedSince(claims.sub, claims.issued)) return undefined;
    if (this.revoked.has(claims.jti)) return undefined;
    return { userId: claims.sub, jti: claims.jti, exp: claims.exp, scope: claims.scope };
  }

  /** The claims of a token signed by this engine, its signature checked once. */
  private signed(token: string) {
    const digest = createHash('sha256').update(token).digest('base64');
    const known = this.checked.get(digest);
    if (known) return known;
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.keys.publicKey, { algorithms: ['RS256'], issuer: ISSUER }) as jwt.JwtPayload;
    } catch {
      return undefined;
    }
    if (!payload.sub || !payload.jti || !payload.exp) return undefined;
    const claims = { sub: payload.sub, jti: payload.jti, exp: payload.exp, issued: Number(payload[ISSUED_MS] ?? (payload.iat ?? 0) * 1000), scope: String(payload.scope ?? '') };
    this.checked.set(digest, claims);
    return claims;
  }

  /** Whether the user's credentials given at `atMs` (a token's issue, a password's check) were revoked since. */
  async revokedSince(userId: string, atMs: number): Promise<boolean> {
    await this.refreshRevocations();
    return atMs <= (this.revokedUntil.get(userId) ?? -1);
  }

  /** Revokes a token given whole; tokens that do not verify need no revoking. */
  async revoke(token: string): Promise<boolean> {
    const claims = await this.verify(token);
    if (!claims) return false;
    await this.db('revoked_tokens').insert({ jti: claims.jti, expires_at: claims.exp * 1000 }).onConflict('jti').ignore();
    this.revoked.add(claims.jti);
    return true;
  }

  private refreshRevocations(): Promise<void> {
    const fresh = Date.now() - this.lastRefresh < this.revocationRefreshMs && this.revocationsSeen === revocationsMade;
    if (fresh) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        const now = Date.now();
        const seen = revocationsMade;
        // Expired tokens fail verification anyway; their revocations can go.
        await this.db('revoked_tokens').where('expires_at', '<', now).delete();
        const rows: { jti: string }[] = await this.db('revoked_tokens').select('jti');
        const users: { user_id: string; issued_until: string | number }[] = await this.db('revoked_users').select('user_id', 'issued_until');
        this.revoked = new Set(rows.map((r) => r.jti));
        this.revokedUntil = new Map(users.map((u) => [u.user_id, Number(u.issued_until)]));
        this.lastRefresh = now;
        this.revocationsSeen = seen;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
