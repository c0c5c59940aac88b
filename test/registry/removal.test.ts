// Removing an object removes, in the same transaction, what the service tree says it owns (the
// members of its sub-collections, recursively) and every permission naming it; refusals (409)
// leave everything in place.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../model/types';
import { StructType } from '../../model/meta';
import { Obj, XML } from '../../model/codec';
import { ApiClient, BACKENDS, TestEngine, withEngine } from '../support/engine';
import { addUser, give, vmBody } from '../support/users';

for (const backend of BACKENDS) {
  describe(`removal by ownership (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let t: TestEngine;
    let admin: ApiClient;
    let joeId: string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-removal-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Rows of `table` whose reference column `column` holds `id`. */
    const rows = async (table: string, column: string, id: unknown): Promise<number> =>
      (await t.engine.db(table).where(column, String(id)).select('id')).length;

    const added = async (type: StructType, path: string, body: string): Promise<Obj> => {
      const r = await admin.call('POST', path, body);
      assert.equal(r.status, 201, r.text);
      return XML.read(type, r.text);
    };

    before(async () => {
      ({ t, api: admin } = ctx);
      joeId = await addUser(admin, 'joe', 'joe-password-1');
    });

    it('removing a VM leaves no permission given on it, nor its NICs, CD-ROM or snapshots', async () => {
      const vm = await added(T.Vm, '/vms', vmBody('short-lived'));
      await added(T.Nic, `/vms/${vm.id}/nics`, '<nic><name>nic1</name></nic>');
      await give(admin, `/vms/${vm.id}`, 'UserRole', joeId);
      assert.equal(await rows('permissions', 'vm_id', vm.id), 1);
      assert.equal(await rows('nics', 'vm_id', vm.id), 1);
      const r = await admin.call('DELETE', `/vms/${vm.id}`);
      assert.equal(r.status, 200, r.text);
      for (const table of ['permissions', 'nics', 'cdroms', 'snapshots', 'disk_attachments']) {
        assert.equal(await rows(table, 'vm_id', vm.id), 0, table);
      }
    });

    it('removing a cluster or a data center leaves no permission given on them, nor the networks of the data center', async () => {
      const dc = await added(T.DataCenter, '/datacenters', '<data_center><name>Passing</name><local>false</local></data_center>');
      const cluster = await added(T.Cluster, '/clusters', `<cluster><name>Passing</name><data_center id="${String(dc.id)}"/></cluster>`);
      const net = await added(T.Network, `/datacenters/${dc.id}/networks`, '<network><name>passing-net</name></network>');
      await give(admin, `/clusters/${cluster.id}`, 'UserVmManager', joeId);
      await give(admin, `/datacenters/${dc.id}`, 'UserVmManager', joeId);
      await give(admin, `/networks/${net.id}`, 'UserRole', joeId);
      assert.equal((await admin.call('DELETE', `/clusters/${cluster.id}`)).status, 200);
      assert.equal(await rows('permissions', 'cluster_id', cluster.id), 0);
      assert.equal((await admin.call('DELETE', `/datacenters/${dc.id}`)).status, 200);
      assert.equal(await rows('permissions', 'data_center_id', dc.id), 0);
      assert.equal(await rows('networks', 'data_center_id', dc.id), 0);
      assert.equal(await rows('vnic_profiles', 'network_id', net.id), 0, 'the network\'s own profile goes with it');
      assert.equal(await rows('permissions', 'network_id', net.id), 0);
    });

    it('removing a user leaves no permission given to it, nor its API tokens', async () => {
      const amyId = await addUser(admin, 'amy', 'amy-password-1');
      const vm = await added(T.Vm, '/vms', vmBody('amys-vm'));
      await give(admin, `/vms/${vm.id}`, 'UserRole', amyId);
      await added(T.ApiToken, `/users/${amyId}/apitokens`, `<api_token><name>robot</name><expiration>${new Date(Date.now() + 86_400_000).toISOString()}</expiration></api_token>`);
      assert.equal(await rows('api_tokens', 'user_id', amyId), 1);
      const r = await admin.call('DELETE', `/users/${amyId}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(await rows('permissions', 'user_id', amyId), 0);
      assert.equal(await rows('api_tokens', 'user_id', amyId), 0);
    });

    it('removing a disk leaves no permission given on it', async () => {
      const sd = await added(T.StorageDomain, '/storagedomains', `<storage_domain><name>passing</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`);
      const [dc] = XML.readList(T.DataCenter, (await admin.call('GET', '/datacenters?search=name%3DDefault')).text);
      await added(T.StorageDomain, `/datacenters/${dc.id}/storagedomains`, `<storage_domain id="${String(sd.id)}"/>`);
      const disk = await added(T.Disk, '/disks', `<disk><name>passing-disk</name><provisioned_size>1048576</provisioned_size><format>raw</format><storage_domains><storage_domain id="${String(sd.id)}"/></storage_domains></disk>`);
      await give(admin, `/disks/${disk.id}`, 'UserRole', joeId);
      assert.equal(await rows('permissions', 'disk_id', disk.id), 1);
      assert.equal((await admin.call('DELETE', `/disks/${disk.id}`)).status, 200);
      assert.equal(await rows('permissions', 'disk_id', disk.id), 0);
    });

    it('a refused removal keeps what the object owns', async () => {
      const vm = await added(T.Vm, '/vms', vmBody('kept'));
      await give(admin, `/vms/${vm.id}`, 'UserRole', joeId);
      const cluster = XML.read(T.Vm, (await admin.call('GET', `/vms/${vm.id}`)).text).cluster as Obj;
      await give(admin, `/clusters/${cluster.id}`, 'UserRole', joeId);
      const r = await admin.call('DELETE', `/clusters/${cluster.id}`);
      assert.equal(r.status, 409, r.text);
      assert.equal(await rows('permissions', 'cluster_id', cluster.id), 1);
      assert.equal(await rows('permissions', 'vm_id', vm.id), 1);
    });
  });
}
