// Login time must not tell which user names exist: a login with an unknown name does the same
// password work as one with a known name and a wrong password. The work is counted, not timed:
// every scrypt run a login makes is recorded with its parameters.
import assert from 'node:assert/strict';
import crypto, { BinaryLike, ScryptOptions } from 'node:crypto';
import { withEngine } from '../support/engine';

type ScryptCallback = (err: Error | null, key: Buffer) => void;

/** Records each scrypt run (key length and cost parameters) while `run` goes on. */
async function scryptRuns(run: () => Promise<unknown>): Promise<string[]> {
  const original = crypto.scrypt;
  const runs: string[] = [];
  const spy = (password: BinaryLike, salt: BinaryLike, keylen: number, o: ScryptOptions, done: ScryptCallback) => {
    runs.push(`keylen=${keylen} N=${o.N} r=${o.r} p=${o.p}`);
    return original(password, salt, keylen, o, done);
  };
  Object.assign(crypto, { scrypt: spy });
  try {
    await run();
  } finally {
    Object.assign(crypto, { scrypt: original });
  }
  return runs;
}

describe('13 login timing', () => {
  // Enough tries that the throttle does not step in: this test is about the work of one login.
  const ctx = withEngine({ overrides: { loginMaxFailures: 100 } });

  const tokenLogin = (username: string, password: string) =>
    ctx.t.request('POST', '/ovirt-engine/sso/oauth/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username, password }).toString(),
    });

  const basicLogin = (username: string, password: string) =>
    ctx.t.request('GET', '/ovirt-engine/api', { headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });

  for (const [how, login] of [['the token endpoint', tokenLogin], ['Basic auth', basicLogin]] as const) {
    it(`does the same password work for unknown names as for a wrong password, through ${how}`, async () => {
      const statuses: number[] = [];
      const known = await scryptRuns(async () => statuses.push((await login('admin@internal', 'not-the-password')).status));
      const unknown = await scryptRuns(async () => statuses.push((await login('nobody@internal', 'not-the-password')).status));
      const otherProfile = await scryptRuns(async () => statuses.push((await login('admin@elsewhere', 'not-the-password')).status));
      assert.equal(new Set(statuses).size, 1, `all three are refused alike: ${statuses.join(', ')}`);
      assert.equal(known.length, 1, `a wrong password is one verification: ${known.join('; ')}`);
      assert.deepEqual(unknown, known, 'an unknown name costs what a known one does');
      assert.deepEqual(otherProfile, known, 'an unknown profile costs what a known name does');
    });
  }
});
