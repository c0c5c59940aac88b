// The SSO endpoints take short fields only: a user name, password or scope beyond its cap and a
// form body beyond its cap are refused before anything is looked up or recorded, and a failing
// database never shows its SQL in an answer.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { ADMIN_PASSWORD, BACKENDS, TestEngine } from '../support/engine';
import { basicLogin } from '../support/logins';

const MiB = 1024 * 1024;

for (const backend of BACKENDS) {
  describe(`12 token endpoint fields (${backend.name})`, () => {
    let t: TestEngine;
    before(async () => {
      t = await TestEngine.start(backend);
    });
    after(async () => t?.stop());

    const token = (fields: Record<string, string>) =>
      t.request('POST', '/ovirt-engine/sso/oauth/token', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username: 'admin@internal', password: ADMIN_PASSWORD, ...fields }).toString(),
      });

    /** What logins leave in the database: throttle rows and audit events. */
    const recorded = async () => {
      const failures = await t.engine.db('login_failures').count({ n: '*' }).first();
      const events = await t.engine.db(T.Event.plural).count({ n: '*' }).first();
      return { failures: Number(failures?.n), events: Number(events?.n) };
    };

    it('refuses a form body beyond its cap, recording nothing', async () => {
      const before = await recorded();
      // Within the API's own body cap, far beyond the form's.
      const r = await token({ username: 'x'.repeat(8 * MiB), password: 'wrong' });
      assert.equal(r.status, 413, r.text.slice(0, 200));
      assert.deepEqual(await recorded(), before);
    });

    for (const [field, value] of [['username', 'u'.repeat(257)], ['password', 'p'.repeat(1025)], ['scope', `ovirt-app-api ${'s'.repeat(1011)}`]] as const) {
      it(`refuses a ${field} beyond its cap as an invalid request, recording nothing`, async () => {
        const before = await recorded();
        const r = await token({ [field]: value });
        assert.equal(r.status, 400, r.text);
        const body = JSON.parse(r.text) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_request');
        assert.match(body.error_description, new RegExp(`${field} is longer than \\d+ characters`));
        assert.deepEqual(await recorded(), before);
      });
    }

    it('refuses an overlong Basic user name with a fault, recording nothing', async () => {
      const before = await recorded();
      const r = await basicLogin(t.base, { username: 'u'.repeat(257), password: 'wrong' });
      assert.equal(r.status, 400, r.body.toString());
      assert.match(r.body.toString(), /username is longer than 256 characters/);
      assert.deepEqual(await recorded(), before);
    });

    it('answers a database failure as a server error without its SQL', async () => {
      await t.engine.db.schema.renameTable('login_failures', 'login_failures_away');
      try {
        const r = await token({ password: 'wrong' });
        assert.ok(r.status >= 500, r.text);
        const id = r.headers.get('x-request-id');
        assert.match(String(id), /^[0-9a-f-]{36}$/, 'the answer names its request id');
        assert.deepEqual(JSON.parse(r.text), { error: 'server_error', error_description: `Internal server error (request id ${id})` });
      } finally {
        await t.engine.db.schema.renameTable('login_failures_away', 'login_failures');
      }
      assert.equal((await token({})).status, 200, 'logins work again once the database does');
    });
  });
}
