// Brute-force protection: failed logins are counted per user name and per client address in
// the database (so every engine process sees them); answers to failures slow down, and after
// `maxFailures` in a row the user name or address is refused until the lockout ends.
import { Knex } from 'knex';

export interface ThrottleSettings {
  maxFailures: number;
  lockoutSeconds: number;
  /** Added delay per recent failure before a failure is answered, capped at 2 s. */
  delayMs: number;
}

export interface Lockout {
  /** Seconds until logins are taken again. */
  retryAfter: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LoginThrottle {
  constructor(private readonly db: Knex, private readonly s: ThrottleSettings) {}

  private keys(login: string, address: string): string[] {
    return [`user:${login.toLowerCase()}`, `addr:${address}`];
  }

  /** The lockout that applies to this login attempt, if any. */
  async lockout(login: string, address: string): Promise<Lockout | undefined> {
    const rows: { locked_until: string | number }[] = await this.db('login_failures')
      .whereIn('key', this.keys(login, address))
      .select('locked_until');
    const until = Math.max(0, ...rows.map((r) => Number(r.locked_until)));
    return until > Date.now() ? { retryAfter: Math.ceil((until - Date.now()) / 1000) } : undefined;
  }

  /** Counts a failure; returns true when it locked the user name or the address. */
  async failed(login: string, address: string): Promise<boolean> {
    let locked = false;
    let worst = 0;
    await this.db.transaction(async (trx) => {
      for (const key of this.keys(login, address)) {
        const row = await trx('login_failures').where("key", key).first<{ failures: number; locked_until: string | number } | undefined>();
        const expiredLock = row && Number(row.locked_until) > 0 && Number(row.locked_until) <= Date.now();
        const failures = (expiredLock || !row ? 0 : Number(row.failures)) + 1;
        const lockedUntil = failures >= this.s.maxFailures ? Date.now() + this.s.lockoutSeconds * 1000 : 0;
        locked ||= lockedUntil > 0;
        worst = Math.max(worst, failures);
        await trx('login_failures').insert({ key, failures, locked_until: lockedUntil }).onConflict('key').merge();
      }
    });
    await sleep(Math.min(2000, worst * this.s.delayMs));
    return locked;
  }

  /** A successful login clears the user name's count (the address keeps its own). */
  async succeeded(login: string): Promise<void> {
    await this.db('login_failures').where('key', `user:${login.toLowerCase()}`).delete();
  }
}
