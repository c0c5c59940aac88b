// Persistent-auth sessions (`Prefer: persistent-auth`): a JSESSIONID cookie standing for a
// user until it is idle for `timeoutSeconds` or a request without the header ends it.
import { createHash, randomBytes } from 'node:crypto';
import { Knex } from 'knex';

const digest = (id: string) => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  constructor(private readonly db: Knex, readonly timeoutSeconds: number) {}

  async open(userId: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.db('sessions').insert({ id_hash: digest(id), user_id: userId, expires_at: Date.now() + this.timeoutSeconds * 1000 });
    return id;
  }

  /**
   * The user of a live session, whose idle timer starts again. The new expiry is written only
   * once it has moved on by a tenth of the timeout (a minute at most), not on every request: a
   * session then ends between 0.9 and 1 timeout after its last request.
   */
  async touch(id: string): Promise<string | undefined> {
    const row = await this.db('sessions').where('id_hash', digest(id)).first<{ user_id: string; expires_at: string | number } | undefined>();
    const now = Date.now();
    if (!row || Number(row.expires_at) <= now) return undefined;
    const expires = now + this.timeoutSeconds * 1000;
    if (expires - Number(row.expires_at) >= Math.min(60_000, this.timeoutSeconds * 100)) {
      await this.db('sessions').where('id_hash', digest(id)).update({ expires_at: expires });
    }
    return row.user_id;
  }

  async close(id: string): Promise<void> {
    await this.db('sessions').where('id_hash', digest(id)).delete();
  }
}
