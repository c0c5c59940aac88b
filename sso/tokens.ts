// SSO access tokens: JWTs signed with the engine's key pair, each with an id (`jti`) that
// logout revokes. Revocations are shared through the database; each process refreshes its
// copy every `revocationRefreshMs`, the bound within which a revocation reaches every process.
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import jwt from 'jsonwebtoken';
import { SigningKeys } from './keys';

export const API_SCOPE = 'ovirt-app-api';
const ISSUER = 'hangar-sso';

export interface TokenClaims {
  userId: string;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  scope: string;
}

export class TokenService {
  private revoked = new Set<string>();
  private lastRefresh = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly db: Knex,
    private readonly keys: SigningKeys,
    private readonly revocationRefreshMs: number,
  ) {}

  sign(userId: string, lifetimeSeconds: number, scope = API_SCOPE): { token: string; claims: TokenClaims } {
    const jti = randomUUID();
    const token = jwt.sign({ scope }, this.keys.privateKey, {
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
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.keys.publicKey, { algorithms: ['RS256'], issuer: ISSUER }) as jwt.JwtPayload;
    } catch {
      return undefined;
    }
    if (!payload.sub || !payload.jti || !payload.exp) return undefined;
    await this.refreshRevocations();
    if (this.revoked.has(payload.jti)) return undefined;
    return { userId: payload.sub, jti: payload.jti, exp: payload.exp, scope: String(payload.scope ?? '') };
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
    if (Date.now() - this.lastRefresh < this.revocationRefreshMs) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        const now = Date.now();
        // Expired tokens fail verification anyway; their revocations can go.
        await this.db('revoked_tokens').where('expires_at', '<', now).delete();
        const rows: { jti: string }[] = await this.db('revoked_tokens').select('jti');
        this.revoked = new Set(rows.map((r) => r.jti));
        this.lastRefresh = now;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
