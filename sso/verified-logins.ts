// Basic credentials verified once and recalled for a while: a client sending Basic on every
// request would otherwise pay a full scrypt (tens of ms of CPU) and write a login event each time.
// Kept under an HMAC of the credentials with a key of this process, never the password itself; the
// caller checks that the user's credentials were not revoked (a password change) since.
import { createHmac, randomBytes } from 'node:crypto';
import { BoundedMap } from '../services/bounded-map';

interface Verified {
  userId: string;
  /** When the password was checked, ms since the epoch. */
  at: number;
}

export class VerifiedLogins {
  private readonly key = randomBytes(32);
  private readonly entries: BoundedMap<string, Verified>;
  private readonly checking = new Map<string, Promise<unknown>>();

  constructor(private readonly lifetimeMs: number, most = 10_000) {
    this.entries = new BoundedMap(most);
  }

  private digest(login: string, password: string): string {
    return createHmac('sha256', this.key).update(login).update('\0').update(password).digest('base64');
  }

  /** The user and check time of credentials verified less than the lifetime ago. */
  recall(login: string, password: string): Verified | undefined {
    const digest = this.digest(login, password);
    const found = this.entries.get(digest);
    if (found && Date.now() - found.at < this.lifetimeMs) return found;
    this.entries.delete(digest);
    return undefined;
  }

  /**
   * The check of credentials not recalled, shared by the requests that give them while it runs: a
   * client's parallel requests would otherwise count as parallel guesses, and be locked out.
   */
  checkOnce<R>(login: string, password: string, check: () => Promise<R>): Promise<R> {
    const digest = this.digest(login, password);
    let running = this.checking.get(digest) as Promise<R> | undefined;
    if (!running) {
      running = check().finally(() => this.checking.delete(digest));
      this.checking.set(digest, running);
    }
    return running;
  }

  remember(login: string, password: string, userId: string): void {
    this.entries.set(this.digest(login, password), { userId, at: Date.now() });
  }
}
