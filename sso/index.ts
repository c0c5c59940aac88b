// The SSO runtime of one engine process: token signing and checking, sessions, robot tokens
// and login throttling, over the database every process shares.
import { Knex } from 'knex';
import * as T from '../model/types';
import { Engine, Principal } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { ADMIN_USER_ID } from '../services/store/seed';
import { EventCode, recordEvent } from '../services/events';
import { Account, accountName, accountOf, passwordMatches, principalOfAccount, unknownAccountHash } from './directory';
import { loadSigningKeys } from './keys';
import { LoginThrottle, unlockAccount } from './throttle';
import { SessionStore } from './sessions';
import { TokenService } from './tokens';
import { ROBOT_PREFIX, robotUser } from './robot-tokens';
import { VerifiedLogins } from './verified-logins';
import { SharedReads } from './shared-reads';

export type LoginResult =
  | { kind: 'ok'; principal: Principal }
  | { kind: 'denied' }
  | { kind: 'locked'; retryAfter: number }
  | { kind: 'invalid'; detail: string };

/** The longest values the SSO takes: every real name, password and scope fits well within. */
export const FIELD_LIMITS = { username: 256, password: 1024, scope: 1024 } as const;

/** What is wrong with the first of `fields` that is longer than the SSO takes. */
export function oversizedField(fields: Partial<Record<keyof typeof FIELD_LIMITS, string>>): string | undefined {
  for (const [name, value] of Object.entries(fields) as [keyof typeof FIELD_LIMITS, string | undefined][]) {
    if (value !== undefined && value.length > FIELD_LIMITS[name]) return `The ${name} is longer than ${FIELD_LIMITS[name]} characters`;
  }
  return undefined;
}

/** How long Basic credentials, once verified, are taken without checking their password again. */
const BASIC_RECALL_MS = 60_000;

/** Every name of an account counts as the account; a name no account has, as its normalised form. */
function accountKey(account: Account | undefined, login: string): string {
  return account ? `account:${account.id}` : `name:${(accountName(login) ?? login).toLowerCase()}`;
}

/** Ends the lockout of the account a login name names (or of the name, when no account has it). */
export async function unlockLogin(db: Knex, login: string): Promise<number> {
  return unlockAccount(db, accountKey(await accountOf(db, login), login));
}

export class Sso {
  private readonly verified = new VerifiedLogins(BASIC_RECALL_MS);
  private readonly principals: SharedReads<Principal | undefined>;

  private constructor(
    private readonly engine: Engine,
    readonly tokens: TokenService,
    readonly sessions: SessionStore,
    private readonly throttle: LoginThrottle,
  ) {
    this.principals = new SharedReads([T.User], engine.config.revocationRefreshMs);
  }

  static async open(engine: Engine): Promise<Sso> {
    const c = engine.config;
    const keys = await loadSigningKeys(engine.db);
    // Made now, so that no login pays for it (that would tell unknown names apart).
    await unknownAccountHash();
    return new Sso(
      engine,
      new TokenService(engine.db, keys, c.revocationRefreshMs),
      new SessionStore(engine.db, c.sessionTimeout),
      new LoginThrottle(engine.db, { maxFailures: c.loginMaxFailures, lockoutSeconds: c.loginLockout, delayMs: c.loginDelayMs }),
    );
  }

  /**
   * Checks a password login from `address`, throttled and recorded in the audit log. The attempt
   * is counted before the password is checked, and costs the same for unknown names.
   */
  async login(login: string, password: string, address: string): Promise<LoginResult> {
    const oversized = oversizedField({ username: login, password });
    if (oversized) return { kind: 'invalid', detail: oversized };
    const db = this.engine.db;
    const repo = new Repo(db);
    const account = await accountOf(db, login);
    const reservation = await this.throttle.reserve({ account: accountKey(account, login), address, delayOnly: account?.id === ADMIN_USER_ID });
    if ('retryAfter' in reservation) return { kind: 'locked', retryAfter: reservation.retryAfter };
    if ((await passwordMatches(account, password)) && account) {
      await this.throttle.succeeded(reservation);
      const principal = await principalOfAccount(db, account);
      await recordEvent(repo, { code: EventCode.USER_LOGIN, severity: 'normal', description: `User ${principal.userName} logged in from ${address}.`, userId: principal.userId });
      return { kind: 'ok', principal };
    }
    await this.throttle.failed(reservation);
    await recordEvent(repo, { code: EventCode.USER_LOGIN_FAILED, severity: 'warning', description: `Failed login of ${login} from ${address}.` });
    if (reservation.locks) {
      await recordEvent(repo, {
        code: EventCode.USER_LOGIN_LOCKED, severity: 'alert',
        description: `Logins of ${login} or from ${address} are refused for ${this.engine.config.loginLockout} s after repeated failures.`,
      });
    }
    return { kind: 'denied' };
  }

  /**
   * Checks the credentials of a Basic request: as a login the first time, then recalled for a
   * while unless the user's credentials were revoked since (a password change).
   */
  async basic(login: string, password: string, address: string): Promise<LoginResult> {
    const known = this.verified.recall(login, password);
    if (known && !(await this.tokens.revokedSince(known.userId, known.at))) {
      const principal = await this.principalOf(known.userId);
      if (principal) return { kind: 'ok', principal };
    }
    return this.verified.checkOnce(login, password, async () => {
      const result = await this.login(login, password, address);
      if (result.kind === 'ok') this.verified.remember(login, password, result.principal.userId);
      return result;
    });
  }

  /** The caller a bearer token stands for: an SSO token, or a robot token. */
  async bearer(token: string): Promise<Principal | undefined> {
    const userId = token.startsWith(ROBOT_PREFIX) ? await robotUser(this.engine.db, token) : (await this.tokens.verify(token))?.userId;
    return userId === undefined ? undefined : this.principalOf(userId);
  }

  /** The user as a caller; shared by the requests of a while, as each of them asks. */
  principalOf(userId: string): Promise<Principal | undefined> {
    return this.principals.get(userId, async () => {
      const user = await new Repo(this.engine.db).get(T.User, userId);
      return user && { userId: user.id, userName: String(user.user_name ?? user.name) };
    });
  }
}
