// Login time must not tell which user names exist: a login with an unknown name does the same
// password work as one with a known name and a wrong password. The work is counted, not timed.
import assert from 'node:assert/strict';
import { withEngine } from '../support/engine';
import { basicLogin, scryptRuns, tokenLogin } from '../support/logins';

describe('13 login timing', () => {
  // Enough tries that the throttle does not step in: this test is about the work of one login.
  const ctx = withEngine({ overrides: { loginMaxFailures: 100 } });

  for (const [how, login] of [['the token endpoint', tokenLogin], ['Basic auth', basicLogin]] as const) {
    it(`does the same password work for unknown names as for a wrong password, through ${how}`, async () => {
      const statuses: number[] = [];
      const attempt = (username: string) => scryptRuns(async () => statuses.push((await login(ctx.t.base, { username, password: 'not-the-password' })).status));
      const known = await attempt('admin@internal');
      const unknown = await attempt('nobody@internal');
      const otherProfile = await attempt('admin@elsewhere');
      assert.equal(new Set(statuses).size, 1, `all three are refused alike: ${statuses.join(', ')}`);
      assert.equal(known.length, 1, `a wrong password is one verification: ${known.join('; ')}`);
      assert.deepEqual(unknown, known, 'an unknown name costs what a known one does');
      assert.deepEqual(otherProfile, known, 'an unknown profile costs what a known name does');
    });
  }
});
