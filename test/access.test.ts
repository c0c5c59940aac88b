// Identity and access control: authentication of every route, roles and permissions with
// inheritance, the user view, Basic auth and sessions, robot tokens, and brute-force limits.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { collectionRoutes } from '../model/tree';
import { pathOf } from '../api/present';
import { ADMIN_USER_ID } from '../services/store/seed';
import { ADMIN_PASSWORD, ApiClient, INTERNAL_DOMAIN, SQLITE, TestEngine, addUser, vmBody, withEngine } from './support/engine';

async function clientOf(t: TestEngine, login: string, password: string, filter = true): Promise<ApiClient> {
  const api = new ApiClient(t, XML, await t.token(login, password));
  return filter ? withHeaders(api, { Filter: 'true' }) : api;
}

function withHeaders(api: ApiClient, extra: Record<string, string>): ApiClient {
  const base = api.headers.bind(api);
  api.headers = (more = {}) => base({ ...extra, ...more });
  return api;
}

describe('access control', () => {
  const ctx = withEngine();
  let t: TestEngine;
  let admin: ApiClient;
  before(() => ({ t, api: admin } = ctx));

  it('refuses every route of the tree without valid credentials', async () => {
    const revoked = await t.token();
    await t.request('POST', '/ovirt-engine/services/sso-logout', { body: `token=${encodeURIComponent(revoked)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const expired = t.servers.sso.tokens.sign(ADMIN_USER_ID, -60).token;
    const credentials: Record<string, Record<string, string>> = {
      none: {},
      garbage: { Authorization: 'Bearer garbage.token.here' },
      expired: { Authorization: `Bearer ${expired}` },
      revoked: { Authorization: `Bearer ${revoked}` },
    };
    const calls: [string, string][] = [['GET', '/ovirt-engine/api']];
    for (const r of collectionRoutes) {
      const ids = r.segments.filter((s) => s === null).map(() => randomUUID());
      const list = pathOf(r.segments, ids);
      const entity = `${list}/${randomUUID()}`;
      const e = r.collection.entity();
      calls.push(['GET', list], ['GET', entity]);
      if (r.collection.add) calls.push(['POST', list]);
      if (e.update) calls.push(['PUT', entity]);
      if (e.remove) calls.push(['DELETE', entity]);
      for (const a of e.actions) calls.push(['POST', `${entity}/${a.name}`]);
    }
    assert.ok(calls.length > 100, `${calls.length} calls`);
    for (const [name, headers] of Object.entries(credentials)) {
      for (const [method, path] of calls) {
        const body = method === 'POST' || method === 'PUT' ? '<x/>' : undefined;
        const r = await t.request(method, path, { headers: { ...headers, 'Content-Type': 'application/xml' }, body });
        assert.equal(r.status, 401, `${method} ${path} with ${name} credentials: ${r.status}`);
      }
    }
  });

  describe('a user with UserRole on one VM', () => {
    let joe: ApiClient;
    let mine: Obj;
    let other: Obj;
    before(async () => {
      const joeId = await addUser(admin, 'joe', 'joe-password-1');
      mine = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('joes-vm'))).text);
      other = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('other-vm'))).text);
      const given = await admin.call('POST', `/vms/${mine.id}/permissions`, `<permission><role><name>UserRole</name></role><user id="${joeId}"/></permission>`);
      assert.equal(given.status, 201, given.text);
      joe = await clientOf(t, 'joe@internal', 'joe-password-1');
    });

    it('sees exactly that VM in the user view', async () => {
      const vms = XML.readList(T.Vm, (await joe.call('GET', '/vms')).text);
      assert.deepEqual(vms.map((v) => v.id), [mine.id]);
      assert.equal((await joe.call('GET', `/vms/${other.id}`)).status, 404);
      assert.equal((await joe.call('GET', `/vms/${mine.id}`)).status, 200);
    });

    it('may use its own VM but not act on another', async () => {
      const cd = (vm: Obj) => `/vms/${vm.id}/cdroms/00000000-0000-0000-0000-000000000000`;
      assert.equal((await joe.call('PUT', cd(mine), '<cdrom><file id=""/></cdrom>')).status, 200);
      const refused = await joe.call('PUT', cd(other), '<cdrom><file id=""/></cdrom>');
      assert.equal(refused.status, 403);
      assert.match(XML.read(T.Fault, refused.text, 'fault').detail as string, /change_vm_cd/);
      assert.equal((await joe.call('PUT', `/vms/${mine.id}`, '<vm><description>mine</description></vm>')).status, 403, 'UserRole does not edit');
      assert.equal((await joe.call('DELETE', `/vms/${other.id}`)).status, 403);
      const start = await joe.call('POST', `/vms/${other.id}/start`, '<action/>');
      assert.equal(start.status, 403);
      assert.match(XML.read(T.Fault, start.text, 'fault').detail as string, /run_vm/);
      // Its own VM passes the permission check; this engine has no host, so the start is refused for that.
      const own = await joe.call('POST', `/vms/${mine.id}/start`, '<action/>');
      assert.equal(own.status, 409, own.text);
      assert.match(XML.read(T.Fault, own.text, 'fault').detail as string, /no host that is up/);
      assert.equal(XML.read(T.Vm, (await admin.call('GET', `/vms/${other.id}`)).text).name, 'other-vm', 'nothing changed');
    });

    it('may not remove a data center', async () => {
      const [dc] = XML.readList(T.DataCenter, (await admin.call('GET', '/datacenters')).text);
      assert.equal((await joe.call('DELETE', `/datacenters/${dc.id}`)).status, 403);
      assert.equal((await admin.call('GET', `/datacenters/${dc.id}`)).status, 200);
    });

    it('must ask for the user view', async () => {
      const plain = await clientOf(t, 'joe@internal', 'joe-password-1', false);
      const r = await plain.call('GET', '/hosts');
      assert.equal(r.status, 403);
      assert.match(XML.read(T.Fault, r.text, 'fault').detail as string, /Filter: true/);
      assert.equal((await plain.call('GET', '/vms?filter=true')).status, 200, 'the filter parameter works as the header');
      // As ovirtsdk4 does: writes carry no filter and are judged by permits alone.
      const [vm] = XML.readList(T.Vm, (await plain.call('GET', '/vms?filter=true')).text);
      assert.equal((await plain.call('PUT', `/vms/${vm.id}/cdroms/00000000-0000-0000-0000-000000000000`, '<cdrom><file id=""/></cdrom>')).status, 200);
    });

    it('changes its own password, and nobody else\'s', async () => {
      const me = await clientOf(t, 'joe@internal', 'joe-password-1', false);
      const joeId = String((XML.read(T.Api, (await me.call('GET', '')).text).authenticated_user as Obj).id);
      assert.equal((await me.call('PUT', `/users/${joeId}`, '<user><password>joe-password-2</password></user>')).status, 200);
      assert.ok(await t.token('joe@internal', 'joe-password-2'));
      assert.equal((await me.call('PUT', `/users/${ADMIN_USER_ID}`, '<user><password>taken-over!</password></user>')).status, 403);
      await me.call('PUT', `/users/${joeId}`, '<user><password>joe-password-1</password></user>');
    });
  });

  it('lets a permission on a cluster reach VMs created later in it', async () => {
    const annId = await addUser(admin, 'ann', 'ann-password-1');
    const [dc] = XML.readList(T.DataCenter, (await admin.call('GET', '/datacenters')).text);
    const cluster = XML.read(T.Cluster, (await admin.call('POST', '/clusters', `<cluster><name>ann-cluster</name><data_center id="${dc.id}"/></cluster>`)).text);
    const given = await admin.call('POST', `/clusters/${cluster.id}/permissions`, `<permission><role><name>UserVmManager</name></role><user id="${annId}"/></permission>`);
    assert.equal(given.status, 201, given.text);
    const later = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('later', 'ann-cluster'))).text);
    const elsewhere = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('elsewhere'))).text);
    const ann = await clientOf(t, 'ann@internal', 'ann-password-1');
    assert.deepEqual(XML.readList(T.Vm, (await ann.call('GET', '/vms')).text).map((v) => v.id), [later.id]);
    assert.equal((await ann.call('PUT', `/vms/${later.id}`, '<vm><description>managed</description></vm>')).status, 200);
    assert.equal((await ann.call('POST', `/vms/${later.id}/nics`, '<nic><name>nic1</name></nic>')).status, 201);
    assert.equal((await ann.call('PUT', `/vms/${elsewhere.id}`, '<vm><description>no</description></vm>')).status, 403);
    assert.equal((await ann.call('POST', '/vms', vmBody('own', 'ann-cluster'))).status, 201, 'create_vm on the cluster');
    assert.equal((await ann.call('POST', '/vms', vmBody('not-here'))).status, 403);
  });

  it('gives members of a group the roles of the group', async () => {
    const group = XML.read(T.Group, (await admin.call('POST', '/groups', '<group><name>operators</name></group>')).text);
    const account = await admin.call('POST', `/domains/${INTERNAL_DOMAIN}/users`,
      '<user><user_name>olga</user_name><password>olga-password-1</password><groups><group><name>operators</name></group></groups></user>');
    assert.equal(account.status, 201, account.text);
    const vm = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('operated'))).text);
    assert.equal((await admin.call('POST', `/vms/${vm.id}/permissions`, `<permission><role><name>UserVmManager</name></role><group id="${group.id}"/></permission>`)).status, 201);
    const olga = await clientOf(t, 'olga@internal', 'olga-password-1');
    assert.deepEqual(XML.readList(T.Vm, (await olga.call('GET', '/vms')).text).map((v) => v.name), ['operated']);
    assert.equal((await olga.call('PUT', `/vms/${vm.id}`, '<vm><description>by a group member</description></vm>')).status, 200);
  });

  describe('Basic auth and persistent sessions', () => {
    const basic = `Basic ${Buffer.from(`admin@internal:${ADMIN_PASSWORD}`).toString('base64')}`;
    const xml = { 'Content-Type': 'application/xml', Accept: 'application/xml' };

    it('serves reads and writes with Basic credentials', async () => {
      assert.equal((await t.request('GET', '/ovirt-engine/api/datacenters', { headers: { ...xml, Authorization: basic } })).status, 200);
      const w = await t.request('POST', '/ovirt-engine/api/datacenters', { headers: { ...xml, Authorization: basic }, body: '<data_center><name>basic-dc</name></data_center>' });
      assert.equal(w.status, 201);
    });

    it('keeps a session for Prefer: persistent-auth and refuses forgeable requests', async () => {
      const opened = await t.request('GET', '/ovirt-engine/api', { headers: { Authorization: basic, Prefer: 'persistent-auth' } });
      const cookie = opened.headers.get('set-cookie') ?? '';
      assert.match(cookie, /^JSESSIONID=[^;]+;/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      const session = cookie.split(';')[0];
      const withSession = { ...xml, Cookie: session, Prefer: 'persistent-auth' };
      assert.equal((await t.request('GET', '/ovirt-engine/api/datacenters', { headers: withSession })).status, 200);
      const w = await t.request('POST', '/ovirt-engine/api/datacenters', { headers: withSession, body: '<data_center><name>session-dc</name></data_center>' });
      assert.equal(w.status, 201);
      // What a browser form could send: the cookie, no custom header.
      const forged = await t.request('POST', '/ovirt-engine/api/datacenters', { headers: { ...xml, Cookie: session }, body: '<data_center><name>forged-dc</name></data_center>' });
      assert.equal(forged.status, 401);
      const names = XML.readList(T.DataCenter, (await admin.call('GET', '/datacenters')).text).map((d) => d.name);
      assert.ok(!names.includes('forged-dc'));
      assert.equal((await t.request('GET', '/ovirt-engine/api', { headers: withSession })).status, 401, 'the session ended');
    });

    it('marks the session cookie Secure over TLS', async () => {
      const https = await import('node:https');
      const ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
      const cookie = await new Promise<string>((resolve, reject) => {
        https.get(`${t.httpsBase}/ovirt-engine/api`, { ca, headers: { Authorization: basic, Prefer: 'persistent-auth' } }, (res) => {
          res.resume();
          resolve(String(res.headers['set-cookie'] ?? ''));
        }).on('error', reject);
      });
      assert.match(cookie, /Secure/);
    });
  });

  it('gives users robot tokens they list and revoke', async () => {
    const bobId = await addUser(admin, 'bob', 'bob-password-1');
    const bob = await clientOf(t, 'bob@internal', 'bob-password-1', false);
    const expiration = new Date(Date.now() + 86400000).toISOString();
    const made = await bob.call('POST', `/users/${bobId}/apitokens`, `<api_token><name>nightly-backup</name><expiration>${expiration}</expiration></api_token>`);
    assert.equal(made.status, 201, made.text);
    const token = XML.read(T.ApiToken, made.text);
    assert.match(String(token.token), /^hgr_/);
    const robot = { Authorization: `Bearer ${String(token.token)}`, Filter: 'true' };
    assert.equal((await t.request('GET', '/ovirt-engine/api/vms', { headers: robot })).status, 200);
    const listed = XML.readList(T.ApiToken, (await bob.call('GET', `/users/${bobId}/apitokens`)).text);
    assert.deepEqual(listed.map((x) => [x.name, x.token]), [['nightly-backup', undefined]]);
    assert.equal((await bob.call('POST', `/users/${ADMIN_USER_ID}/apitokens`, `<api_token><name>x</name><expiration>${expiration}</expiration></api_token>`)).status, 403);
    assert.equal((await bob.call('DELETE', `/users/${bobId}/apitokens/${token.id}`)).status, 200);
    assert.equal((await t.request('GET', '/ovirt-engine/api/vms', { headers: robot })).status, 401);
  });

  it('answers token introspection', async () => {
    const token = await t.token();
    const info = JSON.parse((await t.request('POST', '/ovirt-engine/sso/oauth/token-info', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(token)}`,
    })).text) as Record<string, unknown>;
    assert.equal(info.active, true);
    assert.equal(info.user_id, 'admin@internal-authz');
    const bad = JSON.parse((await t.request('POST', '/ovirt-engine/sso/oauth/token-info', { body: 'token=nope', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).text) as Record<string, unknown>;
    assert.equal(bad.active, false);
  });
});

describe('brute-force protection', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start(SQLITE, { loginMaxFailures: 3, loginLockout: 2, loginDelayMs: 50 });
  });
  after(async () => t?.stop());

  const login = (password: string) =>
    t.request('POST', '/ovirt-engine/sso/oauth/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username: 'admin@internal', password }).toString(),
    });

  it('refuses even the right password after repeated failures, until the wait ends', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login(`wrong-secret-${i}`)).status, 400);
    const locked = await login(ADMIN_PASSWORD);
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    assert.match(JSON.parse(locked.text).error_description as string, /Too many failed logins/);
    const basic = `Basic ${Buffer.from(`admin@internal:${ADMIN_PASSWORD}`).toString('base64')}`;
    assert.equal((await t.request('GET', '/ovirt-engine/api', { headers: { Authorization: basic } })).status, 429);
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await login(ADMIN_PASSWORD)).status, 200);
  });

  it('records failures and lockouts as events, without the passwords', async () => {
    const api = await ApiClient.of(t, XML);
    const events = XML.readList(T.Event, (await api.call('GET', '/events')).text);
    assert.ok(events.some((e) => e.code === 114), 'failed logins are events');
    assert.ok(events.some((e) => e.code === 9001), 'lockouts are events');
    const all = JSON.stringify(events);
    assert.doesNotMatch(all, /wrong-secret|test-admin-password/);
  });
});
