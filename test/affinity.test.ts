// Affinity groups and labels: groups of a cluster with their rules, VMs, hosts and labels, labels
// given to VMs and hosts, and where VMs run by them (enforcing rules refuse, others prefer) and
// by the cluster's scheduling policy; removal and permits; in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { StructType } from '../model/meta';
import { Obj, XML } from '../model/codec';
import { ADMIN_PASSWORD, ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { addUser, clientOf, give } from './support/users';

const GiB = 1024 ** 3;
const POWER_SAVING = '5a2b0939-7d46-4b73-a469-e9c2c7fc6a53';
const VM_EVENLY_DISTRIBUTED = '8d5d7bec-68de-4a67-b53e-0ac54686d579';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`affinity on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      const { send, post, get, list, remove } = restCalls(() => api);
      const ids = (objs: Obj[] | undefined) => (objs ?? []).map((o) => String(o.id)).sort();
      const names = async (path: string, type: StructType = T.Vm) => (await list(path, type)).map((o) => String(o.name)).sort();
      const idOf = (o: Obj) => String(o.id);
      const groupsOf = (cluster: Obj) => `/clusters/${idOf(cluster)}/affinitygroups`;

      const cluster = (name: string, policy?: string) =>
        post('/clusters', T.Cluster, { name, data_center: { name: 'Default' }, cpu: { type: 'Intel Nehalem Family' }, ...(policy ? { scheduling_policy: { id: policy } } : {}) });
      const host = async (name: string, c: Obj) => {
        const h = await post('/hosts', T.Host, { name, address: `${name}.example.com`, root_password: 'secret-pw', cluster: { id: c.id } });
        await until(async () => (await get(`/hosts/${idOf(h)}`, T.Host)).status === 'up');
        return h;
      };
      const vm = (name: string, c: Obj, memory = GiB) =>
        post('/vms', T.Vm, { name, memory, cluster: { id: c.id }, template: { name: 'Blank' }, os: { boot: { devices: ['network'] } } });
      const act = (v: Obj, name: string, body: Obj = {}, status = 200) => send('POST', `/vms/${idOf(v)}/${name}`, T.Action, body, status);
      /** Starts the VM (on `on` when given) and answers the host it came up on. */
      const start = async (v: Obj, on?: Obj) => {
        await act(v, 'start', on ? { host: { id: on.id } } : {});
        let running: Obj = {};
        await until(async () => (running = await get(`/vms/${idOf(v)}`, T.Vm)).status === 'up');
        return String((running.host as Obj).id);
      };
      const stop = async (...vms: Obj[]) => {
        for (const v of vms) await act(v, 'stop');
      };

      let solo: Obj;
      let pair: Obj;
      let s1: Obj;
      let p1: Obj;
      let p2: Obj;

      before(async () => {
        t = await TestEngine.start(backend, { simHostMemory: 4 * GiB });
        api = await ApiClient.of(t, format);
        solo = await cluster('solo');
        pair = await cluster('pair');
        s1 = await host('s1', solo);
        p1 = await host('p1', pair);
        p2 = await host('p2', pair);
      });
      after(async () => t?.stop());

      it('adds, reads, changes and removes groups of a cluster, with unique names there and oVirt\'s rules', async () => {
        const a = await vm('crud-a', pair);
        const b = await vm('crud-b', pair);
        const g = await post(groupsOf(pair), T.AffinityGroup, {
          name: 'crud', description: 'apart', vms_rule: { positive: false, enforcing: true }, vms: [{ id: a.id }], hosts: [{ name: 'p1' }],
        });
        assert.deepEqual([g.vms_rule, g.hosts_rule], [{ enabled: true, positive: false, enforcing: true }, { enabled: false, positive: true, enforcing: true }]);
        // The deprecated members show the VM rule.
        assert.deepEqual([g.positive, g.enforcing, g.priority, g.broken, (g.cluster as Obj).id], [false, true, 1, false, pair.id]);
        assert.deepEqual([ids(g.vms as Obj[]), ids(g.hosts as Obj[])], [[a.id], [p1.id]]);
        const got = await get(`${groupsOf(pair)}/${idOf(g)}`, T.AffinityGroup);
        assert.deepEqual([got.name, got.description, ids(got.vms as Obj[])], ['crud', 'apart', [a.id]]);
        // The deprecated members set the VM rule when `vms_rule` is not given.
        const legacy = await post(groupsOf(pair), T.AffinityGroup, { name: 'legacy', positive: true, enforcing: false });
        assert.deepEqual(legacy.vms_rule, { enabled: true, positive: true, enforcing: false });
        // Names are unique in a cluster, not across clusters.
        await post(groupsOf(pair), T.AffinityGroup, { name: 'crud' }, 409);
        await post(groupsOf(solo), T.AffinityGroup, { name: 'crud' });
        await send('PUT', `${groupsOf(pair)}/${idOf(legacy)}`, T.AffinityGroup, { name: 'crud' }, 409);
        await post(groupsOf(pair), T.AffinityGroup, { description: 'nameless' }, 400);
        // Members are of the group's cluster, each once; unknown ones are 404.
        const elsewhere = await vm('crud-elsewhere', solo);
        await post(groupsOf(pair), T.AffinityGroup, { name: 'mixed', vms: [{ id: elsewhere.id }] }, 409);
        await post(groupsOf(pair), T.AffinityGroup, { name: 'twice', vms: [{ id: a.id }, { id: a.id }] }, 409);
        await post(groupsOf(pair), T.AffinityGroup, { name: 'ghost', hosts: [{ name: 'no-such-host' }] }, 404);
        assert.deepEqual(await names(groupsOf(pair), T.AffinityGroup), ['crud', 'legacy']);
        // An update changes the rules, priority and members; disabling a rule keeps its polarity.
        const changed = await send('PUT', `${groupsOf(pair)}/${idOf(g)}`, T.AffinityGroup, {
          name: 'crud2', priority: 3, vms_rule: { enabled: false }, hosts_rule: { positive: false }, vms: [{ id: a.id }, { id: b.id }], hosts: [],
        }, 200);
        assert.deepEqual([changed.name, changed.priority, changed.vms_rule, changed.hosts_rule, changed.positive], [
          'crud2', 3, { enabled: false, positive: false, enforcing: true }, { enabled: true, positive: false, enforcing: true }, undefined,
        ]);
        assert.deepEqual([ids(changed.vms as Obj[]), ids(changed.hosts as Obj[])], [ids([a, b]), []]);
        await remove(`${groupsOf(pair)}/${idOf(changed)}`, 200);
        await remove(`${groupsOf(pair)}/${idOf(legacy)}`, 200);
        await remove(`${groupsOf(pair)}/${idOf(legacy)}`, 404);
        // A group is reached through its own cluster only.
        await remove(`${groupsOf(solo)}/${idOf(g)}`, 404);
      });

      it('adds VMs, hosts and labels to a group by id or name and takes them out again', async () => {
        const m1 = await vm('member-1', pair);
        const m2 = await vm('member-2', pair);
        const other = await vm('member-other', solo);
        const label = await post('/affinitylabels', T.AffinityLabel, { name: 'member-label' });
        const g = await post(groupsOf(pair), T.AffinityGroup, { name: 'members' });
        const at = `${groupsOf(pair)}/${idOf(g)}`;
        assert.equal((await post(`${at}/vms`, T.Vm, { name: 'member-1' })).id, m1.id);
        await post(`${at}/vms`, T.Vm, { id: m2.id });
        await post(`${at}/vms`, T.Vm, { id: m1.id }, 409);
        await post(`${at}/vms`, T.Vm, { id: other.id }, 409);
        await post(`${at}/vms`, T.Vm, { name: 'no-such-vm' }, 404);
        assert.deepEqual(await names(`${at}/vms`), ['member-1', 'member-2']);
        await post(`${at}/hosts`, T.Host, { name: 'p2' });
        await post(`${at}/hosts`, T.Host, { id: s1.id }, 409);
        await post(`${at}/vmlabels`, T.AffinityLabel, { name: 'member-label' });
        await post(`${at}/hostlabels`, T.AffinityLabel, { id: label.id });
        const held = await get(at, T.AffinityGroup);
        assert.deepEqual([ids(held.vms as Obj[]), ids(held.hosts as Obj[]), ids(held.vm_labels as Obj[]), ids(held.host_labels as Obj[])], [
          ids([m1, m2]), [p2.id], [label.id], [label.id],
        ]);
        // A host is taken out by id or by name.
        await remove(`${at}/hosts/p2`, 200);
        await remove(`${at}/vms/${idOf(m1)}`, 200);
        await remove(`${at}/vms/${idOf(m1)}`, 404);
        await remove(`${at}/vmlabels/${idOf(label)}`, 200);
        assert.deepEqual(await names(`${at}/vms`), ['member-2']);
        assert.deepEqual([await names(`${at}/hosts`, T.Host), await names(`${at}/vmlabels`, T.AffinityLabel)], [[], []]);
        assert.deepEqual(await names(`${at}/hostlabels`, T.AffinityLabel), ['member-label']);
        await remove(at, 200);
      });

      it('adds labels with unique names and gives them to VMs and hosts, both ways', async () => {
        const v = await vm('labelled', pair);
        const l = await post('/affinitylabels', T.AffinityLabel, { name: 'gpu', hosts: [{ id: p1.id }] });
        assert.deepEqual([l.read_only, l.has_implicit_affinity_group, ids(l.hosts as Obj[]), ids(l.vms as Obj[])], [false, false, [p1.id], []]);
        await post('/affinitylabels', T.AffinityLabel, { name: 'gpu' }, 409);
        await post(`/vms/${idOf(v)}/affinitylabels`, T.AffinityLabel, { id: l.id });
        // Giving it again changes nothing.
        await post(`/vms/${idOf(v)}/affinitylabels`, T.AffinityLabel, { id: l.id });
        assert.deepEqual(await names(`/vms/${idOf(v)}/affinitylabels`, T.AffinityLabel), ['gpu']);
        assert.deepEqual(await names(`/affinitylabels/${idOf(l)}/vms`), ['labelled']);
        await post(`/affinitylabels/${idOf(l)}/hosts`, T.Host, { id: p2.id });
        assert.deepEqual(await names(`/hosts/${idOf(p2)}/affinitylabels`, T.AffinityLabel), ['gpu']);
        assert.deepEqual(ids((await get(`/affinitylabels/${idOf(l)}`, T.AffinityLabel)).hosts as Obj[]), ids([p1, p2]));
        await remove(`/hosts/${idOf(p2)}/affinitylabels/${idOf(l)}`, 200);
        await remove(`/affinitylabels/${idOf(l)}/vms/${idOf(v)}`, 200);
        await remove(`/affinitylabels/${idOf(l)}/vms/${idOf(v)}`, 404);
        assert.deepEqual([await names(`/vms/${idOf(v)}/affinitylabels`, T.AffinityLabel), ids((await get(`/affinitylabels/${idOf(l)}`, T.AffinityLabel)).hosts as Obj[])], [[], [p1.id]]);
        const renamed = await send('PUT', `/affinitylabels/${idOf(l)}`, T.AffinityLabel, { name: 'gpu2' }, 200);
        assert.equal(renamed.name, 'gpu2');
        // A label removed is taken from the groups that named it.
        const g = await post(groupsOf(pair), T.AffinityGroup, { name: 'by-label', vm_labels: [{ id: l.id }], host_labels: [{ id: l.id }] });
        await remove(`/affinitylabels/${idOf(l)}`, 200);
        const left = await get(`${groupsOf(pair)}/${idOf(g)}`, T.AffinityGroup);
        assert.deepEqual([ids(left.vm_labels as Obj[]), ids(left.host_labels as Obj[])], [[], []]);
        await remove(`${groupsOf(pair)}/${idOf(g)}`, 200);
      });

      it('refuses to run a VM an enforcing negative group keeps from the only host, and only prefers when not enforcing', async () => {
        const db1 = await vm('db1', solo);
        const db2 = await vm('db2', solo);
        const g = await post(groupsOf(solo), T.AffinityGroup, { name: 'anti-db', vms_rule: { positive: false, enforcing: true }, vms: [{ id: db1.id }, { id: db2.id }] });
        assert.equal(await start(db1), s1.id);
        const refused = await act(db2, 'start', {}, 409);
        assert.match(String(refused.detail), /Cannot run VM db2: affinity group anti-db \(negative, enforcing\) allows none of the hosts .*s1/);
        assert.equal((await get(`/vms/${idOf(db2)}`, T.Vm)).status, 'down');
        // Started on the host by name, it is refused too.
        await act(db2, 'start', { host: { id: s1.id } }, 409);
        await send('PUT', `${groupsOf(solo)}/${idOf(g)}`, T.AffinityGroup, { vms_rule: { enforcing: false } }, 200);
        assert.equal(await start(db2), s1.id);
        // Both run on one host now: the group is broken.
        assert.equal((await get(`${groupsOf(solo)}/${idOf(g)}`, T.AffinityGroup)).broken, true);
        await stop(db1, db2);
      });

      it('keeps the VMs of a positive group together and follows its host rule', async () => {
        const w1 = await vm('web1', pair);
        const w2 = await vm('web2', pair);
        const big = await vm('big', pair, 2 * GiB);
        await post(groupsOf(pair), T.AffinityGroup, { name: 'web', vms_rule: { positive: true, enforcing: true }, vms: [{ id: w1.id }, { id: w2.id }] });
        // `big` on p2 leaves p1 the host with more free memory, where web2 would go without the group.
        assert.equal(await start(big, p2), p2.id);
        assert.equal(await start(w1, p2), p2.id);
        assert.equal(await start(w2), p2.id);
        // Moving one away from the other breaks the enforcing rule.
        const moved = await act(w2, 'migrate', { host: { id: p1.id } }, 409);
        assert.match(String(moved.detail), /Cannot migrate VM web2: affinity group web \(positive, enforcing\)/);
        await stop(w1, w2, big);
        // A host rule: an enforcing positive one keeps the VM on the group's hosts, a negative one off them.
        const pinned = await vm('pinned', pair);
        const hg = await post(groupsOf(pair), T.AffinityGroup, { name: 'on-p2', hosts_rule: { positive: true, enforcing: true }, vms: [{ id: pinned.id }], hosts: [{ id: p2.id }] });
        await act(pinned, 'start', { host: { id: p1.id } }, 409);
        assert.equal(await start(pinned), p2.id);
        await stop(pinned);
        await send('PUT', `${groupsOf(pair)}/${idOf(hg)}`, T.AffinityGroup, { hosts_rule: { positive: false } }, 200);
        assert.equal(await start(pinned), p1.id);
        await stop(pinned);
        await send('PUT', `${groupsOf(pair)}/${idOf(hg)}`, T.AffinityGroup, { hosts: [{ id: p1.id }] }, 200);
        assert.equal(await start(pinned), p2.id);
        await stop(pinned);
        // Not enforcing, the rule is a preference: it outweighs free memory, and refuses nothing.
        await send('PUT', `${groupsOf(pair)}/${idOf(hg)}`, T.AffinityGroup, { hosts_rule: { positive: true, enforcing: false }, hosts: [{ id: p2.id }] }, 200);
        assert.equal(await start(big, p2), p2.id);
        assert.equal(await start(pinned), p2.id);
        await stop(pinned);
        assert.equal(await start(pinned, p1), p1.id);
        await stop(pinned, big);
      });

      it('applies a group\'s rules to the VMs and hosts carrying the labels it names', async () => {
        const v = await vm('by-label', pair);
        const vmLabel = await post('/affinitylabels', T.AffinityLabel, { name: 'frontend', vms: [{ id: v.id }] });
        const hostLabel = await post('/affinitylabels', T.AffinityLabel, { name: 'dmz', hosts: [{ id: p2.id }] });
        await post(groupsOf(pair), T.AffinityGroup, {
          name: 'frontends-in-dmz', hosts_rule: { positive: true, enforcing: true }, vm_labels: [{ id: vmLabel.id }], host_labels: [{ id: hostLabel.id }],
        });
        await act(v, 'start', { host: { id: p1.id } }, 409);
        assert.equal(await start(v), p2.id);
        await stop(v);
        // Without the label the VM is no member, and may run anywhere.
        await remove(`/vms/${idOf(v)}/affinitylabels/${idOf(vmLabel)}`, 200);
        assert.equal(await start(v, p1), p1.id);
        await stop(v);
      });

      it('refuses enforcing rules that contradict each other', async () => {
        const x = await vm('x', pair);
        const y = await vm('y', pair);
        await post(groupsOf(pair), T.AffinityGroup, { name: 'together', vms_rule: { positive: true, enforcing: true }, vms: [{ id: x.id }, { id: y.id }] });
        const apart = await post(groupsOf(pair), T.AffinityGroup, { name: 'apart', vms_rule: { positive: false, enforcing: true }, vms: [{ id: x.id }, { id: y.id }] }, 409);
        assert.match(String(apart.detail), /negative group apart keeps VMs/);
        const soft = await post(groupsOf(pair), T.AffinityGroup, { name: 'apart', vms_rule: { positive: false, enforcing: true }, vms: [{ id: x.id }] });
        await post(`${groupsOf(pair)}/${idOf(soft)}/vms`, T.Vm, { id: y.id }, 409);
        assert.deepEqual(await names(`${groupsOf(pair)}/${idOf(soft)}/vms`), ['x']);
      });

      it('places by the cluster\'s scheduling policy: power saving fills the busiest host, VM-even the emptiest', async () => {
        const saving = await cluster('saving', POWER_SAVING);
        const e1 = await host('e1', saving);
        const e2 = await host('e2', saving);
        const first = await vm('ps-first', saving);
        const second = await vm('ps-second', saving, 512 * 1024 ** 2);
        assert.equal(await start(first, e2), e2.id);
        assert.equal(await start(second), e2.id);
        await stop(first, second);
        await send('PUT', `/clusters/${idOf(saving)}`, T.Cluster, { scheduling_policy: { id: VM_EVENLY_DISTRIBUTED } }, 200);
        const large = await vm('even-large', saving, 3 * GiB);
        const smalls = await Promise.all(['even-1', 'even-2', 'even-3'].map((n) => vm(n, saving, 256 * 1024 ** 2)));
        assert.equal(await start(large, e1), e1.id);
        assert.equal(await start(smalls[0], e2), e2.id);
        assert.equal(await start(smalls[1], e2), e2.id);
        // e1 runs one VM, e2 two with more memory free.
        assert.equal(await start(smalls[2]), e1.id);
        await stop(smalls[2]);
        // The default policy takes the host with most memory free.
        await send('PUT', `/clusters/${idOf(saving)}`, T.Cluster, { scheduling_policy: { name: 'none' } }, 200);
        assert.equal(await start(smalls[2]), e2.id);
        await stop(large, ...smalls);
      });

      it('takes removed VMs and hosts out of groups and labels, and removes a cluster\'s groups with it', async () => {
        const c = await cluster('doomed');
        const h = await host('doomed-host', c);
        const v = await vm('doomed-vm', c);
        const g = await post(groupsOf(c), T.AffinityGroup, { name: 'doomed-group', vms: [{ id: v.id }], hosts: [{ id: h.id }] });
        const l = await post('/affinitylabels', T.AffinityLabel, { name: 'doomed-label', vms: [{ id: v.id }], hosts: [{ id: h.id }] });
        await remove(`/vms/${idOf(v)}`, 200);
        await send('POST', `/hosts/${idOf(h)}/deactivate`, T.Action, {}, 200);
        await until(async () => (await get(`/hosts/${idOf(h)}`, T.Host)).status === 'maintenance');
        await remove(`/hosts/${idOf(h)}`, 200);
        const left = await get(`${groupsOf(c)}/${idOf(g)}`, T.AffinityGroup);
        const label = await get(`/affinitylabels/${idOf(l)}`, T.AffinityLabel);
        assert.deepEqual([ids(left.vms as Obj[]), ids(left.hosts as Obj[]), ids(label.vms as Obj[]), ids(label.hosts as Obj[])], [[], [], [], []]);
        await remove(`/clusters/${idOf(c)}`, 200);
        assert.equal((await t.engine.db('affinity_groups').where({ id: g.id })).length, 0);
      });

      it('needs manipulate_affinity_groups on the cluster for groups and tag management for labels', async () => {
        const admin = new ApiClient(t, XML, await t.token('admin@internal', ADMIN_PASSWORD));
        const userId = await addUser(admin, `aff-${format.name}`, 'a-long-password');
        const user = await clientOf(t, `aff-${format.name}@internal`, 'a-long-password');
        await give(admin, `/clusters/${idOf(pair)}`, 'UserRole', userId);
        const asUser = (method: string, path: string, body: string) => user.call(method, path, body);
        const group = await asUser('POST', groupsOf(pair), '<affinity_group><name>not-mine</name></affinity_group>');
        assert.equal(group.status, 403, group.text);
        const label = await asUser('POST', '/affinitylabels', '<affinity_label><name>not-mine</name></affinity_label>');
        assert.equal(label.status, 403, label.text);
        assert.deepEqual((await names(groupsOf(pair), T.AffinityGroup)).filter((n) => n === 'not-mine'), []);
        // ClusterAdmin on the cluster carries the permit.
        await give(admin, `/clusters/${idOf(pair)}`, 'ClusterAdmin', userId);
        const allowed = await asUser('POST', groupsOf(pair), '<affinity_group><name>mine</name></affinity_group>');
        assert.equal(allowed.status, 201, allowed.text);
      });
    });
  }
}
