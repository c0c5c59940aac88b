// Links given in an update name objects that exist: by id or by name, each is resolved and kept
// as its id alone, an unknown one answers 404 and changes nothing, and moving an object under
// another (a VM to a cluster) needs the update's permit there too.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { ApiClient, BACKENDS, TestEngine, withEngine } from '../support/engine';
import { addUser, clientOf, give, vmBody } from '../support/users';

const detail = (text: string) => String(XML.read(T.Fault, text, 'fault').detail);

for (const backend of BACKENDS) {
  describe(`links in updates (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let t: TestEngine;
    let admin: ApiClient;
    let cluster: Obj;
    let other: Obj;
    let vm: Obj;

    /** The object as the store keeps it. */
    const stored = async (table: string, id: unknown): Promise<Obj> => {
      const row: { data: string } = await t.engine.db(table).where('id', String(id)).first('data');
      return JSON.parse(row.data) as Obj;
    };

    before(async () => {
      ({ t, api: admin } = ctx);
      cluster = XML.readList(T.Cluster, (await admin.call('GET', '/clusters?search=name%3DDefault')).text)[0];
      const made = await admin.call('POST', '/clusters', '<cluster><name>Other</name><data_center><name>Default</name></data_center></cluster>');
      assert.equal(made.status, 201, made.text);
      other = XML.read(T.Cluster, made.text);
      vm = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('moving-vm'))).text);
    });

    it('answers 404 naming an unknown data center by name, and the cluster keeps its own', async () => {
      const before = await stored('clusters', other.id);
      const r = await admin.call('PUT', `/clusters/${other.id}`, '<cluster><description>moved</description><data_center><name>Nowhere</name></data_center></cluster>');
      assert.equal(r.status, 404, r.text);
      assert.match(detail(r.text), /DataCenter.*Nowhere/);
      assert.deepEqual(await stored('clusters', other.id), before);
    });

    it('answers 404 for a cluster id that does not exist, and the VM stays where it was', async () => {
      const before = await stored('vms', vm.id);
      const missing = randomUUID();
      const r = await admin.call('PUT', `/vms/${vm.id}`, `<vm><description>moved</description><cluster id="${missing}"/></vm>`);
      assert.equal(r.status, 404, r.text);
      assert.match(detail(r.text), new RegExp(`Cluster.*${missing}`));
      assert.deepEqual(await stored('vms', vm.id), before);
    });

    it('stores a link given by name as the id of the object named', async () => {
      const r = await admin.call('PUT', `/vms/${vm.id}`, '<vm><cluster><name>Other</name></cluster></vm>');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await stored('vms', vm.id)).cluster, { id: other.id });
      assert.equal((XML.read(T.Vm, r.text).cluster as Obj).id, other.id);
      const back = await admin.call('PUT', `/vms/${vm.id}`, `<vm><cluster id="${String(cluster.id)}"/></vm>`);
      assert.equal(back.status, 200, back.text);
      assert.deepEqual((await stored('vms', vm.id)).cluster, { id: cluster.id });
    });

    it('resolves links inside structured members and lists: a VM pinned to hosts by name', async () => {
      const host = await admin.call('POST', '/hosts', '<host><name>pinned-host</name><address>127.0.0.1</address><root_password>secret</root_password><cluster><name>Default</name></cluster></host>');
      assert.equal(host.status, 201, host.text);
      const hostId = XML.read(T.Host, host.text).id;
      const unknown = await admin.call('PUT', `/vms/${vm.id}`, '<vm><placement_policy><affinity>pinned</affinity><hosts><host><name>no-such-host</name></host></hosts></placement_policy></vm>');
      assert.equal(unknown.status, 404, unknown.text);
      assert.equal((await stored('vms', vm.id)).placement_policy, undefined);
      const pinned = await admin.call('PUT', `/vms/${vm.id}`, '<vm><placement_policy><affinity>pinned</affinity><hosts><host><name>pinned-host</name></host></hosts></placement_policy></vm>');
      assert.equal(pinned.status, 200, pinned.text);
      assert.deepEqual((await stored('vms', vm.id)).placement_policy, { affinity: 'pinned', hosts: [{ id: hostId }] });
    });

    describe('for a user who may edit one VM', () => {
      let joe: ApiClient;
      let joes: Obj;
      before(async () => {
        const joeId = await addUser(admin, 'joe', 'joe-password-1');
        joes = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('joes-vm'))).text);
        await give(admin, `/vms/${joes.id}`, 'UserVmManager', joeId);
        await give(admin, `/clusters/${other.id}`, 'UserVmManager', joeId);
        joe = await clientOf(t, 'joe@internal', 'joe-password-1', false);
      });

      it('answers 403 moving it to a cluster the user holds no permit on, and nothing changes', async () => {
        const before = await stored('vms', joes.id);
        // The VM is in Default; the user holds the permit on the VM and on Other only.
        await admin.call('PUT', `/vms/${joes.id}`, '<vm><cluster><name>Other</name></cluster></vm>');
        const moved = await stored('vms', joes.id);
        assert.deepEqual(moved.cluster, { id: other.id });
        const r = await joe.call('PUT', `/vms/${joes.id}`, '<vm><cluster><name>Default</name></cluster></vm>');
        assert.equal(r.status, 403, r.text);
        assert.match(detail(r.text), /edit_vm_properties/);
        assert.deepEqual(await stored('vms', joes.id), moved);
        assert.notDeepEqual(before, moved);
      });

      it('may move it to a cluster it holds the permit on', async () => {
        await admin.call('PUT', `/vms/${joes.id}`, `<vm><cluster id="${String(cluster.id)}"/></vm>`);
        const r = await joe.call('PUT', `/vms/${joes.id}`, '<vm><cluster><name>Other</name></cluster></vm>');
        assert.equal(r.status, 200, r.text);
        assert.deepEqual((await stored('vms', joes.id)).cluster, { id: other.id });
      });
    });
  });
}
