// Quotas: every data center's Default quota, quotas added, changed and removed, their cluster and
// storage limits with the usage read from running VMs and disks, and the data center's quota
// mode: enabled refuses a VM start or a disk past a hard limit (409 naming the quota), audit
// records a warning event, disabled lets it be; with permissions, in XML and JSON, on SQLite
// and PostgreSQL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { addUser, clientOf, give } from './support/users';

const GiB = 2 ** 30;

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`quotas on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let dir: string;
      let dc: Obj;
      let sd: Obj;

      const { send, post, get, list, remove } = restCalls(() => api);
      const quotasPath = () => `/datacenters/${String(dc.id)}/quotas`;
      const quotaPath = (q: Obj) => `${quotasPath()}/${String(q.id)}`;
      const reason = (fault: Obj) => `${String(fault.reason)} ${String(fault.detail)}`;
      const setMode = (mode: string) => send('PUT', `/datacenters/${String(dc.id)}`, T.DataCenter, { quota_mode: mode }, 200);
      const addQuota = (name: string, more: Obj = {}) => post(quotasPath(), T.Quota, { name, ...more });
      const clusterLimits = (q: Obj) => list(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit);
      const storageLimits = (q: Obj) => list(`${quotaPath(q)}/quotastoragelimits`, T.QuotaStorageLimit);
      const limitCluster = (q: Obj, vcpus: number, memory: number, status = 201) =>
        post(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit, { cluster: { name: 'Default' }, vcpu_limit: vcpus, memory_limit: memory }, status);
      const limitStorage = (q: Obj, limit: number, status = 201) =>
        post(`${quotaPath(q)}/quotastoragelimits`, T.QuotaStorageLimit, { storage_domain: { id: sd.id }, limit }, status);
      const defaultQuota = async () => (await list(quotasPath(), T.Quota)).find((q) => q.name === 'Default')!;

      /** A down VM booting from the network, charged to `quota` when given. */
      const addVm = (name: string, sockets: number, memoryGiB: number, quota?: Obj, status = 201) => post('/vms', T.Vm, {
        name, cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: memoryGiB * GiB,
        memory_policy: { guaranteed: memoryGiB * GiB, max: memoryGiB * GiB },
        cpu: { topology: { sockets, cores: 1, threads: 1 } }, os: { boot: { devices: ['network'] } },
        ...(quota ? { quota: { id: quota.id } } : {}),
      }, status);
      const vmStatus = async (vm: Obj) => (await get(`/vms/${String(vm.id)}`, T.Vm)).status;
      const startVm = async (vm: Obj, status = 200) => {
        const r = await api.call('POST', `/vms/${String(vm.id)}/start`, format.write(T.Action, {}));
        assert.equal(r.status, status, r.text);
        if (status === 200) await until(async () => (await vmStatus(vm)) === 'up');
        return r.text;
      };
      const stopVm = async (vm: Obj) => {
        const r = await api.call('POST', `/vms/${String(vm.id)}/stop`, format.write(T.Action, {}));
        assert.equal(r.status, 200, r.text);
        await until(async () => (await vmStatus(vm)) === 'down');
      };
      const addDisk = (name: string, sizeGiB: number, quota?: Obj, status = 201) => post('/disks', T.Disk, {
        name, format: 'cow', provisioned_size: sizeGiB * GiB, storage_domains: [{ id: sd.id }], ...(quota ? { quota: { id: quota.id } } : {}),
      }, status);
      const quotaEvents = async (code: number) => list(`/events?search=${encodeURIComponent(`type=${code}`)}`, T.Event);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        dc = (await list('/datacenters', T.DataCenter)).find((d) => d.name === 'Default')!;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-quotas-'));
        sd = await post('/storagedomains', T.StorageDomain, { name: 'quotasd', type: 'data', storage: { type: 'localfs', path: dir } });
        await post(`/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: sd.id });
        const host = await post('/hosts', T.Host, { name: 'qh1', address: 'qh1.example.com', root_password: 'secret-pw' });
        await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'up');
      });
      after(async () => {
        await t?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      });

      it('gives every data center its Default quota, unlimited on all clusters and storage domains, which stays', async () => {
        assert.equal(dc.quota_mode, 'disabled');
        const quotas = await list(quotasPath(), T.Quota);
        assert.deepEqual(quotas.map((q) => [q.name, q.description, q.cluster_soft_limit_pct, q.cluster_hard_limit_pct, q.storage_soft_limit_pct, q.storage_hard_limit_pct, (q.data_center as Obj).id]),
          [['Default', 'Default unlimited quota', 80, 20, 80, 20, dc.id]]);
        const [cl] = await clusterLimits(quotas[0]);
        assert.deepEqual([cl.cluster, cl.vcpu_limit, cl.memory_limit, cl.vcpu_usage, cl.memory_usage], [undefined, -1, -1, 0, 0]);
        const [sl] = await storageLimits(quotas[0]);
        assert.deepEqual([sl.storage_domain, sl.limit, sl.usage], [undefined, -1, 0]);
        assert.match(await remove(quotaPath(quotas[0]), 409), /Default quota/);
        // A new data center has its own.
        const other = await post('/datacenters', T.DataCenter, { name: 'quota-dc', local: false });
        const theirs = await list(`/datacenters/${String(other.id)}/quotas`, T.Quota);
        assert.deepEqual(theirs.map((q) => q.name), ['Default']);
        assert.notEqual(theirs[0].id, quotas[0].id);
        // The quota mode changes with an update.
        assert.equal((await setMode('audit')).quota_mode, 'audit');
        assert.equal((await get(`/datacenters/${String(dc.id)}`, T.DataCenter)).quota_mode, 'audit');
        await send('PUT', `/datacenters/${String(dc.id)}`, T.DataCenter, { quota_mode: 'strict' }, 400);
        await setMode('disabled');
        await remove(`/datacenters/${String(other.id)}`, 200);
      });

      it('adds, changes and removes quotas with unique names in a data center', async () => {
        const gold = await addQuota('gold', { description: 'for gold', cluster_hard_limit_pct: 10, storage_soft_limit_pct: 70 });
        assert.deepEqual([gold.description, gold.cluster_hard_limit_pct, gold.cluster_soft_limit_pct, gold.storage_soft_limit_pct, (gold.data_center as Obj).id],
          ['for gold', 10, 0, 70, dc.id]);
        assert.match(reason(await post(quotasPath(), T.Quota, { name: 'gold' }, 409)), /already in use/);
        await post(quotasPath(), T.Quota, { description: 'no name' }, 400);
        await post(quotasPath(), T.Quota, { name: 'too-much', storage_hard_limit_pct: 101 }, 400);
        // Another data center may have a quota of the same name.
        const other = await post('/datacenters', T.DataCenter, { name: 'gold-dc', local: false });
        const theirs = await post(`/datacenters/${String(other.id)}/quotas`, T.Quota, { name: 'gold' });
        // A quota is reached through its own data center only.
        assert.equal((await api.call('GET', `${quotasPath()}/${String(theirs.id)}`)).status, 404);
        const changed = await send('PUT', quotaPath(gold), T.Quota, { name: 'golden', storage_hard_limit_pct: 50 }, 200);
        assert.deepEqual([changed.name, changed.storage_hard_limit_pct, changed.cluster_hard_limit_pct], ['golden', 50, 10]);
        await send('PUT', quotaPath(gold), T.Quota, { name: 'Default' }, 409);
        assert.equal((await get(quotaPath(gold), T.Quota)).name, 'golden');
        await remove(quotaPath(gold), 200);
        assert.equal((await api.call('GET', quotaPath(gold))).status, 404);
        await remove(`/datacenters/${String(other.id)}`, 200);
      });

      it('keeps one limit per cluster or storage domain, or one on all, and refuses bad limits', async () => {
        const q = await addQuota('limits');
        await post(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit, { cluster: { name: 'Default' }, memory_limit: -0.5 }, 400);
        const cl = await limitCluster(q, 8, 4.5);
        assert.deepEqual([(cl.cluster as Obj).id !== undefined, cl.vcpu_limit, cl.memory_limit, cl.vcpu_usage, cl.memory_usage], [true, 8, 4.5, 0, 0]);
        assert.match(reason(await limitCluster(q, 4, 4, 409)), /already has a limit/);
        await post(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit, { vcpu_limit: 4 }, 409);
        // Limits given without a value have none.
        const sl = await post(`${quotaPath(q)}/quotastoragelimits`, T.QuotaStorageLimit, { storage_domain: { name: 'quotasd' } });
        assert.equal(sl.limit, -1);
        // A cluster of another data center is not one the quota may limit.
        const other = await post('/datacenters', T.DataCenter, { name: 'limits-dc', local: false });
        const foreign = await post('/clusters', T.Cluster, { name: 'limits-c', data_center: { id: other.id }, cpu: { type: 'Intel Nehalem Family' } });
        assert.match(reason(await post(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit, { cluster: { id: foreign.id }, vcpu_limit: 1 }, 409)), /not in the data center/);
        await post(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit, { cluster: { id: '6f1c2b9e-0000-4000-8000-000000000000' } }, 404);
        assert.equal((await clusterLimits(q)).length, 1);
        await remove(`${quotaPath(q)}/quotaclusterlimits/${String(cl.id)}`, 200);
        // Without its own limits, one on every cluster may be added.
        const all = await post(`${quotaPath(q)}/quotaclusterlimits`, T.QuotaClusterLimit, { vcpu_limit: 4, memory_limit: 2 });
        assert.equal(all.cluster, undefined);
        await limitCluster(q, 1, 1, 409);
        await remove(`/clusters/${String(foreign.id)}`, 200);
        await remove(`/datacenters/${String(other.id)}`, 200);
        // Removing a cluster removes the limits on it; detaching a domain, those on the domain.
        const spare = await addQuota('spare');
        const gone = await post('/clusters', T.Cluster, { name: 'limited-c', data_center: { id: dc.id }, cpu: { type: 'Intel Nehalem Family' } });
        await post(`${quotaPath(spare)}/quotaclusterlimits`, T.QuotaClusterLimit, { cluster: { id: gone.id }, vcpu_limit: 1 });
        await remove(`/clusters/${String(gone.id)}`, 200);
        assert.deepEqual(await clusterLimits(spare), []);
        const spareDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-quotas-'));
        const spareSd = await post('/storagedomains', T.StorageDomain, { name: 'spare-sd', type: 'data', storage: { type: 'localfs', path: spareDir } });
        const attached = `/datacenters/${String(dc.id)}/storagedomains/${String(spareSd.id)}`;
        await post(`/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: spareSd.id });
        await post(`${quotaPath(spare)}/quotastoragelimits`, T.QuotaStorageLimit, { storage_domain: { id: spareSd.id }, limit: 1 });
        assert.equal((await api.call('POST', `${attached}/deactivate`, format.write(T.Action, {}))).status, 200);
        await remove(attached, 200);
        assert.deepEqual(await storageLimits(spare), []);
        await remove(`/storagedomains/${String(spareSd.id)}`, 200);
        fs.rmSync(spareDir, { recursive: true, force: true });
        await remove(quotaPath(spare), 200);
        await remove(quotaPath(q), 200);
        assert.equal((await api.call('GET', `${quotaPath(q)}/quotaclusterlimits/${String(all.id)}`)).status, 404);
      });

      it('reads usage from running VMs and disks charged to the quota, or to the Default quota when they name none', async () => {
        const q = await addQuota('usage');
        const [cl, sl] = [await limitCluster(q, 16, 8), await limitStorage(q, 20)];
        const vm = await addVm('usage-vm', 2, 1, q);
        assert.equal((vm.quota as Obj).id, q.id);
        const plain = await addVm('plain-vm', 1, 1);
        assert.equal(plain.quota, undefined);
        const clPath = `${quotaPath(q)}/quotaclusterlimits/${String(cl.id)}`;
        assert.deepEqual([(await get(clPath, T.QuotaClusterLimit)).vcpu_usage], [0]);
        await startVm(vm);
        await startVm(plain);
        const running = await get(clPath, T.QuotaClusterLimit);
        assert.deepEqual([running.vcpu_usage, running.memory_usage], [2, 1]);
        const [defaultLimit] = await clusterLimits(await defaultQuota());
        assert.deepEqual([defaultLimit.vcpu_usage, defaultLimit.memory_usage], [1, 1]);
        const disk = await addDisk('usage-disk', 3, q);
        await addDisk('plain-disk', 2);
        assert.equal((await get(`${quotaPath(q)}/quotastoragelimits/${String(sl.id)}`, T.QuotaStorageLimit)).usage, 3);
        assert.equal((await storageLimits(await defaultQuota()))[0].usage, 2);
        await send('PUT', `/disks/${String(disk.id)}`, T.Disk, { provisioned_size: 5 * GiB }, 200);
        assert.equal((await storageLimits(q))[0].usage, 5);
        await stopVm(vm);
        await stopVm(plain);
        assert.deepEqual((await clusterLimits(q)).map((l) => [l.vcpu_usage, l.memory_usage]), [[0, 0]]);
        // A quota of another data center is not one to charge.
        const other = await post('/datacenters', T.DataCenter, { name: 'usage-dc', local: false });
        const [theirs] = await list(`/datacenters/${String(other.id)}/quotas`, T.Quota);
        assert.match(reason(await addVm('foreign-quota', 1, 1, theirs, 409)), /not a quota of the data center/);
        await addDisk('foreign-disk', 1, theirs, 409);
        await remove(`/datacenters/${String(other.id)}`, 200);
        // Removing the quota charges what it had to the Default quota.
        await remove(quotaPath(q), 200);
        assert.equal((await get(`/vms/${String(vm.id)}`, T.Vm)).quota, undefined);
        assert.equal((await get(`/disks/${String(disk.id)}`, T.Disk)).quota, undefined);
        assert.equal((await storageLimits(await defaultQuota()))[0].usage, 7);
        for (const v of [vm, plain]) await remove(`/vms/${String(v.id)}`, 200);
        for (const d of await list(`/storagedomains/${String(sd.id)}/disks`, T.Disk)) await remove(`/disks/${String(d.id)}`, 200);
      });

      it('in enabled mode refuses a start or a disk past the hard limit, 409 naming the quota, changing nothing', async () => {
        const q = await addQuota('tight');
        await limitCluster(q, 2, 1);
        await limitStorage(q, 3);
        await setMode('enabled');
        const first = await addVm('tight-1', 2, 1, q);
        const second = await addVm('tight-2', 1, 0.5, q);
        await startVm(first);
        assert.match(await startVm(second, 409), /quota tight.*vCPUs/);
        assert.equal(await vmStatus(second), 'down');
        // The grace lets consumption go that much past the limit.
        await send('PUT', quotaPath(q), T.Quota, { cluster_hard_limit_pct: 50 }, 200);
        await startVm(second);
        // Disks: the limit counts the provisioned size, on adding and on growing.
        const disk = await addDisk('tight-disk', 2, q);
        assert.match(reason(await addDisk('tight-more', 2, q, 409)), /quota tight/);
        assert.equal((await list(`/storagedomains/${String(sd.id)}/disks`, T.Disk)).length, 1);
        assert.match(reason(await send('PUT', `/disks/${String(disk.id)}`, T.Disk, { provisioned_size: 4 * GiB }, 409)), /quota tight/);
        assert.equal((await get(`/disks/${String(disk.id)}`, T.Disk)).provisioned_size, 2 * GiB);
        await send('PUT', quotaPath(q), T.Quota, { storage_hard_limit_pct: 100 }, 200);
        await send('PUT', `/disks/${String(disk.id)}`, T.Disk, { provisioned_size: 4 * GiB }, 200);
        // A quota without a limit for the cluster cannot be consumed there.
        const empty = await addQuota('empty');
        const third = await addVm('tight-3', 1, 0.5, empty);
        assert.match(await startVm(third, 409), /quota empty has no limit for cluster Default/);
        await setMode('disabled');
        for (const v of [first, second]) await stopVm(v);
        for (const v of [first, second, third]) await remove(`/vms/${String(v.id)}`, 200);
        await remove(`/disks/${String(disk.id)}`, 200);
        for (const x of [q, empty]) await remove(quotaPath(x), 200);
      });

      it('in audit mode lets it be and records a warning event; disabled, lets it be silently', async () => {
        const q = await addQuota('audited');
        await limitCluster(q, 1, 1);
        await limitStorage(q, 1);
        await setMode('audit');
        const big = await addVm('audited-vm', 2, 1, q);
        await startVm(big);
        const [event] = await quotaEvents(9605);
        assert.equal(event.severity, 'warning');
        assert.match(String(event.description), /quota audited would use 2 vCPUs/);
        assert.equal((event.vm as Obj).id, big.id);
        const disk = await addDisk('audited-disk', 2, q);
        assert.match(String((await quotaEvents(9606))[0].description), /quota audited/);
        await stopVm(big);
        await setMode('disabled');
        await startVm(big);
        const more = await addDisk('silent-disk', 2, q);
        assert.equal((await quotaEvents(9605)).length, 1);
        assert.equal((await quotaEvents(9606)).length, 1);
        await stopVm(big);
        await remove(`/vms/${String(big.id)}`, 200);
        for (const d of [disk, more]) await remove(`/disks/${String(d.id)}`, 200);
        await remove(quotaPath(q), 200);
      });

      it('shows quotas to users with a role on their data center, and needs configure_quota to change them', async () => {
        const admin = await ApiClient.of(t, XML);
        const q = await addQuota('watched');
        const login = (name: string) => `${name}-${backend.name}-${format.name}`.toLowerCase();
        const newUser = async (name: string, role: string, on: string) => {
          const id = await addUser(admin, login(name), 'a-long-password');
          await give(admin, on, role, id);
          return { id, client: await clientOf(t, `${login(name)}@internal`, 'a-long-password') };
        };
        const vm = await addVm('watched-vm', 1, 1);
        const outsider = await newUser('qoutsider', 'UserRole', `/vms/${String(vm.id)}`);
        const listed = await outsider.client.call('GET', quotasPath());
        assert.equal(listed.status, 200, listed.text);
        assert.deepEqual(XML.readList(T.Quota, listed.text), []);
        assert.equal((await outsider.client.call('GET', quotaPath(q))).status, 404);
        const viewer = await newUser('qviewer', 'UserRole', `/datacenters/${String(dc.id)}`);
        assert.deepEqual(XML.readList(T.Quota, (await viewer.client.call('GET', quotasPath())).text).map((x) => x.name), ['Default', 'watched']);
        const [limit] = XML.readList(T.QuotaClusterLimit, (await viewer.client.call('GET', `${quotaPath(await defaultQuota())}/quotaclusterlimits`)).text);
        assert.equal(limit.vcpu_limit, -1);
        assert.equal((await viewer.client.call('POST', quotasPath(), XML.write(T.Quota, { name: 'mine' }))).status, 403);
        assert.equal((await viewer.client.call('PUT', quotaPath(q), XML.write(T.Quota, { description: 'x' }))).status, 403);
        assert.equal((await viewer.client.call('DELETE', quotaPath(q))).status, 403);
        assert.equal((await viewer.client.call('POST', `${quotaPath(q)}/quotaclusterlimits`, XML.write(T.QuotaClusterLimit, { vcpu_limit: 1 }))).status, 403);
        assert.deepEqual((await clusterLimits(q)), []);
        // A data center administrator configures its quotas.
        const dcAdmin = await newUser('qadmin', 'DataCenterAdmin', `/datacenters/${String(dc.id)}`);
        assert.equal((await dcAdmin.client.call('POST', quotasPath(), XML.write(T.Quota, { name: 'theirs' }))).status, 201);
        assert.equal((await dcAdmin.client.call('POST', `${quotaPath(q)}/quotaclusterlimits`, XML.write(T.QuotaClusterLimit, { vcpu_limit: 1 }))).status, 201);
        // Roles are given on a quota too, and go with it.
        await give(admin, quotaPath(q), 'QuotaConsumer', viewer.id);
        assert.equal((await list(`${quotaPath(q)}/permissions`, T.Permission)).length, 1);
        assert.equal((await list(`/users/${viewer.id}/permissions`, T.Permission)).length, 2);
        await remove(quotaPath(q), 200);
        assert.equal((await list(`/users/${viewer.id}/permissions`, T.Permission)).length, 1);
        await remove(`/vms/${String(vm.id)}`, 200);
      });
    });
  }
}
