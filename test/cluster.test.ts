// Several engine processes on one PostgreSQL: tokens issued by one are accepted by another,
// and a revocation on one reaches the other within HANGAR_REVOCATION_REFRESH_MS.
import assert from 'node:assert/strict';
import { BACKENDS, POSTGRES, TestEngine, spawnSibling } from './support/engine';

const REFRESH_MS = 300;

// Needs PostgreSQL; only HANGAR_TEST_PG=off (never set in CI) leaves it out.
(BACKENDS.includes(POSTGRES) ? describe : describe.skip)('two engine processes on one PostgreSQL', function () {
  let t: TestEngine;
  let sibling: Awaited<ReturnType<typeof spawnSibling>>;
  before(async () => {
    t = await TestEngine.start(POSTGRES, { revocationRefreshMs: REFRESH_MS });
    sibling = await spawnSibling(t, { HANGAR_REVOCATION_REFRESH_MS: String(REFRESH_MS) });
  });
  after(async () => {
    await sibling?.stop();
    await t?.stop();
  });

  it('share tokens and their revocation', async () => {
    const token = await t.token();
    const headers = { Authorization: `Bearer ${token}` };
    assert.equal((await t.request('GET', `${sibling.base}/ovirt-engine/api/datacenters`, { headers })).status, 200);

    // Issued by the other process, accepted here.
    const theirs = await fetch(`${sibling.base}/ovirt-engine/sso/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&scope=ovirt-app-api&username=admin%40internal&password=test-admin-password',
    });
    const issued = ((await theirs.json()) as { access_token: string }).access_token;
    assert.equal((await t.request('GET', '/ovirt-engine/api', { headers: { Authorization: `Bearer ${issued}` } })).status, 200);

    const out = await t.request('POST', '/ovirt-engine/services/sso-logout', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
    });
    assert.equal(out.status, 200);
    assert.equal((await t.request('GET', '/ovirt-engine/api', { headers })).status, 401, 'refused at once where it was revoked');
    await new Promise((r) => setTimeout(r, REFRESH_MS + 100));
    assert.equal((await t.request('GET', `${sibling.base}/ovirt-engine/api`, { headers })).status, 401, 'refused by the other within the bound');
  });
});
