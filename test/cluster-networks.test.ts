// Networks on clusters: the management network of every new data center and cluster, assigning
// by id or name within the cluster's data center, `required` and the roles (each held by one
// network of a cluster), unassigning, VM NICs on the cluster's networks only, and network removal
// unassigning, in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Repo } from '../services/store/repo';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`cluster networks on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let cluster: Obj;
      let vm: Obj;

      const send = async (method: string, path: string, type: StructType, obj: Obj, status: number) => {
        const r = await api.call(method, path, format.write(type, obj));
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
        return r.status < 300 ? format.read(type, r.text) : format.read(T.Fault, r.text);
      };
      const post = (path: string, type: StructType, obj: Obj, status = 201) => send('POST', path, type, obj, status);
      const get = async (path: string, type: StructType = T.Network) => {
        const r = await api.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return format.read(type, r.text);
      };
      const list = async (path: string, type: StructType = T.Network) => {
        const r = await api.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return format.readList(type, r.text);
      };
      const assigned = async (c: Obj) => (await list(`/clusters/${String(c.id)}/networks`)).map((n) => n.name).sort();
      const usages = async (c: Obj, n: Obj) => ((await get(`/clusters/${String(c.id)}/networks/${String(n.id)}`)).usages as string[]).sort();

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        cluster = (await list('/clusters', T.Cluster)).find((c) => c.name === 'Default')!;
        vm = await post('/vms', T.Vm, { name: 'vm1', cluster: { name: 'Default' }, template: { name: 'Blank' } });
      });
      after(async () => t?.stop());

      it('gives every data center its management network and every cluster its data center\'s', async () => {
        const [mgmt] = await list(`/clusters/${String(cluster.id)}/networks`);
        assert.deepEqual([mgmt.name, mgmt.required, mgmt.display, (mgmt.cluster as Obj).id], ['ovirtmgmt', true, true, cluster.id]);
        assert.deepEqual(await usages(cluster, mgmt), ['default_route', 'display', 'management', 'migration', 'vm']);
        assert.equal(((await get(`/clusters/${String(cluster.id)}`, T.Cluster)).management_network as Obj).id, mgmt.id);

        const dc = await post('/datacenters', T.DataCenter, { name: 'east' });
        const [own] = await list(`/datacenters/${String(dc.id)}/networks`);
        assert.equal(own.name, 'ovirtmgmt');
        assert.deepEqual((await list(`/networks/${String(own.id)}/vnicprofiles`, T.VnicProfile)).map((p) => p.name), ['ovirtmgmt']);
        // Two data centers' networks share the name now: a reference by that name alone is refused, and nothing is made.
        const profiles = (await list('/vnicprofiles', T.VnicProfile)).length;
        const ambiguous = await post('/vnicprofiles', T.VnicProfile, { name: 'either', network: { name: 'ovirtmgmt' } }, 400);
        assert.match(String(ambiguous.detail), /More than one Network is named 'ovirtmgmt': give network by id/);
        assert.equal((await list('/vnicprofiles', T.VnicProfile)).length, profiles);
        const c = await post('/clusters', T.Cluster, { name: 'east1', data_center: { id: dc.id }, cpu: { type: 'Intel Nehalem Family' } });
        // oVirt's `Clusters.name=` finds the data center of a cluster, as the SDK's add_vm_nic.py searches it.
        assert.deepEqual((await list(`/datacenters?search=${encodeURIComponent('Clusters.name=east1')}`, T.DataCenter)).map((d) => d.id), [dc.id]);
        const [got] = await list(`/clusters/${String(c.id)}/networks`);
        assert.deepEqual([got.id, got.required], [own.id, true]);
        assert.equal(((await get(`/clusters/${String(c.id)}`, T.Cluster)).management_network as Obj).id, own.id);
        // A network of one data center is assigned to clusters of that one only.
        const fault = await post(`/clusters/${String(c.id)}/networks`, T.Network, { id: mgmt.id }, 409);
        assert.match(String(fault.detail), /another data center/);
        await post(`/clusters/${String(c.id)}/networks`, T.Network, { name: 'nowhere' }, 404);
        assert.deepEqual(await assigned(c), ['ovirtmgmt']);
        // `cluster=` finds the networks assigned to the cluster.
        assert.deepEqual((await list(`/networks?search=${encodeURIComponent('cluster=east1')}`)).map((n) => n.id), [own.id]);
        // A cluster may name another network of its data center as its management network.
        const mgmt2 = await post(`/datacenters/${String(dc.id)}/networks`, T.Network, { name: 'mgmt2' });
        const c2 = await post('/clusters', T.Cluster, { name: 'east2', data_center: { id: dc.id }, management_network: { name: 'mgmt2' } });
        assert.deepEqual((await list(`/clusters/${String(c2.id)}/networks`)).map((n) => [n.id, (n.usages as string[]).includes('management')]), [[mgmt2.id, true]]);
        await post('/clusters', T.Cluster, { name: 'east3', data_center: { id: dc.id }, management_network: { id: mgmt.id } }, 409);
        assert.equal((await list(`/clusters?search=${encodeURIComponent('name=east3')}`, T.Cluster)).length, 0);
        assert.equal((await api.call('DELETE', `/clusters/${String(c2.id)}`)).status, 200);
        // The assignments go with the cluster, and the management network with its data center.
        assert.equal((await api.call('DELETE', `/clusters/${String(c.id)}`)).status, 200);
        assert.equal(await new Repo(t.engine.db).count(T.ClusterNetwork, { cluster: String(c.id) }), 0);
        assert.equal((await api.call('DELETE', `/datacenters/${String(dc.id)}`)).status, 200);
        assert.equal((await api.call('GET', `/networks/${String(own.id)}`)).status, 404);
      });

      it('assigns by id or name, with required and roles, each role on one network of the cluster', async () => {
        const dcId = String(cluster.data_center && (cluster.data_center as Obj).id);
        const storage = await post('/networks', T.Network, { name: 'storage', data_center: { id: dcId } });
        const backup = await post('/networks', T.Network, { name: 'backup', data_center: { id: dcId }, usages: [] });
        const byName = await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { name: 'storage', required: false, usages: ['migration'] });
        assert.deepEqual([byName.id, byName.required, byName.usages], [storage.id, false, ['vm', 'migration']]);
        const byId = await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { id: backup.id });
        assert.deepEqual([byId.required, byId.usages ?? [], byId.display], [true, [], false]);
        await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { name: 'storage' }, 409);
        assert.deepEqual(await assigned(cluster), ['backup', 'ovirtmgmt', 'storage']);
        const mgmt = (await list(`/clusters/${String(cluster.id)}/networks`)).find((n) => n.name === 'ovirtmgmt')!;
        assert.deepEqual(await usages(cluster, mgmt), ['default_route', 'display', 'management', 'vm'], 'migration moved to storage');

        // Display given to backup leaves ovirtmgmt; required changes alone.
        const path = `/clusters/${String(cluster.id)}/networks/${String(backup.id)}`;
        const updated = await send('PUT', path, T.Network, { display: true, required: false }, 200);
        assert.deepEqual([updated.display, updated.required], [true, false]);
        assert.deepEqual(await usages(cluster, mgmt), ['default_route', 'management', 'vm']);
        // The management network keeps its role, and does not move while the cluster has hosts.
        await send('PUT', `/clusters/${String(cluster.id)}/networks/${String(mgmt.id)}`, T.Network, { usages: ['vm'] }, 409);
        await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        const moving = await send('PUT', path, T.Network, { usages: ['management'] }, 409);
        assert.match(String(moving.detail), /with hosts/);
        assert.deepEqual(await usages(cluster, mgmt), ['default_route', 'management', 'vm']);
        assert.equal(((await get(`/clusters/${String(cluster.id)}`, T.Cluster)).management_network as Obj).id, mgmt.id);

        // Unassigning: never the management network.
        assert.equal((await api.call('DELETE', `/clusters/${String(cluster.id)}/networks/${String(mgmt.id)}`)).status, 409);
        assert.equal((await api.call('DELETE', path)).status, 200);
        assert.equal((await api.call('GET', path)).status, 404);
        assert.deepEqual(await assigned(cluster), ['ovirtmgmt', 'storage']);
        assert.ok(await get(`/networks/${String(backup.id)}`), 'the network itself stays');
      });

      it('puts VM NICs only on profiles of networks assigned to the VM\'s cluster', async () => {
        const dcId = String((cluster.data_center as Obj).id);
        const lab = await post('/networks', T.Network, { name: 'lab', data_center: { id: dcId } });
        const [profile] = await list(`/networks/${String(lab.id)}/vnicprofiles`, T.VnicProfile);
        const nics = `/vms/${String(vm.id)}/nics`;
        const refused = await post(nics, T.Nic, { name: 'eth0', vnic_profile: { id: profile.id } }, 409);
        assert.match(String(refused.detail), /Network lab/);
        assert.deepEqual(await list(nics, T.Nic), []);
        const nic = await post(nics, T.Nic, { name: 'eth0', vnic_profile: { name: 'ovirtmgmt' } });
        const moved = await send('PUT', `${nics}/${String(nic.id)}`, T.Nic, { vnic_profile: { id: profile.id } }, 409);
        assert.match(String(moved.detail), /Network lab/);

        await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { id: lab.id });
        const onLab = await send('PUT', `${nics}/${String(nic.id)}`, T.Nic, { vnic_profile: { id: profile.id } }, 200);
        assert.equal((onLab.vnic_profile as Obj).id, profile.id);
        // A network the cluster's VMs use stays assigned.
        const inUse = await api.call('DELETE', `/clusters/${String(cluster.id)}/networks/${String(lab.id)}`);
        assert.equal(inUse.status, 409);
        assert.match(format.read(T.Fault, inUse.text).detail as string, /vm1/);
        assert.equal((await api.call('DELETE', `${nics}/${String(nic.id)}`)).status, 200);
      });

      it('unassigns a network from its clusters when it is removed, but never removes a management network', async () => {
        const dcId = String((cluster.data_center as Obj).id);
        const temp = await post('/networks', T.Network, { name: 'temp', data_center: { id: dcId } });
        await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { id: temp.id });
        assert.ok((await assigned(cluster)).includes('temp'));
        assert.equal((await api.call('DELETE', `/networks/${String(temp.id)}`)).status, 200);
        assert.ok(!(await assigned(cluster)).includes('temp'));
        assert.deepEqual((await list(`/networks?search=${encodeURIComponent('cluster=Default and name=temp')}`)), []);

        const mgmt = (await list(`/clusters/${String(cluster.id)}/networks`)).find((n) => n.name === 'ovirtmgmt')!;
        const r = await api.call('DELETE', `/networks/${String(mgmt.id)}`);
        assert.equal(r.status, 409);
        assert.match(format.read(T.Fault, r.text).detail as string, /management network of Cluster Default/);
        assert.ok((await assigned(cluster)).includes('ovirtmgmt'));
      });
    });
  }
}
