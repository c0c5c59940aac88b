// MAC pools: the built-in Default pool, pools added, changed and removed, and the pool of a
// cluster giving the NICs of its VMs their addresses: within its ranges, never twice unless it
// allows duplicates, 409 when exhausted; roles given on a pool; in XML and JSON, on SQLite and
// PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';

const DEFAULT_POOL_ID = '58ca604b-017d-0374-0220-00000000006b';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`MAC pools on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;

      const { send, post, get, list, remove } = restCalls(() => api);
      const macsOf = async (vm: Obj) => (await list(`/vms/${String(vm.id)}/nics`, T.Nic)).map((n) => (n.mac as Obj).address);
      const addNic = (vm: Obj, name: string, mac?: string, status = 201) =>
        post(`/vms/${String(vm.id)}/nics`, T.Nic, { name, ...(mac ? { mac: { address: mac } } : {}) }, status);
      const reason = (fault: Obj) => `${String(fault.reason)} ${String(fault.detail)}`;
      const range = (from: string, to: string) => ({ from, to });

      /** A cluster of the Default data center using `pool`, with one VM. */
      const clusterWithVm = async (name: string, pool: Obj) => {
        const cluster = await post('/clusters', T.Cluster, { name, data_center: { name: 'Default' }, cpu: { type: 'Intel Nehalem Family' }, mac_pool: { id: pool.id } });
        const vm = await post('/vms', T.Vm, { name: `${name}-vm`, cluster: { id: cluster.id }, template: { name: 'Blank' } });
        return { cluster, vm };
      };

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
      });
      after(async () => t?.stop());

      it('has oVirt\'s Default pool, 56:6f:xx:xx:00:00 to 56:6f:xx:xx:ff:ff, which clusters use unless they name another', async () => {
        const pools = await list('/macpools', T.MacPool);
        assert.deepEqual(pools.map((p) => [p.id, p.name, p.default_pool, p.allow_duplicates]), [[DEFAULT_POOL_ID, 'Default', true, false]]);
        const [only] = pools[0].ranges as Obj[];
        assert.match(String(only.from), /^56:6f:[0-9a-f]{2}:[0-9a-f]{2}:00:00$/);
        assert.equal(only.to, `${String(only.from).slice(0, 11)}:ff:ff`);
        const byDefault = (await list('/clusters', T.Cluster)).find((c) => c.name === 'Default')!;
        assert.equal((byDefault.mac_pool as Obj).id, DEFAULT_POOL_ID);
        const added = await post('/clusters', T.Cluster, { name: 'plain', data_center: { name: 'Default' }, cpu: { type: 'Intel Nehalem Family' } });
        assert.equal((added.mac_pool as Obj).id, DEFAULT_POOL_ID);
        // A VM's NICs there take addresses of that range.
        const vm = await post('/vms', T.Vm, { name: 'plain-vm', cluster: { id: added.id }, template: { name: 'Blank' } });
        const nic = await addNic(vm, 'nic1');
        assert.ok(String((nic.mac as Obj).address).startsWith(String(only.from).slice(0, 11)), JSON.stringify(nic.mac));
        // The Default pool stays, and stays the default.
        assert.match(await remove(`/macpools/${DEFAULT_POOL_ID}`, 409), /default/);
        await send('PUT', `/macpools/${DEFAULT_POOL_ID}`, T.MacPool, { default_pool: false }, 409);
        await post('/macpools', T.MacPool, { name: 'other', default_pool: true, ranges: [range('02:00:00:00:01:00', '02:00:00:00:01:ff')] }, 409);
        assert.equal((await list('/macpools', T.MacPool)).length, 1);
      });

      it('refuses bad ranges, a name in use and an unknown pool, changing nothing', async () => {
        await post('/macpools', T.MacPool, { name: 'bad', ranges: [range('02:00:00:00:00:zz', '02:00:00:00:00:ff')] }, 400);
        await post('/macpools', T.MacPool, { name: 'bad', ranges: [range('02:00:00:00:00:ff', '02:00:00:00:00:01')] }, 400);
        await post('/macpools', T.MacPool, { name: 'Default', ranges: [range('02:00:00:00:00:01', '02:00:00:00:00:ff')] }, 409);
        assert.equal((await list('/macpools', T.MacPool)).length, 1);
        const pool = await post('/macpools', T.MacPool, { name: 'fine', ranges: [range('02:00:00:00:00:01', '02:00:00:00:00:ff')] });
        await send('PUT', `/macpools/${String(pool.id)}`, T.MacPool, { ranges: [range('02:00:00:00:00:ff', '02:00:00:00:00:01')] }, 400);
        assert.deepEqual((await get(`/macpools/${String(pool.id)}`, T.MacPool)).ranges, [range('02:00:00:00:00:01', '02:00:00:00:00:ff')]);
        await post('/clusters', T.Cluster, { name: 'lost', data_center: { name: 'Default' }, mac_pool: { id: '6f1c2b9e-0000-4000-8000-000000000000' } }, 404);
        assert.equal((await list('/clusters', T.Cluster)).some((c) => c.name === 'lost'), false);
        await remove(`/macpools/${String(pool.id)}`, 200);
      });

      it('gives NICs the addresses of their cluster\'s pool in order, and 409 naming the pool when none is left', async () => {
        const small = await post('/macpools', T.MacPool, {
          name: 'small', ranges: [range('02:00:00:00:00:01', '02:00:00:00:00:02'), range('02:00:00:00:10:00', '02:00:00:00:10:00')],
        });
        const { vm } = await clusterWithVm('smallc', small);
        for (const name of ['nic1', 'nic2', 'nic3']) await addNic(vm, name);
        assert.deepEqual(await macsOf(vm), ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:10:00']);
        const fault = await addNic(vm, 'nic4', undefined, 409);
        assert.match(reason(fault), /MAC pool small/);
        assert.equal((await macsOf(vm)).length, 3);
        // A cloned VM's NICs need addresses of the pool too.
        const r = await api.call('POST', `/vms/${String(vm.id)}/clone`, format.write(T.Action, { vm: { name: 'smallc-clone' } }));
        assert.equal(r.status, 409, r.text);
        assert.match(r.text, /MAC pool small/);
        // An address freed is given again; a grown pool gives its new addresses.
        const nics = await list(`/vms/${String(vm.id)}/nics`, T.Nic);
        await remove(`/vms/${String(vm.id)}/nics/${String(nics[1].id)}`, 200);
        assert.equal(((await addNic(vm, 'again')).mac as Obj).address, '02:00:00:00:00:02');
        await send('PUT', `/macpools/${String(small.id)}`, T.MacPool, { ranges: [range('02:00:00:00:00:01', '02:00:00:00:00:04')] }, 200);
        assert.equal(((await addNic(vm, 'grown')).mac as Obj).address, '02:00:00:00:00:03');
      });

      it('refuses an address given twice in one pool unless it allows duplicates; other pools and other ranges are apart', async () => {
        const strict = await post('/macpools', T.MacPool, { name: 'strict', ranges: [range('02:00:00:01:00:00', '02:00:00:01:00:ff')] });
        const { cluster, vm } = await clusterWithVm('strictc', strict);
        const other = await post('/vms', T.Vm, { name: 'strictc-vm2', cluster: { id: cluster.id }, template: { name: 'Blank' } });
        const first = await addNic(vm, 'nic1');
        const taken = String((first.mac as Obj).address);
        assert.equal(taken, '02:00:00:01:00:00');
        assert.match(reason(await addNic(other, 'nic1', taken, 409)), /02:00:00:01:00:00.*MAC pool strict/);
        assert.match(reason(await addNic(other, 'nic1', taken.toUpperCase(), 409)), /MAC pool strict/);
        assert.deepEqual(await macsOf(other), []);
        await addNic(other, 'bad', '02:00:00:01:00', 400);
        // Outside the pool's ranges is allowed, as oVirt allows it; the pool then skips it.
        await addNic(other, 'outside', '0a:00:00:00:00:07');
        await addNic(other, 'inside', '02:00:00:01:00:01');
        assert.equal(((await addNic(vm, 'nic2')).mac as Obj).address, '02:00:00:01:00:02');
        // A NIC changed to an address in use is refused too; its own address it keeps.
        const nicPath = `/vms/${String(other.id)}/nics/${String((await list(`/vms/${String(other.id)}/nics`, T.Nic))[0].id)}`;
        await send('PUT', nicPath, T.Nic, { mac: { address: taken } }, 409);
        assert.equal(((await get(nicPath, T.Nic)).mac as Obj).address, '0a:00:00:00:00:07');
        await send('PUT', nicPath, T.Nic, { mac: { address: '0a:00:00:00:00:07' }, linked: false }, 200);
        // The same address in another pool is another address.
        const plain = await post('/vms', T.Vm, { name: 'default-vm', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        await addNic(plain, 'nic1', taken);
        // A pool that allows duplicates takes it.
        await send('PUT', `/macpools/${String(strict.id)}`, T.MacPool, { allow_duplicates: true }, 200);
        assert.equal(((await addNic(other, 'twin', taken)).mac as Obj).address, taken);
      });

      it('keeps a pool a cluster uses (409 naming the cluster), and removes it once none does', async () => {
        const used = await post('/macpools', T.MacPool, { name: 'used', description: 'in use', ranges: [range('02:00:00:02:00:00', '02:00:00:02:00:ff')] });
        const { cluster } = await clusterWithVm('usedc', used);
        assert.match(await remove(`/macpools/${String(used.id)}`, 409), /usedc/);
        assert.equal((await get(`/macpools/${String(used.id)}`, T.MacPool)).description, 'in use');
        await send('PUT', `/clusters/${String(cluster.id)}`, T.Cluster, { mac_pool: { id: '6f1c2b9e-0000-4000-8000-000000000000' } }, 404);
        assert.equal(((await get(`/clusters/${String(cluster.id)}`, T.Cluster)).mac_pool as Obj).id, used.id);
        const moved = await send('PUT', `/clusters/${String(cluster.id)}`, T.Cluster, { mac_pool: { id: DEFAULT_POOL_ID } }, 200);
        assert.equal((moved.mac_pool as Obj).id, DEFAULT_POOL_ID);
        await remove(`/macpools/${String(used.id)}`, 200);
        assert.equal((await api.call('GET', `/macpools/${String(used.id)}`)).status, 404);
      });

      it('gives roles on a pool, which go with it', async () => {
        const pool = await post('/macpools', T.MacPool, { name: 'roles', ranges: [range('02:00:00:03:00:00', '02:00:00:03:00:ff')] });
        const [admin] = await list('/users?search=usrname%3Dadmin%40internal-authz', T.User);
        const given = await post(`/macpools/${String(pool.id)}/permissions`, T.Permission, { role: { name: 'UserRole' }, user: { id: admin.id } });
        assert.equal((given.mac_pool as Obj).id, pool.id);
        assert.deepEqual((await list(`/macpools/${String(pool.id)}/permissions`, T.Permission)).map((p) => p.id), [given.id]);
        await remove(`/macpools/${String(pool.id)}`, 200);
        const left = await list(`/users/${String(admin.id)}/permissions`, T.Permission);
        assert.equal(left.some((p) => p.id === given.id), false);
      });
    });
  }
}
