// What the engine offers clients to choose from, read-only: operating systems, cluster levels,
// the built-in scheduling policies and their units; and the Blank template, which belongs to
// every data center. In XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { StructType } from '../model/meta';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { PERMITS } from '../services/store/builtin-roles';
import { addUser, clientOf, give, vmBody } from './support/users';

const byName = (objs: Obj[], name: string) => objs.find((o) => o.name === name);

for (const backend of BACKENDS) {
  describe(`configuration lists on ${backend.name}`, function () {
    let t: TestEngine;
    before(async () => {
      t = await TestEngine.start(backend);
    });
    after(async () => t?.stop());

    for (const format of FORMATS) {
      describe(`in ${format.name}`, function () {
        let api: ApiClient;
        before(async () => {
          api = await ApiClient.of(t, format);
        });
        const list = async (type: StructType, path: string) => {
          const r = await api.call('GET', path);
          assert.equal(r.status, 200, `${path}: ${r.text}`);
          return format.readList(type, r.text);
        };
        const get = async (type: StructType, path: string) => {
          const r = await api.call('GET', path);
          assert.equal(r.status, 200, `${path}: ${r.text}`);
          return format.read(type, r.text);
        };
        const missing = async (path: string) => {
          const r = await api.call('GET', path);
          assert.equal(r.status, 404, `${path}: ${r.text}`);
        };

        it('links the lists from the entry point', async () => {
          const r = await t.request('GET', '/ovirt-engine/api', { headers: { ...api.headers(), Accept: 'application/xml' } });
          for (const rel of ['operatingsystems', 'clusterlevels', 'schedulingpolicies', 'schedulingpolicyunits']) {
            assert.match(r.text, new RegExp(`<link href="/ovirt-engine/api/${rel}" rel="${rel}"/>`));
          }
        });

        it('lists oVirt\'s operating systems and gets one by its id', async () => {
          // The SDK knows them by oVirt's element names, the list's misspelt.
          const raw = (await api.call('GET', '/operatingsystems?max=1')).text;
          assert.match(raw, format.name === 'xml' ? /^<\?xml[^>]*>\s*<operation_systems><operating_system href=/ : /^\{"operating_system":\[/);
          const all = await list(T.OperatingSystemInfo, '/operatingsystems');
          assert.equal(all.length, 61);
          const { large_icon: large, small_icon: small, ...other } = byName(all, 'other')!;
          assert.deepEqual(other, { id: '0', name: 'other', description: 'Other OS', architecture: 'x86_64', tpm_support: 'unsupported' });
          // Each links to its icons.
          for (const icon of [large, small]) assert.equal((await api.call('GET', `/icons/${String((icon as Obj).id)}`)).status, 200);
          for (const [name, id] of [['rhel_7x64', '24'], ['rhel_8x64', '30'], ['rhel_9x64', '34'], ['windows_2019x64', '31'], ['ubuntu_18_04', '1257']]) {
            assert.equal(byName(all, name)?.id, id, name);
          }
          // Architecture and TPM support come down from the system a system derives from.
          assert.equal(byName(all, 'rhel_9_ppc64')?.architecture, 'ppc64');
          assert.equal(byName(all, 'windows_11')?.tpm_support, 'required');
          assert.equal((await list(T.OperatingSystemInfo, '/operatingsystems?max=2')).length, 2);
          const rhel7 = await get(T.OperatingSystemInfo, '/operatingsystems/24');
          assert.equal(rhel7.name, 'rhel_7x64');
          assert.equal(rhel7.description, 'Red Hat Enterprise Linux 7.x x64');
          assert.equal(rhel7.tpm_support, 'supported');
          await missing('/operatingsystems/2');
          await missing('/operatingsystems/rhel_7x64');
        });

        it('serves the cluster levels oVirt supports, each with its CPU types and every permit of the engine', async () => {
          const levels = await list(T.ClusterLevel, '/clusterlevels');
          assert.deepEqual(levels.map((l) => l.id), ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7']);
          const level = await get(T.ClusterLevel, '/clusterlevels/4.7');
          const cpus = level.cpu_types as Obj[];
          assert.equal(cpus.length, 30);
          assert.deepEqual(cpus[0], { name: 'Intel Nehalem Family', level: 1, architecture: 'x86_64' });
          assert.ok(cpus.some((c) => c.name === 'Secure AMD EPYC' && c.level === 4));
          assert.ok(cpus.some((c) => c.name === 'IBM POWER9' && c.architecture === 'ppc64'));
          // Each level has its own CPU types: 4.2 still has Conroe, 4.7 no longer.
          const old = await get(T.ClusterLevel, '/clusterlevels/4.2');
          assert.ok((old.cpu_types as Obj[]).some((c) => c.name === 'Intel Conroe Family'));
          assert.ok(!cpus.some((c) => c.name === 'Intel Conroe Family'));
          // The Default cluster's CPU type is one of its level's.
          const cluster = (await list(T.Cluster, '/clusters?search=name%3DDefault'))[0];
          assert.ok(cpus.some((c) => c.name === (cluster.cpu as Obj).type));
          const permits = PERMITS.map((p) => ({ id: String(p.id), name: p.name, administrative: p.administrative }));
          assert.equal(permits.length, 99);
          for (const l of [level, old, ...levels]) assert.deepEqual(l.permits, permits, String(l.id));
          await missing('/clusterlevels/4.1');
          await missing('/clusterlevels/4.8');
        });

        it('serves oVirt\'s built-in scheduling policies, read-only', async () => {
          const policies = await list(T.SchedulingPolicy, '/schedulingpolicies');
          assert.deepEqual(policies.map((p) => p.name).sort(), ['cluster_maintenance', 'evenly_distributed', 'none', 'power_saving', 'vm_evenly_distributed']);
          assert.deepEqual(policies.filter((p) => p.default_policy === true).map((p) => p.name), ['none']);
          assert.ok(policies.every((p) => p.locked === true));
          const saving = await get(T.SchedulingPolicy, '/schedulingpolicies/5a2b0939-7d46-4b73-a469-e9c2c7fc6a53');
          assert.equal(saving.name, 'power_saving');
          assert.deepEqual((saving.properties as Obj[]).find((p) => p.name === 'LowUtilization'), { name: 'LowUtilization', value: '20' });
          assert.equal((await api.call('POST', '/schedulingpolicies', format.write(T.SchedulingPolicy, { name: 'mine' }))).status, 405);
          assert.equal((await api.call('DELETE', `/schedulingpolicies/${String(saving.id)}`)).status, 405);
          assert.equal((await api.call('PUT', `/schedulingpolicies/${String(saving.id)}`, format.write(T.SchedulingPolicy, { name: 'mine' }))).status, 405);
          await missing('/schedulingpolicies/00000000-0000-0000-0000-000000000001');
        });

        it('serves each policy\'s filters, weights and balance, made of the units /schedulingpolicyunits lists', async () => {
          const units = await list(T.SchedulingPolicyUnit, '/schedulingpolicyunits');
          assert.equal(units.length, 45);
          assert.ok(units.every((u) => u.internal === true && u.enabled === true));
          const base = '/schedulingpolicies/5a2b0939-7d46-4b73-a469-e9c2c7fc6a53';
          const filters = await list(T.Filter, `${base}/filters`);
          assert.equal(filters.length, 15);
          assert.deepEqual(filters.map((f) => f.position), [-1, ...Array(13).fill(0), 1]);
          const weights = await list(T.Weight, `${base}/weights`);
          const preferred = weights.find((w) => w.factor === 99)!;
          const unit = await get(T.SchedulingPolicyUnit, `/schedulingpolicyunits/${String((preferred.scheduling_policy_unit as Obj).id)}`);
          assert.equal(unit.name, 'PreferredHosts');
          assert.equal(unit.type, 'weight');
          const [balance] = await list(T.Balance, `${base}/balances`);
          const balancer = await get(T.SchedulingPolicyUnit, `/schedulingpolicyunits/${String((balance.scheduling_policy_unit as Obj).id)}`);
          assert.equal(balancer.name, 'OptimalForPowerSaving');
          assert.equal(balancer.type, 'load_balancing');
          assert.ok((balancer.properties as Obj[]).some((p) => p.name === 'LowUtilization' && p.value === '^([0-9]|[1-4][0-9])$'));
          assert.equal((await get(T.Filter, `${base}/filters/${String(filters[0].id)}`)).position, -1);
          for (const u of units) assert.ok(units.filter((v) => v.id === u.id).length === 1, `${String(u.name)} once`);
          await missing(`${base}/filters/${String(preferred.id)}`);
          await missing('/schedulingpolicies/00000000-0000-0000-0000-000000000001/weights');
          await missing('/schedulingpolicyunits/00000000-0000-0000-0000-000000000001');
        });

        it('finds the Blank template in every data center, a template of a cluster only in its own', async () => {
          const post = async (path: string, obj: Obj, type: StructType) => {
            const r = await api.call('POST', path, format.write(type, obj));
            assert.equal(r.status, 201, r.text);
            return format.read(type, r.text);
          };
          const names = async (query: string) =>
            (await list(T.Template, `/templates?search=${encodeURIComponent(query)}`)).map((o) => o.name).sort();
          const dc = `Second-${format.name}`;
          const web = `web-${format.name}`;
          const second = await post('/datacenters', { name: dc }, T.DataCenter);
          await post('/clusters', { name: `other-${format.name}`, data_center: { id: second.id } }, T.Cluster);
          const vm = await post('/vms', { name: `base-${format.name}`, cluster: { name: 'Default' }, template: { name: 'Blank' } }, T.Vm);
          await post('/templates', { name: web, vm: { id: vm.id } }, T.Template);
          assert.deepEqual(await names(`name=Blank and datacenter=${dc}`), ['Blank']);
          assert.deepEqual(await names(`datacenter=${dc}`), ['Blank']);
          assert.deepEqual(await names(`datacenter=${dc.slice(0, 8)}*`), ['Blank']);
          assert.deepEqual(await names(`name=${web} and datacenter=Default`), [web]);
          assert.deepEqual(await names(`name=${web} and datacenter=${dc}`), []);
          assert.deepEqual(await names('datacenter=Nowhere'), [], 'only in data centers that exist');
          assert.deepEqual(await names('datacenter!=Default'), ['Blank']);
        });
      });
    }

    it('lets every user read operating systems and cluster levels, and only administrators scheduling policies', async () => {
      const admin = await ApiClient.of(t, XML);
      const userId = await addUser(admin, 'reader', 'reader-password-1');
      const vm = await admin.call('POST', '/vms', vmBody('readers-vm'));
      assert.equal(vm.status, 201, vm.text);
      await give(admin, `/vms/${String(XML.read(T.Vm, vm.text).id)}`, 'UserRole', userId);
      for (const filter of [true, false]) {
        const user = await clientOf(t, 'reader@internal', 'reader-password-1', filter);
        const oses = await user.call('GET', '/operatingsystems');
        assert.equal(oses.status, 200, oses.text);
        assert.equal(XML.readList(T.OperatingSystemInfo, oses.text).length, 61);
        assert.equal((await user.call('GET', '/operatingsystems/24')).status, 200);
        const level = await user.call('GET', '/clusterlevels/4.3');
        assert.equal(level.status, 200, level.text);
        assert.equal((XML.read(T.ClusterLevel, level.text).permits as Obj[]).length, PERMITS.length);
        const policies = await user.call('GET', '/schedulingpolicies');
        if (filter) assert.deepEqual(XML.readList(T.SchedulingPolicy, policies.text), [], 'the user view shows no policy');
        else assert.equal(policies.status, 403, policies.text);
      }
    });
  });
}

