// The SSO runtime of one engine process: token signing and checking, sessions, robot tokens
// and login throttling, over the database every process shares.
import * as T from '../model/types';
import { Engine, Principal } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { EventCode, recordEvent } from '../services/events';
import { authenticate } from './directory';
import { loadSigningKeys } from './keys';
import { LoginThrottle } from './throttle';
import { SessionStore } from './sessions';
import { TokenService } from './tokens';
import { ROBOT_PREFIX, robotUser } from './robot-tokens';

export type LoginResult =
  | { kind: 'ok'; principal: Principal }
  | { kind: 'denied' }
  | { kind: 'locked'; retryAfter: number };

export class Sso {
  private constructor(
    private readonly engine: Engine,
    readonly tokens: TokenService,
    readonly sessions: SessionStore,
    private readonly throttle: LoginThrottle,
  ) {}

  static async open(engine: Engine): Promise<Sso> {
    const c = engine.config;
    const keys = await loadSigningKeys(engine.db);
    return new Sso(
      engine,
      new TokenService(engine.db, keys, c.revocationRefreshMs),
      new SessionStore(engine.db, c.sessionTimeout),
      new LoginThrottle(engine.db, { maxFailures: c.loginMaxFailures, lockoutSeconds: c.loginLockout, delayMs: c.loginDelayMs }),
    );
  }

  /** Checks a password login from `address`, throttled and recorded in the audit log. */
  async login(login: string, password: string, address: string): Promise<LoginResult> {
    const repo = new Repo(this.engine.db);
    const locked = await this.throttle.lockout(login, address);
    if (locked) return { kind: 'locked', retryAfter: locked.retryAfter };
    const principal = await authenticate(this.engine.db, login, password);
    if (principal) {
      await this.throttle.succeeded(login);
      await recordEvent(repo, { code: EventCode.USER_LOGIN, severity: 'normal', description: `User ${principal.userName} logged in from ${address}.`, userId: principal.userId });
      return { kind: 'ok', principal };
    }
    const nowLocked = await this.throttle.failed(login, address);
    await recordEvent(repo, { code: EventCode.USER_LOGIN_FAILED, severity: 'warning', description: `Failed login of ${login} from ${address}.` });
    if (nowLocked) {
      await recordEvent(repo, {
        code: EventCode.USER_LOGIN_LOCKED, severity: 'alert',
        description: `Logins of ${login} or from ${address} are refused for ${this.engine.config.loginLockout} s after repeated failures.`,
      });
    }
    return { kind: 'denied' };
  }

  /** The caller a bearer token stands for: an SSO token, or a robot token. */
  async bearer(token: string): Promise<Principal | undefined> {
    const userId = token.startsWith(ROBOT_PREFIX) ? await robotUser(this.engine.db, token) : (await this.tokens.verify(token))?.userId;
    return userId === undefined ? undefined : this.principalOf(userId);
  }

  async principalOf(userId: string): Promise<Principal | undefined> {
    const user = await new Repo(this.engine.db).get(T.User, userId);
    return user && { userId: String(user.id), userName: String(user.user_name ?? user.name) };
  }
}
