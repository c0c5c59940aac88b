// What users and groups hold: a user's groups (from the directory, for a user added on its first
// login), the roles a user or group holds on the whole system, its SSH public key and options
// (which users manage for themselves), its event subscriptions, and the user search by group,
// role and directory, in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { Repo } from '../services/store/repo';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { DOMAIN, addUser, withHeaders } from './support/users';

const PASSWORD = 'plain-user-pw';

/** An OpenSSH public key line of `type`, its blob naming that type. */
function sshKey(comment: string, type = 'ssh-ed25519'): string {
  const part = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  const blob = Buffer.concat([part(Buffer.from(type)), part(Buffer.alloc(32, 7))]);
  return `${type} ${blob.toString('base64')} ${comment}`;
}

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`users' sub-collections on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let joe: ApiClient;
      const ids: Record<string, string> = {};

      const send = async (client: ApiClient, method: string, path: string, type: StructType, obj: Obj, status: number) => {
        const r = await client.call(method, path, format.write(type, obj));
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
        return r.status < 300 ? format.read(type, r.text) : format.read(T.Fault, r.text);
      };
      const post = (path: string, type: StructType, obj: Obj, status = 201, client = api) => send(client, 'POST', path, type, obj, status);
      const list = async (path: string, type: StructType, client = api) => {
        const r = await client.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return format.readList(type, r.text);
      };
      const get = async (path: string, type: StructType, status = 200, client = api) => {
        const r = await client.call('GET', path);
        assert.equal(r.status, status, `${path}: ${r.text}`);
        return status === 200 ? format.read(type, r.text) : undefined;
      };
      const remove = async (path: string, status = 200, client = api) => {
        const r = await client.call('DELETE', path);
        assert.equal(r.status, status, `DELETE ${path}: ${r.text}`);
      };
      const names = async (path: string, type: StructType, client = api) => (await list(path, type, client)).map((o) => o.name).sort();
      const searched = (query: string) => names(`/users?search=${encodeURIComponent(query)}`, T.User);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        ids.ops = String((await post('/groups', T.Group, { name: 'ops' })).id);
        ids.dev = String((await post('/groups', T.Group, { name: 'dev' })).id);
        // joe is in ops in the directory, and becomes a user by logging in.
        // Passwords are never written back, so the body is spelled out.
        const account = format === FORMATS[0]
          ? `<user><user_name>joe</user_name><password>${PASSWORD}</password><groups><group><name>ops</name></group></groups></user>`
          : JSON.stringify({ user_name: 'joe', password: PASSWORD, groups: { group: [{ name: 'ops' }] } });
        assert.equal((await api.call('POST', `/domains/${DOMAIN}/users`, account)).status, 201);
        joe = withHeaders(new ApiClient(t, format, await t.token('joe@internal', PASSWORD)), { Filter: 'true' });
        ids.joe = String((await list('/users', T.User)).find((u) => u.name === 'joe')!.id);
        ids.ann = await addUser(new ApiClient(t, XML, api.token), 'ann', PASSWORD);
        ids.admin = String((await list('/users', T.User)).find((u) => u.name === 'admin')!.id);
      });
      after(async () => t?.stop());

      it('lists the groups of a user added on its first login from a group, and follows them', async () => {
        assert.deepEqual(await names(`/users/${ids.joe}/groups`, T.Group), ['ops']);
        assert.deepEqual(await names(`/users/${ids.ann}/groups`, T.Group), []);
        assert.equal((await get(`/users/${ids.joe}/groups/${ids.ops}`, T.Group))!.name, 'ops');
        await get(`/users/${ids.joe}/groups/${ids.dev}`, T.Group, 404);
        await get('/users/00000000-0000-0000-0000-00000000abcd/groups', T.Group, 404);
        const followed = await get(`/users/${ids.joe}?follow=groups`, T.User);
        assert.deepEqual((followed!.groups as Obj[]).map((g) => g.name), ['ops']);
        // The user reads its own groups.
        assert.deepEqual(await names(`/users/${ids.joe}/groups`, T.Group, joe), ['ops']);
      });

      it('lists the roles a user holds on the whole system, itself or through its groups, and those of a group', async () => {
        await post('/permissions', T.Permission, { role: { name: 'UserRole' }, user: { id: ids.ann } });
        const opsRole = await post('/permissions', T.Permission, { role: { name: 'TemplateOwner' }, group: { id: ids.ops } });
        // Given on one object only, a role is not listed.
        const vm = await post('/vms', T.Vm, { name: 'vm1', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        await post(`/vms/${String(vm.id)}/permissions`, T.Permission, { role: { name: 'UserVmManager' }, user: { id: ids.ann } });
        const annRoles = await list(`/users/${ids.ann}/roles`, T.Role);
        assert.deepEqual(annRoles.map((r) => r.name), ['UserRole']);
        assert.equal((annRoles[0].user as Obj).id, ids.ann);
        assert.deepEqual(await names(`/users/${ids.joe}/roles`, T.Role), ['TemplateOwner']);
        assert.deepEqual(await names(`/groups/${ids.ops}/roles`, T.Role), ['TemplateOwner']);
        assert.deepEqual(await names(`/groups/${ids.dev}/roles`, T.Role), []);
        assert.deepEqual(await names(`/users/${ids.admin}/roles`, T.Role), ['SuperUser']);
        assert.equal((await get(`/users/${ids.ann}/roles/${String(annRoles[0].id)}`, T.Role))!.name, 'UserRole');
        const superUser = (await list(`/users/${ids.admin}/roles`, T.Role))[0];
        await get(`/users/${ids.ann}/roles/${String(superUser.id)}`, T.Role, 404);
        assert.deepEqual(await names(`/users/${ids.joe}/roles`, T.Role, joe), ['TemplateOwner']);
        // joe stays a user without roles: a role on the whole system would show it every user's things.
        await remove(`/permissions/${String(opsRole.id)}`);
        assert.deepEqual(await names(`/users/${ids.joe}/roles`, T.Role), []);
      });

      it('searches users by group, role, directory and user name with its directory', async () => {
        assert.deepEqual(await searched('group=ops'), ['joe']);
        assert.deepEqual(await searched('group=o*'), ['joe']);
        assert.deepEqual(await searched('group=dev'), []);
        assert.deepEqual(await searched('role=UserRole'), ['ann']);
        assert.deepEqual(await searched('role=UserVmManager'), ['ann']);
        assert.deepEqual(await searched('role=SuperUser or group=ops'), ['admin', 'joe']);
        assert.deepEqual(await searched('directory=internal-authz'), ['admin', 'ann', 'joe']);
        assert.deepEqual(await searched('directory=other-authz'), []);
        // What ovirt_permission_info and ovirt_user send.
        assert.deepEqual(await searched('usrname=ann@internal-authz'), ['ann']);
        assert.equal((await api.call('GET', `/users?search=${encodeURIComponent('title=x')}`)).status, 400);
      });

      it('keeps one SSH public key per user, valid, replaced or removed', async () => {
        const path = `/users/${ids.ann}/sshpublickeys`;
        const key = await post(path, T.SshPublicKey, { content: sshKey('ann@example.com') });
        assert.deepEqual([key.content, (key.user as Obj).id], [sshKey('ann@example.com'), ids.ann]);
        await post(path, T.SshPublicKey, { content: sshKey('second@example.com') }, 409);
        await post(`/users/${ids.admin}/sshpublickeys`, T.SshPublicKey, { content: 'ssh-rsa not-a-key' }, 400);
        await post(`/users/${ids.admin}/sshpublickeys`, T.SshPublicKey, { content: sshKey('x', 'ssh-rsa').replace('ssh-rsa', 'ssh-dss') }, 400);
        await post(`/users/${ids.admin}/sshpublickeys`, T.SshPublicKey, {}, 400);
        assert.deepEqual(await list(`/users/${ids.admin}/sshpublickeys`, T.SshPublicKey), []);
        const replaced = await send(api, 'PUT', `${path}/${String(key.id)}`, T.SshPublicKey, { content: sshKey('new@example.com', 'ssh-rsa') }, 200);
        assert.equal(replaced.content, sshKey('new@example.com', 'ssh-rsa'));
        await send(api, 'PUT', `${path}/${String(key.id)}`, T.SshPublicKey, { content: 'garbage' }, 400);
        assert.equal((await get(`${path}/${String(key.id)}`, T.SshPublicKey))!.content, sshKey('new@example.com', 'ssh-rsa'));
        await remove(`${path}/${String(key.id)}`);
        await get(`${path}/${String(key.id)}`, T.SshPublicKey, 404);
        await post(path, T.SshPublicKey, { content: sshKey('again@example.com') });
      });

      it('keeps options as JSON, one of a name per user, and shows them as the user options', async () => {
        const path = `/users/${ids.ann}/options`;
        const option = await post(path, T.UserOption, { name: 'theme', content: '{"dark": true}' });
        assert.deepEqual([option.name, option.content, (option.user as Obj).id], ['theme', '{"dark": true}', ids.ann]);
        await post(path, T.UserOption, { name: 'theme', content: '1' }, 409);
        await post(`/users/${ids.admin}/options`, T.UserOption, { name: 'theme', content: '["any", "JSON"]' });
        await post(path, T.UserOption, { name: 'bad', content: '{not json' }, 400);
        await post(path, T.UserOption, { name: 'empty' }, 400);
        assert.deepEqual(await names(path, T.UserOption), ['theme']);
        const user = await get(`/users/${ids.ann}`, T.User);
        assert.deepEqual(user!.user_options, [{ name: 'theme', value: '{"dark": true}' }]);
        await remove(`${path}/${String(option.id)}`);
        await remove(`${path}/${String(option.id)}`, 404);
        assert.deepEqual(await names(path, T.UserOption), []);
      });

      it('subscribes a user to events by e-mail, the event naming the subscription', async () => {
        const path = `/users/${ids.ann}/eventsubscriptions`;
        const sub = await post(path, T.EventSubscription, { event: 'host_high_cpu_use', address: 'ann@example.com' });
        assert.deepEqual([sub.id, sub.event, sub.notification_method, sub.address, (sub.user as Obj).id],
          ['host_high_cpu_use', 'host_high_cpu_use', 'smtp', 'ann@example.com', ids.ann]);
        assert.equal((await get(`${path}/host_high_cpu_use`, T.EventSubscription))!.address, 'ann@example.com');
        await post(path, T.EventSubscription, { event: 'host_high_cpu_use', address: 'ann@example.com' }, 409);
        // All of a user's subscriptions go to one address.
        await post(path, T.EventSubscription, { event: 'vm_paused', address: 'other@example.com' }, 409);
        await post(path, T.EventSubscription, { event: 'vm_paused', address: 'ann@example.com', notification_method: 'snmp' }, 400);
        await post(path, T.EventSubscription, { event: 'vm_paused', address: 'not an address' }, 400);
        // Without an address, the user's e-mail; the admin has none.
        await post(`/users/${ids.admin}/eventsubscriptions`, T.EventSubscription, { event: 'vm_paused' }, 400);
        const repo = new Repo(t.engine.db);
        await repo.update(T.User, { ...(await repo.get(T.User, ids.ann))!, email: 'ann@example.com' });
        assert.equal((await post(path, T.EventSubscription, { event: 'vm_paused' })).address, 'ann@example.com');
        const unknown = format === FORMATS[0] ? '<event_subscription><event>no_such_event</event></event_subscription>' : '{"event": "no_such_event"}';
        const bad = await api.call('POST', path, unknown);
        assert.equal(bad.status, 400, bad.text);
        assert.deepEqual((await list(path, T.EventSubscription)).map((s) => s.id).sort(), ['host_high_cpu_use', 'vm_paused']);
        await remove(`${path}/vm_paused`);
        await get(`${path}/vm_paused`, T.EventSubscription, 404);
        await remove(`${path}/vm_paused`, 404);
        // A plain user does not manage subscriptions, even its own.
        await post(`/users/${ids.joe}/eventsubscriptions`, T.EventSubscription, { event: 'vm_paused', address: 'joe@example.com' }, 403, joe);
      });

      it("lets a plain user manage its own key and options, not another's", async () => {
        const key = await post(`/users/${ids.joe}/sshpublickeys`, T.SshPublicKey, { content: sshKey('joe@example.com') }, 201, joe);
        assert.deepEqual((await list(`/users/${ids.joe}/sshpublickeys`, T.SshPublicKey, joe)).map((k) => k.id), [key.id]);
        await send(joe, 'PUT', `/users/${ids.joe}/sshpublickeys/${String(key.id)}`, T.SshPublicKey, { content: sshKey('joe@laptop') }, 200);
        const option = await post(`/users/${ids.joe}/options`, T.UserOption, { name: 'lang', content: '"en"' }, 201, joe);
        await remove(`/users/${ids.joe}/options/${String(option.id)}`, 200, joe);
        await remove(`/users/${ids.joe}/sshpublickeys/${String(key.id)}`, 200, joe);
        // Another's are neither changed nor seen.
        await post(`/users/${ids.ann}/sshpublickeys`, T.SshPublicKey, { content: sshKey('joe@example.com') }, 403, joe);
        await post(`/users/${ids.ann}/options`, T.UserOption, { name: 'lang', content: '"en"' }, 403, joe);
        const [annKey] = await list(`/users/${ids.ann}/sshpublickeys`, T.SshPublicKey);
        await remove(`/users/${ids.ann}/sshpublickeys/${String(annKey.id)}`, 403, joe);
        assert.deepEqual(await list(`/users/${ids.ann}/sshpublickeys`, T.SshPublicKey, joe), []);
        await get(`/users/${ids.ann}/sshpublickeys/${String(annKey.id)}`, T.SshPublicKey, 404, joe);
        assert.equal((await get(`/users/${ids.ann}/sshpublickeys/${String(annKey.id)}`, T.SshPublicKey))!.id, annKey.id);
      });

      it('takes what a user holds with it, and a removed group from its users', async () => {
        const count = async (type: StructType, column: string, id: string) => new Repo(t.engine.db).count(type, { [column]: id });
        await remove(`/groups/${ids.ops}`);
        assert.deepEqual(await names(`/users/${ids.joe}/groups`, T.Group), []);
        assert.deepEqual(await searched('group=ops'), []);
        await remove(`/users/${ids.ann}`);
        for (const type of [T.SshPublicKey, T.UserOption, T.EventSubscription, T.Permission, T.GroupMembership]) {
          assert.equal(await count(type, 'user', ids.ann), 0, type.name);
        }
        assert.equal(await count(T.GroupMembership, 'group', ids.ops), 0);
      });
    });
  }
}
