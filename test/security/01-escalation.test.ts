// Granting is bounded by what the granter holds: a permission applies only to the object of its
// URL, administrative roles come only from a SuperUser of the whole system, other roles only from
// holders of all their permits there, and an administrative role on one object gives no more
// than the user view.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { ADMIN_USER_ID } from '../../services/store/seed';
import { ApiClient, BACKENDS, TestEngine, withEngine } from '../support/engine';
import { addUser, clientOf, give, vmBody } from '../support/users';

const detail = (text: string) => String(XML.read(T.Fault, text, 'fault').detail);
const permission = (role: string, grantee: string, more = '') =>
  `<permission><role><name>${role}</name></role><user id="${grantee}"/>${more}</permission>`;

for (const backend of BACKENDS) {
  describe(`granting permissions (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let t: TestEngine;
    let admin: ApiClient;
    let joeId: string;
    let annId: string;
    let joe: ApiClient;
    let mine: Obj;
    let dc: Obj;
    /** Permissions as the admin sees them, on the VM and on the data center. */
    const granted = async () => [
      ...XML.readList(T.Permission, (await admin.call('GET', `/vms/${mine.id}/permissions`)).text),
      ...XML.readList(T.Permission, (await admin.call('GET', `/datacenters/${dc.id}/permissions`)).text),
    ];

    before(async () => {
      ({ t, api: admin } = ctx);
      joeId = await addUser(admin, 'joe', 'joe-password-1');
      annId = await addUser(admin, 'ann', 'ann-password-1');
      mine = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('joes-vm'))).text);
      [dc] = XML.readList(T.DataCenter, (await admin.call('GET', '/datacenters')).text);
      // UserVmManager carries manipulate_permissions on the VM.
      await give(admin, `/vms/${mine.id}`, 'UserVmManager', joeId);
      joe = await clientOf(t, 'joe@internal', 'joe-password-1');
    });

    it('refuses SuperUser from a holder of manipulate_permissions on one VM', async () => {
      const before = await granted();
      const r = await joe.call('POST', `/vms/${mine.id}/permissions`, permission('SuperUser', joeId));
      assert.equal(r.status, 403, r.text);
      assert.match(detail(r.text), /SuperUser of the whole system/);
      assert.deepEqual(await granted(), before, 'nothing was given');
      const plain = await clientOf(t, 'joe@internal', 'joe-password-1', false);
      assert.equal((await plain.call('GET', '/users')).status, 403, 'still a user without administrative roles');
    });

    it('takes the object of a permission from the URL only', async () => {
      const before = await granted();
      const elsewhere = await joe.call('POST', `/vms/${mine.id}/permissions`, permission('UserVmManager', annId, `<data_center id="${dc.id}"/>`));
      assert.equal(elsewhere.status, 400, elsewhere.text);
      assert.match(detail(elsewhere.text), /applies to the vm .* not to the data_center/);
      const admins = await admin.call('POST', `/vms/${mine.id}/permissions`, permission('UserVmManager', annId, `<data_center id="${dc.id}"/>`));
      assert.equal(admins.status, 400, 'not even a SuperUser gives elsewhere than the URL says');
      assert.deepEqual(await granted(), before, 'nothing was given');
      // The same object as the URL may be named again.
      const same = await joe.call('POST', `/vms/${mine.id}/permissions`, permission('UserVmManager', annId, `<vm id="${String(mine.id)}"/>`));
      assert.equal(same.status, 201, same.text);
      const made = XML.read(T.Permission, same.text);
      assert.equal((made.vm as Obj).id, mine.id);
      assert.equal(made.data_center, undefined);
      assert.equal((await admin.call('DELETE', `/vms/${mine.id}/permissions/${String(made.id)}`)).status, 200);
    });

    it('lets a user give only roles whose permits it holds on the object', async () => {
      // TemplateOwner's template permits are not part of UserVmManager.
      const r = await joe.call('POST', `/vms/${mine.id}/permissions`, permission('TemplateOwner', annId));
      assert.equal(r.status, 403, r.text);
      assert.match(detail(r.text), /edit_template_properties/);
      const ok = await joe.call('POST', `/vms/${mine.id}/permissions`, permission('DiskOperator', annId));
      assert.equal(ok.status, 201, ok.text);
      assert.equal((await joe.call('DELETE', `/vms/${mine.id}/permissions/${String(XML.read(T.Permission, ok.text).id)}`)).status, 200,
        'what it could give, it may take away');
    });

    it('lets a user take away only permissions it could have given', async () => {
      // UserRole carries access_image_storage, which UserVmManager does not.
      const userRole = await give(admin, `/vms/${mine.id}`, 'UserRole', annId);
      const r = await joe.call('DELETE', `/vms/${mine.id}/permissions/${userRole}`);
      assert.equal(r.status, 403, r.text);
      assert.match(detail(r.text), /access_image_storage/);
      const own = XML.readList(T.Permission, (await admin.call('GET', `/vms/${mine.id}/permissions`)).text);
      assert.ok(own.some((p) => p.id === userRole), 'the permission is still there');
      // Joe's own permission stays too: nobody else can remove it.
      const joes = own.find((p) => (p.user as Obj | undefined)?.id === joeId)!;
      const ann = await clientOf(t, 'ann@internal', 'ann-password-1');
      assert.equal((await ann.call('DELETE', `/vms/${mine.id}/permissions/${String(joes.id)}`)).status, 403);
      assert.equal((await admin.call('DELETE', `/vms/${mine.id}/permissions/${userRole}`)).status, 200);
    });

    describe('an administrative role on one cluster', () => {
      let cluster: Obj;
      let boss: ApiClient;
      before(async () => {
        cluster = XML.read(T.Cluster, (await admin.call('POST', '/clusters', `<cluster><name>bosses</name><data_center id="${String(dc.id)}"/></cluster>`)).text);
        const bossId = await addUser(admin, 'boss', 'boss-password-1');
        await give(admin, `/clusters/${cluster.id}`, 'ClusterAdmin', bossId);
        boss = await clientOf(t, 'boss@internal', 'boss-password-1', false);
      });

      it('does not give administrative roles to others', async () => {
        const r = await boss.call('POST', `/clusters/${cluster.id}/permissions`, permission('ClusterAdmin', annId));
        assert.equal(r.status, 403, r.text);
        assert.match(detail(r.text), /SuperUser of the whole system may give the administrative role ClusterAdmin/);
        const given = XML.readList(T.Permission, (await admin.call('GET', `/clusters/${cluster.id}/permissions`)).text);
        assert.ok(!given.some((p) => (p.user as Obj | undefined)?.id === annId));
      });

      it('reads in the user view, with or without Filter', async () => {
        const users = await boss.call('GET', '/users');
        assert.equal(users.status, 200, users.text);
        assert.ok(!XML.readList(T.User, users.text).some((u) => u.id === ADMIN_USER_ID), 'no account beyond its roles');
        assert.equal((await boss.call('GET', `/users/${ADMIN_USER_ID}`)).status, 404);
        assert.equal((await boss.call('GET', `/vms/${mine.id}`)).status, 404, 'a VM of another cluster');
        assert.equal((await boss.call('GET', `/clusters/${cluster.id}`)).status, 200, 'its own cluster');
      });
    });
  });
}
