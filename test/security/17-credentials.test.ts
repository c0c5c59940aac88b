// Credentials: a password change ends the user's tokens and sessions (in every process sharing
// the database), the SSO takes passwords and tokens only in POST bodies, no password given with
// an object (a host's root password, a guest's) is stored, and request paths with dot segments
// are refused before routing.
import assert from 'node:assert/strict';
import http from 'node:http';
import * as T from '../../model/types';
import { StructType } from '../../model/meta';
import { XML } from '../../model/codec';
import { ApiClient, BACKENDS, Sibling, TestEngine, spawnSibling } from '../support/engine';
import { exchange } from '../support/http';
import { addUser } from '../support/users';

const form = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };

for (const backend of BACKENDS) {
  describe(`17 credentials (${backend.name})`, () => {
    let t: TestEngine;
    let admin: ApiClient;
    before(async () => {
      t = await TestEngine.start(backend);
      admin = await ApiClient.of(t, XML);
    });
    after(async () => t?.stop());

    describe('a password change', () => {
      // A second process on the same database, whose revocation list comes from the database.
      let sibling: Sibling | undefined;
      before(async () => {
        if (backend.name === 'PostgreSQL') sibling = await spawnSibling(t);
      });
      after(async () => sibling?.stop());

      const root = (base: string, headers: Record<string, string>) => fetch(`${base}/ovirt-engine/api`, { headers }).then((r) => r.status);

      it('revokes the tokens and sessions the user had, and only those', async () => {
        const kimId = await addUser(admin, 'kim', 'kim-password-1');
        const old = { Authorization: `Bearer ${await t.token('kim@internal', 'kim-password-1')}` };
        const basic = `Basic ${Buffer.from('kim@internal:kim-password-1').toString('base64')}`;
        const opened = await t.request('GET', '/ovirt-engine/api', { headers: { Authorization: basic, Prefer: 'persistent-auth' } });
        const session = { Cookie: String(opened.headers.get('set-cookie')).split(';')[0], Prefer: 'persistent-auth' };
        assert.equal(await root(t.base, old), 200);
        assert.equal(await root(t.base, session), 200);
        if (sibling) assert.equal(await root(sibling.base, old), 200);

        const changed = await admin.call('PUT', `/users/${kimId}`, '<user><password>kim-password-2</password></user>');
        assert.equal(changed.status, 200, changed.text);
        assert.equal(await root(t.base, old), 401, 'the token from before the change is revoked');
        assert.equal(await root(t.base, session), 401, 'the session from before the change is ended');
        const info = await t.request('POST', '/ovirt-engine/sso/oauth/token-info', { headers: form, body: `token=${old.Authorization.slice(7)}` });
        assert.equal(JSON.parse(info.text).active, false);
        const fresh = { Authorization: `Bearer ${await t.token('kim@internal', 'kim-password-2')}` };
        assert.equal(await root(t.base, fresh), 200, 'a login right after the change is not revoked');
        assert.equal(await root(t.base, { Authorization: `Bearer ${admin.token}` }), 200, "others' tokens stay");
        if (sibling) {
          // The other process learns of it within its revocation refresh.
          while ((await root(sibling.base, old)) !== 401) await new Promise((r) => setTimeout(r, 100));
          assert.equal(await root(sibling.base, fresh), 200);
        }
      });
    });

    it('takes passwords and tokens only in POST bodies', async () => {
      const grant = new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username: 'admin@internal', password: 'test-admin-password' });
      const token = await t.token();
      const refused = [
        await t.request('GET', `/ovirt-engine/sso/oauth/token?${grant.toString()}`, { headers: form }),
        await t.request('POST', '/ovirt-engine/sso/oauth/token?password=test-admin-password', { headers: form, body: 'grant_type=password&scope=ovirt-app-api&username=admin@internal' }),
        await t.request('GET', `/ovirt-engine/sso/oauth/token-info?token=${token}`, { headers: form }),
        await t.request('GET', `/ovirt-engine/services/sso-logout?token=${token}`, { headers: form }),
      ];
      for (const r of refused) {
        assert.equal(r.status, 400, r.text);
        assert.equal(JSON.parse(r.text).error, 'invalid_request');
        assert.match(JSON.parse(r.text).error_description, /must be sent in the body of a POST request/);
      }
      assert.equal(await fetch(`${t.base}/ovirt-engine/api`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status), 200, 'the token in a refused logout is not revoked');
      assert.equal((await t.request('POST', '/ovirt-engine/sso/oauth/token', { headers: form, body: grant.toString() })).status, 200);
    });

    it('stores no password given with an object, and drops those stored before', async () => {
      const host = await admin.call('POST', '/hosts', '<host><name>h17</name><address>h17.example.com</address><root_password>host-root-pw</root_password></host>');
      assert.equal(host.status, 201, host.text);
      const hostId = String(XML.read(T.Host, host.text).id);
      const vm = await admin.call('POST', '/vms', '<vm><name>v17</name><cluster><name>Default</name></cluster><template><name>Blank</name></template><initialization><host_name>v17</host_name><root_password>guest-root-pw</root_password></initialization></vm>');
      assert.equal(vm.status, 201, vm.text);
      const vmId = String(XML.read(T.Vm, vm.text).id);
      assert.equal((await admin.call('PUT', `/hosts/${hostId}`, '<host><root_password>host-root-pw-2</root_password></host>')).status, 200);

      const stored = async (type: StructType, id: string) => String((await t.engine.db(type.plural).where('id', id).first('data')).data);
      assert.doesNotMatch(await stored(T.Host, hostId), /root_password|host-root-pw/);
      assert.doesNotMatch(await stored(T.Vm, vmId), /root_password|guest-root-pw/);
      assert.match(await stored(T.Vm, vmId), /"host_name":"v17"/, 'the rest of a struct holding a secret is kept');

      // What an engine that kept passwords left behind is dropped when the engine starts.
      const data = JSON.parse(await stored(T.Host, hostId));
      await t.engine.db(T.Host.plural).where('id', hostId).update({ data: JSON.stringify({ ...data, root_password: 'kept-before' }) });
      await t.engine.db('knex_migrations').where('name', '011_no_stored_secrets').delete();
      await t.restart();
      assert.doesNotMatch(await stored(T.Host, hostId), /root_password|kept-before/);
      assert.equal(JSON.parse(await stored(T.Host, hostId)).name, 'h17');
    });

    it('refuses request paths with dot segments before routing', async () => {
      const raw = (path: string) => exchange(http.request({
        host: '127.0.0.1', port: Number(new URL(t.base).port), path, agent: false,
        headers: { Authorization: `Bearer ${admin.token}`, Accept: 'application/xml' },
      }));
      const dotted = [
        '/ovirt-engine/api/vms/%2e%2e/hosts', '/ovirt-engine/api/vms/%2E%2e/hosts', '/ovirt-engine/api/vms/.%2e/hosts',
        '/ovirt-engine/api/vms/../hosts', '/ovirt-engine/api/./hosts', '/ovirt-engine/api/vms/%2e/../hosts',
        '/ovirt-engine/api/vms/..\\hosts', '/ovirt-engine/api/hosts/%2e%2e', '/ovirt-engine/sso/oauth/x/%2e%2e/token',
      ];
      for (const path of dotted) {
        const r = await raw(path);
        assert.equal(r.status, 400, `${path}: ${r.body.toString()}`);
        assert.match(XML.read(T.Fault, r.body.toString(), 'fault').detail as string, /must not have "\." or "\.\." segments/);
      }
      assert.equal((await raw('/ovirt-engine/api/hosts')).status, 200);
      assert.equal((await raw('/ovirt-engine/api/vms/a..b')).status, 404, 'dots inside a segment are no dot segment');
    });
  });
}
