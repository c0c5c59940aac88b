// Networks on hosts: the management network on a new host's first interface, attaching and
// detaching with setupnetworks and the attachment collections, the rules (networks of the host's
// cluster only, one network without VLAN per interface, the management network stays), bonds,
// labels on interfaces and networks, copying another host's networks, synchronizing, committing,
// unmanaged networks, interface statistics and permissions, in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { addUser, clientOf, give } from './support/users';
import { until } from './support/until';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`host networks on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let h1: Obj;
      let h2: Obj;
      const net: Record<string, Obj> = {};

      const send = async (method: string, p: string, type: StructType, obj: Obj, status: number, client = api) => {
        const r = await client.call(method, p, client.format.write(type, obj));
        assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
        return r.status < 300 ? client.format.read(type, r.text) : client.format.read(T.Fault, r.text);
      };
      const post = (p: string, type: StructType, obj: Obj, status = 201) => send('POST', p, type, obj, status);
      const act = (host: Obj, name: string, body: Obj, status = 200) => send('POST', `/hosts/${String(host.id)}/${name}`, T.Action, body, status);
      const setup = (host: Obj, body: Obj, status = 200) => act(host, 'setupnetworks', body, status);
      const list = async (p: string, type: StructType) => {
        const r = await api.call('GET', p);
        assert.equal(r.status, 200, `${p}: ${r.text}`);
        return format.readList(type, r.text);
      };
      const nics = (host: Obj) => list(`/hosts/${String(host.id)}/nics`, T.HostNic);
      const nic = async (host: Obj, name: string) => (await nics(host)).find((n) => n.name === name)!;
      const attachments = (host: Obj) => list(`/hosts/${String(host.id)}/networkattachments`, T.NetworkAttachment);
      const netName = (ref: unknown) => Object.values(net).find((n) => n.id === (ref as Obj).id)?.name;
      /** What the host carries: `network@interface`, sorted. */
      const carried = async (host: Obj) => {
        const byId = new Map((await nics(host)).map((n) => [n.id, n.name]));
        return (await attachments(host)).map((a) => `${String(netName(a.network))}@${String(byId.get((a.host_nic as Obj).id))}`).sort();
      };
      const attach = (network: string, nicName: string) => ({ network: { name: network }, host_nic: { name: nicName } });

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        h1 = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        h2 = await post('/hosts', T.Host, { name: 'h2', address: 'h2.example.com', root_password: 'secret-pw' });
        await until(async () => (await list('/hosts', T.Host)).every((h) => h.status === 'up'));
        const [cluster] = await list('/clusters?search=name%3DDefault', T.Cluster);
        const dc = { id: (cluster.data_center as Obj).id };
        for (const [name, vlan] of [['data', undefined], ['data2', undefined], ['vlan10', 10], ['outside', undefined]] as const) {
          net[name] = await post('/networks', T.Network, { name, data_center: dc, ...(vlan ? { vlan: { id: vlan } } : {}) });
          if (name !== 'outside') await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { id: net[name].id, required: false });
        }
        [net.ovirtmgmt] = await list('/networks?search=name%3Dovirtmgmt', T.Network);
      });
      after(async () => t?.stop());

      it('gives a new host its cluster\'s management network on its first interface', async () => {
        assert.deepEqual((await nics(h1)).map((n) => n.name), ['eth0', 'eth1', 'eth2', 'eth3']);
        assert.deepEqual(await carried(h1), ['ovirtmgmt@eth0']);
        const eth0 = await nic(h1, 'eth0');
        assert.deepEqual([(eth0.network as Obj).id, eth0.bridged, eth0.boot_protocol], [net.ovirtmgmt.id, true, 'dhcp']);
        const [a] = await list(`/hosts/${String(h1.id)}/nics/${String(eth0.id)}/networkattachments`, T.NetworkAttachment);
        assert.equal(a.in_sync, true);
        assert.ok((a.reported_configurations as Obj[]).some((r) => r.name === 'mtu' && r.in_sync === true));
        assert.deepEqual(await list(`/hosts/${String(h1.id)}/unmanagednetworks`, T.UnmanagedNetwork), []);
      });

      it('attaches and detaches networks with setupnetworks, with their addresses', async () => {
        const ip = { address: '10.0.0.5', netmask: '255.255.255.0' };
        const done = await setup(h1, { modified_network_attachments: [{ ...attach('data', 'eth1'), ip_address_assignments: [{ assignment_method: 'static', ip }] }], check_connectivity: true, commit_on_success: true });
        assert.equal(done.status, 'complete');
        assert.deepEqual(await carried(h1), ['data@eth1', 'ovirtmgmt@eth0']);
        const eth1 = await nic(h1, 'eth1');
        assert.deepEqual([(eth1.network as Obj).id, eth1.boot_protocol, (eth1.ip as Obj).address], [net.data.id, 'static', '10.0.0.5']);
        const events = await list('/events', T.Event);
        assert.ok(events.some((e) => e.code === 9306 && String(e.description).includes('h1')));
        // The VLAN network goes beside it, as a VLAN interface.
        await setup(h1, { modified_network_attachments: [attach('vlan10', 'eth1')] });
        const vlanNic = await nic(h1, 'eth1.10');
        assert.deepEqual([vlanNic.base_interface, (vlanNic.vlan as Obj).id, (vlanNic.network as Obj).id], ['eth1', 10, net.vlan10.id]);
        const removed = (await attachments(h1)).filter((a) => a.network && [net.data.id, net.vlan10.id].includes((a.network as Obj).id));
        await setup(h1, { removed_network_attachments: removed.map((a) => ({ id: a.id })) });
        assert.deepEqual(await carried(h1), ['ovirtmgmt@eth0']);
        assert.equal((await nic(h1, 'eth1')).network, undefined);
        assert.equal(await nic(h1, 'eth1.10'), undefined);
      });

      it('refuses networks outside the cluster, two networks without VLAN on one interface and detaching the management network', async () => {
        const outside = await setup(h1, { modified_network_attachments: [attach('outside', 'eth1')] }, 409);
        assert.match(String(outside.detail), /not assigned to the host's cluster/);
        await setup(h1, { modified_network_attachments: [attach('data', 'eth1')] });
        const second = await setup(h1, { modified_network_attachments: [attach('data2', 'eth1')] }, 409);
        assert.match(String(second.detail), /one network without VLAN/);
        await setup(h1, { modified_network_attachments: [attach('data', 'eth2')] }, 409);
        await setup(h1, { modified_network_attachments: [attach('data2', 'eth9')] }, 404);
        const mgmt = (await attachments(h1)).find((a) => (a.network as Obj).id === net.ovirtmgmt.id)!;
        const kept = await setup(h1, { removed_network_attachments: [{ id: mgmt.id }] }, 409);
        assert.match(String(kept.detail), /management network ovirtmgmt must stay attached/);
        // Moving it is fine.
        await setup(h1, { modified_network_attachments: [{ id: mgmt.id, host_nic: { name: 'eth3' } }] });
        assert.deepEqual(await carried(h1), ['data@eth1', 'ovirtmgmt@eth3']);
        await setup(h1, { modified_network_attachments: [{ id: mgmt.id, host_nic: { name: 'eth0' } }], removed_network_attachments: (await attachments(h1)).filter((a) => (a.network as Obj).id === net.data.id).map((a) => ({ id: a.id })) });
        assert.deepEqual(await carried(h1), ['ovirtmgmt@eth0']);
        // A network attached to a host stays assigned to its cluster, and is not removed.
        await setup(h1, { modified_network_attachments: [attach('data', 'eth1')] });
        const [cluster] = await list('/clusters?search=name%3DDefault', T.Cluster);
        assert.equal((await api.call('DELETE', `/clusters/${String(cluster.id)}/networks/${String(net.data.id)}`)).status, 409);
        assert.equal((await api.call('DELETE', `/networks/${String(net.data.id)}`)).status, 409);
        await setup(h1, { removed_network_attachments: (await attachments(h1)).filter((a) => (a.network as Obj).id === net.data.id).map((a) => ({ id: a.id })) });
      });

      it('makes bonds that appear among the interfaces, and removes them', async () => {
        const bond = { name: 'bond0', bonding: { options: [{ name: 'mode', value: '1' }, { name: 'miimon', value: '100' }], slaves: [{ name: 'eth1' }, { name: 'eth2' }] } };
        await setup(h1, { modified_bonds: [{ ...bond, bonding: { slaves: [{ name: 'eth1' }] } }] }, 409);
        await setup(h1, { modified_bonds: [{ ...bond, name: 'team0' }] }, 400);
        await setup(h1, { modified_bonds: [bond], modified_network_attachments: [attach('data', 'eth1')] }, 409);
        assert.deepEqual((await nics(h1)).map((n) => n.name), ['eth0', 'eth1', 'eth2', 'eth3'], 'a refused change changes nothing');
        await setup(h1, { modified_bonds: [bond], modified_network_attachments: [attach('data', 'bond0')] });
        const made = await nic(h1, 'bond0');
        const slaves = ((made.bonding as Obj).slaves as Obj[]).map((s) => s.id);
        const [eth1, eth2] = [await nic(h1, 'eth1'), await nic(h1, 'eth2')];
        assert.deepEqual(slaves, [eth1.id, eth2.id]);
        assert.equal(((made.bonding as Obj).active_slave as Obj).id, eth1.id);
        assert.equal((made.network as Obj).id, net.data.id);
        assert.deepEqual(await carried(h1), ['data@bond0', 'ovirtmgmt@eth0']);
        const [byNic] = await list(`/hosts/${String(h1.id)}/nics/${String(made.id)}/networkattachments`, T.NetworkAttachment);
        assert.equal((byNic.network as Obj).id, net.data.id);
        // A slave belongs to one bond; a bond with networks goes only with them.
        await setup(h1, { modified_bonds: [{ name: 'bond1', bonding: { slaves: [{ name: 'eth2' }, { name: 'eth3' }] } }] }, 409);
        const busy = await setup(h1, { removed_bonds: [{ name: 'bond0' }] }, 409);
        assert.match(String(busy.detail), /removed/);
        await setup(h1, { removed_bonds: [{ name: 'bond0' }], removed_network_attachments: [{ id: byNic.id }] });
        assert.deepEqual((await nics(h1)).map((n) => n.name), ['eth0', 'eth1', 'eth2', 'eth3']);
        await setup(h1, { removed_bonds: [{ name: 'bond0' }] }, 404);
      });

      it('adds, changes and removes attachments through the attachment collections', async () => {
        const eth2 = await nic(h1, 'eth2');
        const base = `/hosts/${String(h1.id)}/nics/${String(eth2.id)}/networkattachments`;
        const added = await post(base, T.NetworkAttachment, { network: { name: 'data2' } });
        assert.equal((added.host_nic as Obj).id, eth2.id);
        await post(base, T.NetworkAttachment, { network: { name: 'outside' } }, 409);
        await post(`/hosts/${String(h1.id)}/networkattachments`, T.NetworkAttachment, { network: { name: 'data' } }, 400);
        const ip = { address: '10.1.0.7', netmask: '255.255.0.0' };
        const changed = await send('PUT', `${base}/${String(added.id)}`, T.NetworkAttachment, { ip_address_assignments: [{ assignment_method: 'static', ip }] }, 200);
        assert.equal(((changed.ip_address_assignments as Obj[])[0].ip as Obj).address, '10.1.0.7');
        assert.equal(((await nic(h1, 'eth2')).ip as Obj).address, '10.1.0.7');
        const mgmt = (await attachments(h1)).find((a) => (a.network as Obj).id === net.ovirtmgmt.id)!;
        assert.equal((await api.call('DELETE', `/hosts/${String(h1.id)}/networkattachments/${String(mgmt.id)}`)).status, 409);
        assert.equal((await api.call('DELETE', `${base}/${String(added.id)}`)).status, 200);
        assert.equal((await api.call('GET', `${base}/${String(added.id)}`)).status, 404);
        assert.deepEqual(await carried(h1), ['ovirtmgmt@eth0']);
      });

      it('labels interfaces and networks: a label attaches the networks carrying it', async () => {
        const eth3 = await nic(h1, 'eth3');
        const labels = `/hosts/${String(h1.id)}/nics/${String(eth3.id)}/networklabels`;
        await post(`/networks/${String(net.data2.id)}/networklabels`, T.NetworkLabel, { id: 'storage' });
        await post(`/networks/${String(net.data2.id)}/networklabels`, T.NetworkLabel, { id: 'other' }, 409);
        await post(`/networks/${String(net.data.id)}/networklabels`, T.NetworkLabel, { id: 'bad label' }, 400);
        await setup(h1, { modified_labels: [{ id: 'storage', host_nic: { name: 'eth3' } }] });
        assert.deepEqual((await list(labels, T.NetworkLabel)).map((l) => l.id), ['storage']);
        assert.deepEqual(await carried(h1), ['data2@eth3', 'ovirtmgmt@eth0']);
        // Labelling a network attaches it where the label is; removing the label takes it away.
        await post(`/networks/${String(net.vlan10.id)}/networklabels`, T.NetworkLabel, { id: 'storage' });
        assert.deepEqual(await carried(h1), ['data2@eth3', 'ovirtmgmt@eth0', 'vlan10@eth3']);
        assert.equal((await api.call('DELETE', `/networks/${String(net.vlan10.id)}/networklabels/storage`)).status, 200);
        assert.deepEqual(await carried(h1), ['data2@eth3', 'ovirtmgmt@eth0']);
        await setup(h1, { removed_labels: [{ id: 'storage' }] });
        assert.deepEqual(await list(labels, T.NetworkLabel), []);
        assert.deepEqual(await carried(h1), ['ovirtmgmt@eth0']);
        await setup(h1, { removed_labels: [{ id: 'storage' }] }, 404);
        await post(labels, T.NetworkLabel, { id: 'lab' });
        assert.equal((await api.call('GET', `${labels}/lab`)).status, 200);
        assert.equal((await api.call('DELETE', `${labels}/lab`)).status, 200);
        assert.equal((await api.call('DELETE', `${labels}/lab`)).status, 404);
        assert.equal((await api.call('DELETE', `/networks/${String(net.data2.id)}/networklabels/storage`)).status, 200);
      });

      it('copies another host\'s networks, synchronizes and commits them', async () => {
        await setup(h1, { modified_bonds: [{ name: 'bond0', bonding: { slaves: [{ name: 'eth1' }, { name: 'eth2' }] } }], modified_network_attachments: [attach('data', 'bond0'), attach('vlan10', 'eth3')] });
        await act(h2, 'copyhostnetworks', { source_host: { id: h1.id } });
        assert.deepEqual(await carried(h2), ['data@bond0', 'ovirtmgmt@eth0', 'vlan10@eth3']);
        const copied = await nic(h2, 'bond0');
        assert.deepEqual(((copied.bonding as Obj).slaves as Obj[]).map((s) => s.id), [(await nic(h2, 'eth1')).id, (await nic(h2, 'eth2')).id]);
        await act(h2, 'copyhostnetworks', { source_host: { id: h2.id } }, 409);
        await act(h2, 'copyhostnetworks', {}, 400);
        await act(h1, 'syncallnetworks', {});
        await act(h1, 'commitnetconfig', {});
        const [cluster] = await list('/clusters?search=name%3DDefault', T.Cluster);
        const synced = await send('POST', `/clusters/${String(cluster.id)}/syncallnetworks`, T.Action, {}, 200);
        assert.equal(synced.status, 'complete');
        assert.ok((await attachments(h2)).every((a) => a.in_sync === true));
        for (const h of [h1, h2]) {
          const gone = (await attachments(h)).filter((a) => (a.network as Obj).id !== net.ovirtmgmt.id);
          await setup(h, { removed_bonds: [{ name: 'bond0' }], removed_network_attachments: gone.map((a) => ({ id: a.id })) });
        }
      });

      it('lists the networks the runtime reports beside the engine\'s, and takes them away', async () => {
        const dir = path.join(t.config.dataDir, 'sim', 'h1.unmanaged');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'legacy'), 'eth3\n');
        const [u] = await list(`/hosts/${String(h1.id)}/unmanagednetworks`, T.UnmanagedNetwork);
        assert.deepEqual([u.name, (u.host_nic as Obj).id], ['legacy', (await nic(h1, 'eth3')).id]);
        assert.equal((await api.call('DELETE', `/hosts/${String(h1.id)}/unmanagednetworks/${String(u.id)}`)).status, 200);
        assert.deepEqual(await list(`/hosts/${String(h1.id)}/unmanagednetworks`, T.UnmanagedNetwork), []);
      });

      it('reports the traffic of each interface', async () => {
        const eth0 = await nic(h1, 'eth0');
        const stats = await list(`/hosts/${String(h1.id)}/nics/${String(eth0.id)}/statistics`, T.Statistic);
        assert.ok(stats.some((s) => s.name === 'data.current.rx' && s.unit === 'bytes_per_second'));
        assert.equal((await api.call('GET', `/hosts/${String(h1.id)}/nics/${String(eth0.id)}/statistics/${String(stats[0].id)}`)).status, 200);
      });

      it('lets only holders of configure_host_network on the host change its networks', async () => {
        const admin = new ApiClient(t, XML, api.token);
        const userId = await addUser(admin, `netadmin-${format.name}`, 'a-long-password');
        await give(admin, `/hosts/${String(h1.id)}`, 'HostAdmin', userId);
        const user = await clientOf(t, `netadmin-${format.name}@internal`, 'a-long-password');
        await send('POST', `/hosts/${String(h2.id)}/setupnetworks`, T.Action, { modified_network_attachments: [attach('data', 'eth1')] }, 403, user);
        assert.deepEqual(await carried(h2), ['ovirtmgmt@eth0']);
        await send('POST', `/hosts/${String(h1.id)}/setupnetworks`, T.Action, { modified_network_attachments: [attach('data', 'eth1')] }, 200, user);
        const seen = user.format.readList(T.NetworkAttachment, (await user.call('GET', `/hosts/${String(h1.id)}/networkattachments`)).text);
        assert.equal(seen.length, 2);
        const hidden = user.format.readList(T.NetworkAttachment, (await user.call('GET', `/hosts/${String(h2.id)}/networkattachments`)).text);
        assert.deepEqual(hidden, []);
        const gone = (await attachments(h1)).filter((a) => (a.network as Obj).id === net.data.id);
        await send('POST', `/hosts/${String(h1.id)}/setupnetworks`, T.Action, { removed_network_attachments: gone.map((a) => ({ id: a.id })) }, 200, user);
      });
    });
  }
}
