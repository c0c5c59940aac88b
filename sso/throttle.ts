// Brute-force protection, counted in the database so that every engine process sees the same
// counts. An attempt is counted before its password is verified, in one transaction over all its
// keys, so parallel guesses beyond the limit are refused without hashing (also across processes
// on one PostgreSQL: the rows are locked while counted); a success then takes its count back.
//
// Each attempt counts under its client address and under its account (all names of one account
// are one key; a name no account has counts under its normalised form). After `maxFailures`
// failures in a row a key is locked for `lockoutSeconds`. The built-in admin is never locked out
// by others' failures: each address failing it waits longer (doubling) before its next try.
import { Knex } from 'knex';
import { onPostgres } from '../services/store/connect';

export interface ThrottleSettings {
  maxFailures: number;
  lockoutSeconds: number;
  /** The first wait of the progressive delay, in milliseconds; it doubles per failure, up to the lockout. */
  delayMs: number;
}

/** Where one login attempt comes from and whom it is for. */
export interface Attempt {
  /** The account's key (see `accountKey`). */
  account: string;
  address: string;
  /** Failures slow down the address instead of locking the account (the built-in admin). */
  delayOnly: boolean;
}

export interface Lockout {
  /** Seconds until logins are taken again. */
  retryAfter: number;
}

/** A counted attempt, to be settled once its password is checked. */
export interface Reservation {
  readonly attempt: Attempt;
  /** Whether counting it locked a key (the lock holds if the attempt fails). */
  readonly locks: boolean;
}

interface Row {
  key: string;
  failures: number | string;
  locked_until: number | string;
}

const TABLE = 'login_failures';
const addressKey = (address: string) => `addr:${address}`;
/** The key of the built-in admin's failures from one address. */
const delayKey = (a: Attempt) => `${a.account}@${a.address}`;

export class LoginThrottle {
  constructor(private readonly db: Knex, private readonly s: ThrottleSettings) {}

  /** Counts the attempt as a failure, or refuses it (counting nothing) while a key of it is locked. */
  async reserve(a: Attempt): Promise<Reservation | Lockout> {
    const now = Date.now();
    const lockKeys = a.delayOnly ? [addressKey(a.address)] : [addressKey(a.address), a.account];
    const keys = a.delayOnly ? [...lockKeys, delayKey(a)] : lockKeys;
    const trx = await this.db.transaction();
    try {
      await trx(TABLE).insert(keys.map((key) => ({ key, failures: 0, locked_until: 0 }))).onConflict('key').ignore();
      const q = trx<Row>(TABLE).whereIn('key', keys).orderBy('key');
      if (onPostgres(trx)) q.forUpdate();
      const rows: Row[] = await q;
      const until = Math.max(0, ...rows.map((r) => Number(r.locked_until)));
      if (until > now) {
        await trx.rollback();
        return { retryAfter: Math.ceil((until - now) / 1000) };
      }
      let locks = false;
      for (const row of rows) {
        const lockable = lockKeys.includes(row.key);
        // A lockout that has ended starts a new count; the admin's delay keeps counting.
        const failures = (lockable && Number(row.locked_until) > 0 ? 0 : Number(row.failures)) + 1;
        const lockedUntil = !lockable ? Number(row.locked_until) : failures >= this.s.maxFailures ? now + this.s.lockoutSeconds * 1000 : 0;
        locks ||= lockable && lockedUntil > 0;
        await trx(TABLE).where('key', row.key).update({ failures, locked_until: lockedUntil });
      }
      await trx.commit();
      return { attempt: a, locks };
    } catch (e) {
      if (!trx.isCompleted()) await trx.rollback();
      throw e;
    }
  }

  /** A failed attempt stays counted; the admin's address waits before its next try. */
  async failed(r: Reservation): Promise<void> {
    if (!r.attempt.delayOnly) return;
    const key = delayKey(r.attempt);
    const row = await this.db<Row>(TABLE).where('key', key).first();
    const wait = Math.min(this.s.lockoutSeconds * 1000, this.s.delayMs * 2 ** (Number(row?.failures ?? 1) - 1));
    await this.db(TABLE).where('key', key).update({ locked_until: Date.now() + wait });
  }

  /** A success clears its account's count and takes its own attempt back from the address's. */
  async succeeded(r: Reservation): Promise<void> {
    const address = addressKey(r.attempt.address);
    await this.db.transaction(async (trx) => {
      await trx(TABLE).where('key', r.attempt.delayOnly ? delayKey(r.attempt) : r.attempt.account).delete();
      await trx(TABLE).where('key', address).where('failures', '>', 0).decrement('failures', 1);
      // A lock set by counting this attempt goes with it.
      await trx(TABLE).where('key', address).where('failures', '<', this.s.maxFailures).update({ locked_until: 0 });
    });
  }
}

/** Ends the lockout of an account (and the admin's waits): what an operator does for a locked-out user. */
export async function unlockAccount(db: Knex, account: string): Promise<number> {
  const prefix = `${account}@`.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db(TABLE).where('key', account).orWhereRaw('?? like ? escape ?', ['key', `${prefix}%`, '\\']).delete();
}

/** Ends the lockout of a client address. */
export async function unlockAddress(db: Knex, address: string): Promise<number> {
  return db(TABLE).where('key', addressKey(address)).delete();
}
