// What each request costs the SSO and the access checks: Basic credentials are verified once and
// recalled until a password change; a session's expiry is not rewritten on every request; a
// caller's grants are shared by reads, and a change to them is seen by the next request.
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ADMIN_PASSWORD, BACKENDS, SQLITE, withEngine } from './support/engine';
import { addUser, clientOf, give, vmBody } from './support/users';
import { statementsDuring } from './support/statements';

describe('the cost of a request to the SSO and the access checks', () => {
  const ctx = withEngine();
  const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
  const read = (authorization: string, extra: Record<string, string> = {}) =>
    ctx.t.request('GET', '/ovirt-engine/api/datacenters', { headers: { Authorization: authorization, Version: '4', ...extra } });
  const logins = async (userName: string) =>
    XML.readList(T.Event, (await ctx.api.call('GET', '/events?search=type%3D30&max=1000')).text).filter((e) => String(e.description).includes(userName)).length;

  it('verifies Basic credentials once, writing one login event, until the password changes', async () => {
    const id = await addUser(ctx.api, 'basil', 'basil-password-1');
    const before = await logins('basil');
    for (let i = 0; i < 3; i++) assert.equal((await read(basic('basil@internal', 'basil-password-1'), { Filter: 'true' })).status, 200);
    assert.equal((await logins('basil')) - before, 1);
    // A wrong password is never taken for the recalled one.
    assert.equal((await read(basic('basil@internal', 'basil-password-x'), { Filter: 'true' })).status, 401);
    const basil = await clientOf(ctx.t, 'basil@internal', 'basil-password-1', false);
    assert.equal((await basil.call('PUT', `/users/${id}`, '<user><password>basil-password-2</password></user>')).status, 200);
    assert.equal((await read(basic('basil@internal', 'basil-password-1'), { Filter: 'true' })).status, 401);
    assert.equal((await read(basic('basil@internal', 'basil-password-2'), { Filter: 'true' })).status, 200);
  });

  it('checks Basic credentials given by parallel requests once, answering every one of them', async () => {
    await addUser(ctx.api, 'parvati', 'parvati-password-1');
    const before = await logins('parvati');
    const answers = await Promise.all(Array.from({ length: 8 }, () => read(basic('parvati@internal', 'parvati-password-1'), { Filter: 'true' })));
    assert.deepEqual(answers.map((r) => r.status), Array(8).fill(200));
    assert.equal((await logins('parvati')) - before, 1);
  });

  it('checks a bearer token\'s signature once, yet refuses it once it has expired or was revoked', async () => {
    const tokens = ctx.t.servers.sso.tokens;
    const user = await addUser(ctx.api, 'tilda', 'tilda-password-1');
    const checks = { n: 0 };
    const verify = jwt.verify;
    (jwt as { verify: unknown }).verify = (...args: Parameters<typeof jwt.verify>) => {
      checks.n++;
      return verify(...args);
    };
    try {
      const { token } = tokens.sign(user, 2);
      for (let i = 0; i < 3; i++) assert.equal((await tokens.verify(token))?.userId, user);
      assert.equal(checks.n, 1);
      // A token not signed by the engine is checked, and refused, every time.
      const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
      for (let i = 0; i < 2; i++) assert.equal(await tokens.verify(forged), undefined);
      assert.equal(checks.n, 3);
      const revoked = tokens.sign(user, 600).token;
      assert.ok(await tokens.verify(revoked));
      assert.equal(await tokens.revoke(revoked), true);
      assert.equal(await tokens.verify(revoked), undefined);
      // The short-lived token is refused once its expiry passes, though its signature is not checked again.
      const expiry = jwt.decode(token, { json: true })!.exp!;
      while (Date.now() / 1000 < expiry) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await tokens.verify(token), undefined);
    } finally {
      (jwt as { verify: unknown }).verify = verify;
    }
  });

  it('does not write the session on every request', async () => {
    const opened = await read(basic('admin@internal', ADMIN_PASSWORD), { Prefer: 'persistent-auth' });
    const cookie = String(opened.headers.get('set-cookie')).split(';')[0];
    const statements = await statementsDuring(ctx.t.engine.db, async () => {
      for (let i = 0; i < 3; i++) assert.equal((await read('', { Cookie: cookie, Prefer: 'persistent-auth' }).then((r) => r.status)), 200);
    });
    assert.ok(statements.some((s) => /from [`"]sessions[`"]/i.test(s)), 'the session is read');
    assert.deepEqual(statements.filter((s) => /^update [`"]sessions[`"]/i.test(s)), []);
  });

  it('shares a caller\'s grants between reads, and sees a change to them at the next request', async () => {
    const id = await addUser(ctx.api, 'gwen', 'gwen-password-1');
    const gwen = await clientOf(ctx.t, 'gwen@internal', 'gwen-password-1');
    const vm = XML.read(T.Vm, (await ctx.api.call('POST', '/vms', vmBody('gwens-vm'))).text) as Obj;
    assert.equal((await gwen.call('GET', `/vms/${String(vm.id)}`)).status, 404);
    const permission = await give(ctx.api, `/vms/${String(vm.id)}`, 'UserRole', id);
    assert.equal((await gwen.call('GET', `/vms/${String(vm.id)}`)).status, 200);
    const again = await statementsDuring(ctx.t.engine.db, async () => {
      assert.equal((await gwen.call('GET', `/vms/${String(vm.id)}`)).status, 200);
    });
    assert.deepEqual(again.filter((s) => /from [`"](permissions|roles|group_memberships)[`"]/i.test(s)), []);
    assert.equal((await ctx.api.call('DELETE', `/vms/${String(vm.id)}/permissions/${permission}`)).status, 200);
    assert.equal((await gwen.call('GET', `/vms/${String(vm.id)}`)).status, 404);
  });
});

for (const backend of BACKENDS) {
  describe(`the statements of a read on ${backend.name}`, () => {
    const ctx = withEngine({ backend });

    it('reads a VM by id, warm, with one statement: its row, and nothing of the caller', async () => {
      const vm = XML.read(T.Vm, (await ctx.api.call('POST', '/vms', vmBody('one-read'))).text) as Obj;
      const get = async () => assert.equal((await ctx.api.call('GET', `/vms/${String(vm.id)}`)).status, 200);
      await get();
      const statements = await statementsDuring(ctx.t.engine.db, get);
      // The engine's own work (due transitions, transfers) may run meanwhile: only what a read touches counts.
      const q = backend === SQLITE ? '`' : '"';
      const read = statements.filter((s) => new RegExp(`[${q}](vms|users|sessions|revoked_tokens|revoked_users|permissions|roles|group_memberships|clusters)[${q}]`).test(s));
      assert.deepEqual(read.map((s) => s.replace(/\$\d+/g, '?')), [`select ${q}data${q} from ${q}vms${q} where ${q}id${q} = ? limit ?`]);
    });
  });
}

describe('the statements of SQLite', () => {
  const ctx = withEngine();

  it('are prepared once for all their runs', async () => {
    const client = ctx.t.engine.db.client as { acquireConnection(): Promise<{ prepare(sql: string): unknown }>; releaseConnection(c: unknown): Promise<void> };
    const conn = await client.acquireConnection();
    try {
      assert.equal(conn.prepare('select 1 as one'), conn.prepare('select 1 as one'));
      assert.notEqual(conn.prepare('select 1 as one'), conn.prepare('select 2 as one'));
    } finally {
      await client.releaseConnection(conn);
    }
    // A kept statement still reads what a change to the table made since.
    const vm = XML.read(T.Vm, (await ctx.api.call('POST', '/vms', vmBody('kept-read'))).text) as Obj;
    assert.equal(XML.read(T.Vm, (await ctx.api.call('GET', `/vms/${String(vm.id)}`)).text).name, 'kept-read');
    await ctx.api.call('PUT', `/vms/${String(vm.id)}`, '<vm><name>kept-read-2</name></vm>');
    assert.equal(XML.read(T.Vm, (await ctx.api.call('GET', `/vms/${String(vm.id)}`)).text).name, 'kept-read-2');
  });
});
