// Today's engine on a database made by the engine of commit 8dcb47a, whose model tables were made
// by migrations: it reads what that engine stored, takes writes, and ends with the schema of a
// database made fresh today.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { StructType } from '../../model/meta';
import { Obj, XML } from '../../model/codec';
import { liveSchema } from '../../services/store/schema';
import { ApiClient, BACKENDS, TestEngine } from '../support/engine';
import { oldDatabase } from '../support/fixture';

for (const backend of BACKENDS) {
  describe(`a database made by an earlier engine (${backend.name})`, () => {
    let t: TestEngine;
    let api: ApiClient;
    before(async () => {
      t = await TestEngine.start(backend, await oldDatabase(backend));
      api = await ApiClient.of(t, XML);
    });
    after(async () => t?.stop());

    const list = async (type: StructType, path: string): Promise<Obj[]> => {
      const r = await api.call('GET', path);
      assert.equal(r.status, 200, r.text);
      return XML.readList(type, r.text);
    };
    const names = (objs: Obj[]) => objs.map((o) => o.name).sort();

    it('reads what the earlier engine stored', async () => {
      assert.deepEqual(names(await list(T.DataCenter, '/datacenters')), ['Default', 'dc1']);
      const [vm] = await list(T.Vm, '/vms?search=name%3Dvm1');
      assert.equal(vm.description, 'web');
      assert.deepEqual(names(await list(T.Nic, `/vms/${vm.id}/nics`)), ['nic1']);
      const [permission] = await list(T.Permission, `/vms/${vm.id}/permissions`);
      const r = await api.call('GET', `/users/${(permission.user as Obj).id}`);
      assert.equal(XML.read(T.User, r.text).user_name, 'joe@internal-authz');
      assert.deepEqual(names(await list(T.Host, '/hosts?search=cluster%3Dc1')), ['h1']);
      assert.ok((await list(T.Event, '/events')).some((e) => e.description === 'fixture event'));
      // A cluster made before networks were assigned to clusters has its data center's management network.
      const [cluster] = await list(T.Cluster, '/clusters?search=name%3DDefault');
      const [mgmt] = await list(T.Network, `/clusters/${String(cluster.id)}/networks`);
      assert.deepEqual([mgmt.name, (mgmt.usages as string[]).includes('management')], ['ovirtmgmt', true]);
      // The accounts the earlier engine made log in.
      assert.ok(await t.token('joe@internal', 'a-long-password'));
    });

    it('takes adds, updates and removals, and finds them by search', async () => {
      const made = await api.call('POST', '/datacenters', '<data_center><name>dc2</name><local>true</local></data_center>');
      assert.equal(made.status, 201, made.text);
      const [dc1] = await list(T.DataCenter, '/datacenters?search=name%3Ddc1');
      const changed = await api.call('PUT', `/datacenters/${dc1.id}`, '<data_center><description>changed</description></data_center>');
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(names(await list(T.DataCenter, '/datacenters?search=name%3Ddc*')), ['dc1', 'dc2']);
      assert.deepEqual(names(await list(T.DataCenter, '/datacenters?search=description%3Dchanged')), ['dc1']);
      const vm = await api.call('POST', '/vms', '<vm><name>vm2</name><cluster><name>c1</name></cluster><template><name>Blank</name></template></vm>');
      assert.equal(vm.status, 201, vm.text);
      const vm2 = XML.read(T.Vm, vm.text);
      assert.equal((await api.call('POST', `/vms/${vm2.id}/nics`, '<nic><name>nic2</name></nic>')).status, 201);
      assert.deepEqual(names(await list(T.Vm, '/vms?search=cluster%3Dc1')), ['vm1', 'vm2']);
      assert.equal((await api.call('DELETE', `/vms/${vm2.id}`)).status, 200);
      assert.deepEqual(names(await list(T.Vm, '/vms')), ['vm1']);
    });

    it('has the schema of a database made fresh today', async () => {
      const fresh = await TestEngine.start(backend);
      try {
        assert.deepEqual(await liveSchema(t.engine.db), await liveSchema(fresh.engine.db));
      } finally {
        await fresh.stop();
      }
    });
  });
}
