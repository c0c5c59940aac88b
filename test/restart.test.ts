// Everything accepted survives a restart of the engine, on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, TestEngine } from './support/engine';

for (const backend of BACKENDS) {
  describe(`restart on ${backend.name}`, () => {
    let t: TestEngine;
    before(async () => {
      t = await TestEngine.start(backend);
    });
    after(async () => t?.stop());

    it('keeps data, seeded objects and tokens', async () => {
      const api = await ApiClient.of(t, XML);
      const dc = XML.read(T.DataCenter, (await api.call('POST', '/datacenters', '<data_center><name>durable</name><description>kept</description></data_center>')).text);
      const vm = XML.read(T.Vm, (await api.call('POST', '/vms',
        '<vm><name>durable-vm</name><memory>268435456</memory><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>')).text);
      await api.call('POST', `/vms/${vm.id}/nics`, '<nic><name>eth0</name><vnic_profile><name>ovirtmgmt</name></vnic_profile></nic>');
      const before = (await api.call('GET', '/vms')).text;

      await t.restart();

      const again = await api.call('GET', `/datacenters/${dc.id}`);
      assert.equal(again.status, 200, 'the token issued before the restart still works');
      assert.equal(XML.read(T.DataCenter, again.text).description, 'kept');
      assert.equal((await api.call('GET', '/vms')).text, before);
      const nics = XML.readList(T.Nic, (await api.call('GET', `/vms/${vm.id}/nics`)).text);
      assert.deepEqual(nics.map((n) => n.name), ['eth0']);
      assert.ok((nics[0].vnic_profile as Obj).id);
      const templates = XML.readList(T.Template, (await api.call('GET', '/templates')).text);
      assert.deepEqual(templates.map((x) => x.name), ['Blank']);
      // A second start must not seed twice.
      assert.deepEqual(XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text).map((d) => d.name), ['Default', 'durable']);
    });
  });
}
