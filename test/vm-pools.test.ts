// VM pools: the VMs a pool makes and their names, growing and shrinking with its size,
// prestarted VMs, users taking VMs with allocatevm up to max_user_vms, detaching a VM, removing
// a pool with its VMs, the refusals, and what a plain user sees; in XML and JSON, on SQLite and
// PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { StructType } from '../model/meta';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { addUser, give, withHeaders } from './support/users';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`VM pools on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let admin: ApiClient;

      const { send, post, get, list, remove } = restCalls(() => api);
      const search = (path: string, query: string, type: StructType = T.Vm) => list(`${path}?search=${encodeURIComponent(query)}`, type);
      const poolVms = async (pool: string) => (await search('/vms', `pool=${pool}`)).map((v) => String(v.name)).sort();
      const addPool = (name: string, extra: Obj = {}, status = 201) =>
        post('/vmpools', T.VmPool, { name, cluster: { name: 'Default' }, template: { name: 'netboot' }, ...extra }, status);
      const setPool = (pool: Obj, changes: Obj, status = 200) => send('PUT', `/vmpools/${String(pool.id)}`, T.VmPool, changes, status);
      const act = async (client: ApiClient, path: string, status: number) => {
        const r = await client.call('POST', path, client.format.write(T.Action, {}));
        assert.equal(r.status, status, `${path}: ${r.text}`);
        return client.format.read(status < 300 ? T.Action : T.Fault, r.text);
      };
      const statusOf = async (name: string) => String((await search('/vms', `name=${name}`))[0].status);
      /** A client of a new user, in the suite's format and the user view. */
      const userClient = async (name: string) => {
        const id = await addUser(admin, name, 'pw-123456');
        return { id, client: withHeaders(new ApiClient(t, format, await t.token(`${name}@internal`, 'pw-123456')), { Filter: 'true' }) };
      };

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        // The user helpers speak XML.
        admin = new ApiClient(t, XML, api.token);
        const host = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'up');
        // The pools' VMs boot from the network: they have no disks.
        const vm = await post('/vms', T.Vm, { name: 'base', cluster: { name: 'Default' }, template: { name: 'Blank' }, os: { boot: { devices: ['network'] } } });
        await post('/templates', T.Template, { name: 'netboot', vm: { id: vm.id } });
      });
      after(async () => t?.stop());

      it('makes size VMs from the template, named after the pool and linked to it, and searches pools', async () => {
        const pool = await addPool('web', { size: 3, description: 'web servers', max_user_vms: 2 });
        assert.deepEqual([pool.size, pool.prestarted_vms, pool.max_user_vms, pool.type], [3, 0, 2, 'automatic']);
        assert.deepEqual(await poolVms('web'), ['web-1', 'web-2', 'web-3']);
        const vm = (await search('/vms', 'name=web-2'))[0];
        assert.deepEqual([(vm.vm_pool as Obj).id, vm.status, ((vm.os as Obj).boot as Obj).devices], [pool.id, 'down', ['network']]);
        assert.deepEqual((await search('/vmpools', 'description=web*', T.VmPool)).map((p) => p.name), ['web']);
        assert.deepEqual((await search('/vmpools', 'cluster=Default and type=automatic and name=web', T.VmPool)).map((p) => p.name), ['web']);
        assert.deepEqual(await search('/vmpools', 'type=manual', T.VmPool), []);
        assert.deepEqual((await search('/vmpools', 'datacenter=Default', T.VmPool)).map((p) => p.name), ['web']);
        // A name a VM holds is skipped.
        await post('/vms', T.Vm, { name: 'db-1', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        await addPool('db', { size: 2 });
        assert.deepEqual(await poolVms('db'), ['db-2', 'db-3']);
      });

      it('refuses an unknown template or cluster, a name in use and counts that do not fit, changing nothing', async () => {
        await addPool('nowhere', { template: { name: 'missing' } }, 404);
        await addPool('nowhere', { cluster: { name: 'missing' } }, 404);
        await addPool('nowhere', { size: 0 }, 400);
        const tooMany = await addPool('nowhere', { size: 2, prestarted_vms: 3 }, 400);
        assert.match(String(tooMany.detail), /prestart 3/);
        assert.equal((await search('/vmpools', 'name=nowhere', T.VmPool)).length, 0);
        assert.deepEqual(await poolVms('nowhere'), []);
        await addPool('web', {}, 409);
        const web = (await search('/vmpools', 'name=web', T.VmPool))[0];
        await setPool(web, { prestarted_vms: 4 }, 400);
        await setPool(web, { cluster: { name: 'missing' } }, 404);
        assert.deepEqual([(await get(`/vmpools/${String(web.id)}`, T.VmPool)).prestarted_vms, await poolVms('web')], [0, ['web-1', 'web-2', 'web-3']]);
      });

      it('grows with new numbers and shrinks from the highest down and free VMs, 409 when too few are', async () => {
        const pool = await addPool('grow', { size: 2 });
        assert.equal((await setPool(pool, { size: 4 })).size, 4);
        assert.deepEqual(await poolVms('grow'), ['grow-1', 'grow-2', 'grow-3', 'grow-4']);
        assert.equal((await setPool(pool, { size: 2 })).size, 2);
        assert.deepEqual(await poolVms('grow'), ['grow-1', 'grow-2']);
        assert.equal((await search('/vms', 'name=grow-4')).length, 0);
        // A running VM stays: too few are left to shrink to nothing.
        await act(api, `/vms/${String((await search('/vms', 'name=grow-1'))[0].id)}/start`, 200);
        const refused = await setPool(pool, { size: 0 }, 409);
        assert.match(String(refused.detail), /only 1 of its VMs/);
        assert.deepEqual([(await get(`/vmpools/${String(pool.id)}`, T.VmPool)).size, await poolVms('grow')], [2, ['grow-1', 'grow-2']]);
      });

      it('keeps prestarted_vms of its free VMs running', async () => {
        const pool = await addPool('pre', { size: 3, prestarted_vms: 2 });
        await until(async () => (await statusOf('pre-1')) === 'up' && (await statusOf('pre-2')) === 'up');
        assert.equal(await statusOf('pre-3'), 'down');
        await setPool(pool, { prestarted_vms: 3 });
        await until(async () => (await statusOf('pre-3')) === 'up');
      });

      it('is made though its VMs cannot be prestarted, and says why in an event', async () => {
        // Blank's VMs boot from a disk they do not have.
        const pool = await addPool('diskless', { size: 1, prestarted_vms: 1, template: { name: 'Blank' } });
        assert.equal(await statusOf('diskless-1'), 'down');
        const events = format.readList(T.Event, (await api.call('GET', '/events?search=' + encodeURIComponent('type=9604'))).text);
        assert.ok(events.some((e) => String(e.description).includes('could not prestart VM diskless-1')), JSON.stringify(events));
        assert.equal((await get(`/vmpools/${String(pool.id)}`, T.VmPool)).prestarted_vms, 1);
      });

      it('gives a user a free VM with allocatevm, started and managed by the user, up to max_user_vms', async () => {
        const pool = await addPool('desk', { size: 2, prestarted_vms: 1 });
        const alice = await userClient('alice');
        const bob = await userClient('bob');
        // Without a role on the pool a user cannot see it nor take its VMs.
        assert.equal((await bob.client.call('GET', `/vmpools/${String(pool.id)}`)).status, 404);
        await give(admin, `/vmpools/${String(pool.id)}`, 'UserRole', alice.id);
        await give(admin, `/vmpools/${String(pool.id)}`, 'UserRole', bob.id);
        assert.deepEqual((await alice.client.format.readList(T.VmPool, (await alice.client.call('GET', '/vmpools')).text)).map((p) => p.name), ['desk']);
        assert.deepEqual((await list(`/vmpools/${String(pool.id)}/permissions`, T.Permission)).length, 2);

        // The prestarted VM is given first; the pool starts another to stay ready.
        await until(async () => (await statusOf('desk-1')) === 'up');
        const taken = await act(alice.client, `/vmpools/${String(pool.id)}/allocatevm`, 200);
        const vmId = String((taken.vm as Obj).id);
        assert.equal(vmId, (await search('/vms', 'name=desk-1'))[0].id);
        await until(async () => (await statusOf('desk-2')) === 'up');
        const seen = alice.client.format.readList(T.Vm, (await alice.client.call('GET', '/vms')).text);
        assert.deepEqual(seen.map((v) => v.name), ['desk-1']);
        const perms = await list(`/vms/${vmId}/permissions`, T.Permission);
        assert.deepEqual(perms.map((p) => (p.user as Obj).id), [alice.id]);

        const most = await act(alice.client, `/vmpools/${String(pool.id)}/allocatevm`, 409);
        assert.match(String(most.detail), /as many as one user may/);
        await act(bob.client, `/vmpools/${String(pool.id)}/allocatevm`, 200);
        const none = await act(api, `/vmpools/${String(pool.id)}/allocatevm`, 409);
        assert.match(String(none.detail), /none of its VMs is free/);
        // A plain user does not edit the pool.
        assert.equal((await bob.client.call('PUT', `/vmpools/${String(pool.id)}`, format.write(T.VmPool, { size: 5 }))).status, 403);
        assert.equal((await get(`/vmpools/${String(pool.id)}`, T.VmPool)).size, 2);
      });

      it('keeps a pool VM but through detach, and removes the pool with its VMs once they are down', async () => {
        const pool = await addPool('gone', { size: 3 });
        const [first, second] = await search('/vms', 'pool=gone');
        assert.match(await remove(`/vms/${String(first.id)}`, 409), /detach/);
        await act(api, `/vms/${String(first.id)}/detach`, 200);
        assert.equal((await get(`/vms/${String(first.id)}`, T.Vm)).vm_pool, undefined);
        assert.equal((await get(`/vmpools/${String(pool.id)}`, T.VmPool)).size, 2);
        await act(api, `/vms/${String(first.id)}/detach`, 409);
        // A pool keeps its cluster and template, even once it has no VMs left.
        const cluster = await post('/clusters', T.Cluster, { name: 'lone', data_center: { name: 'Default' } });
        const template = await post('/templates', T.Template, { name: 'lone', vm: { name: 'base' } });
        await addPool('lone', { size: 1, cluster: { id: cluster.id }, template: { id: template.id } });
        const [lone] = await search('/vms', 'pool=lone');
        await act(api, `/vms/${String(lone.id)}/detach`, 200);
        await remove(`/vms/${String(lone.id)}`, 200);
        assert.match(await remove(`/templates/${String(template.id)}`, 409), /VM pools/);
        assert.match(await remove(`/clusters/${String(cluster.id)}`, 409), /VM pools/);

        await act(api, `/vms/${String(second.id)}/start`, 200);
        assert.match(await remove(`/vmpools/${String(pool.id)}`, 409), new RegExp(String(second.name)));
        await act(api, `/vms/${String(second.id)}/stop`, 200);
        await until(async () => (await statusOf(String(second.name))) === 'down');
        await remove(`/vmpools/${String(pool.id)}`, 200);
        assert.equal((await api.call('GET', `/vmpools/${String(pool.id)}`)).status, 404);
        assert.deepEqual(await poolVms('gone'), []);
        // The detached VM stays, as a VM of its own.
        assert.deepEqual((await search('/vms', 'name=gone*')).map((v) => v.name), [first.name]);
      });
    });
  }
}
