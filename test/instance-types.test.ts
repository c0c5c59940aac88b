// Instance types: oVirt's built-in Tiny to XLarge, instance types added, changed and removed,
// and a new VM naming one taking its memory, CPU topology and other settings over its
// template's; in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';

const GiB = 2 ** 30;

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`instance types on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;

      const { send, post, get, list, remove } = restCalls(() => api);
      const topology = (o: Obj) => ((o.cpu as Obj).topology as Obj);
      const vmWith = (name: string, instanceType: Obj, extra: Obj = {}, status = 201) =>
        post('/vms', T.Vm, { name, cluster: { name: 'Default' }, template: { name: 'Blank' }, instance_type: instanceType, ...extra }, status);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
      });
      after(async () => t?.stop());

      it('has oVirt\'s built-in instance types with their memory and CPUs', async () => {
        const found = await list('/instancetypes', T.InstanceType);
        assert.deepEqual(found.map((it) => [it.name, Number(it.memory) / 2 ** 20, topology(it).sockets, topology(it).cores]), [
          ['Tiny', 512, 1, 1], ['Small', 2048, 1, 1], ['Medium', 4096, 2, 1], ['Large', 8192, 2, 1], ['XLarge', 16384, 4, 1],
        ]);
        assert.equal(found[0].id, '00000003-0003-0003-0003-0000000000be');
        const searched = await list(`/instancetypes?search=${encodeURIComponent('name=Medium')}`, T.InstanceType);
        assert.deepEqual(searched.map((it) => it.name), ['Medium']);
        // Blank gives 1 GiB; Tiny's VM has 512 MiB, all of it guaranteed.
        const vm = await vmWith('tiny-vm', { name: 'Tiny' });
        assert.deepEqual([vm.memory, (vm.memory_policy as Obj).guaranteed, (vm.instance_type as Obj).id], [512 * 2 ** 20, 512 * 2 ** 20, found[0].id]);
      });

      it('gives a new VM the settings of the instance type it names, over its template\'s and its own', async () => {
        const mine = await post('/instancetypes', T.InstanceType, {
          name: 'mine', description: 'My instance type', memory: 2 * GiB,
          high_availability: { enabled: true }, cpu: { topology: { cores: 2, sockets: 2 } },
        });
        assert.deepEqual([mine.memory, topology(mine).cores, topology(mine).sockets, (mine.high_availability as Obj).enabled], [2 * GiB, 2, 2, true]);
        const vm = await vmWith('mine-vm', { id: mine.id }, { memory: 3 * GiB, description: 'kept' });
        assert.deepEqual(
          [vm.memory, topology(vm).cores, topology(vm).sockets, topology(vm).threads, (vm.high_availability as Obj).enabled, vm.description],
          [2 * GiB, 2, 2, 1, true, 'kept'],
        );
        assert.equal((vm.instance_type as Obj).id, mine.id);
        // Without one, the VM keeps its template's and its own settings.
        const plain = await post('/vms', T.Vm, { name: 'plain-vm', cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: 3 * GiB });
        assert.deepEqual([plain.memory, topology(plain).cores, plain.instance_type], [3 * GiB, 1, undefined]);
        // A changed instance type gives its new settings to the VMs made after.
        const changed = await send('PUT', `/instancetypes/${String(mine.id)}`, T.InstanceType, { memory: 4 * GiB }, 200);
        assert.deepEqual([changed.memory, topology(changed).cores], [4 * GiB, 2]);
        assert.equal((await vmWith('mine-vm2', { name: 'mine' })).memory, 4 * GiB);
      });

      it('gives instance types, templates and VMs VmBase\'s defaults and oVirt\'s memory policy where none is given', async () => {
        const policy = (o: Obj) => { const p = o.memory_policy as Obj; return [o.memory, p.guaranteed, p.max, p.ballooning]; };
        // An instance type made without memory has VmBase's 1 GiB, all guaranteed, up to 4 GiB by hot plug.
        const bare = await post('/instancetypes', T.InstanceType, { name: 'bare' });
        assert.deepEqual(policy(bare), [GiB, GiB, 4 * GiB, true]);
        // And VmBase's other defaults, which Ansible's ovirt_instance_type reads of every one.
        assert.deepEqual([topology(bare), (bare.os as Obj).type, bare.io, bare.usb, bare.high_availability], [
          { sockets: 1, cores: 1, threads: 1 }, 'other', { threads: 0 }, { enabled: false }, { enabled: false, priority: 0 },
        ]);
        const [blank] = await list(`/templates?search=${encodeURIComponent('name=Blank')}`, T.Template);
        assert.deepEqual(policy(blank), [GiB, GiB, 4 * GiB, true]);
        const fromBlank = await post('/vms', T.Vm, { name: 'blank-memory-vm', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        assert.deepEqual(policy(fromBlank), [GiB, GiB, 4 * GiB, true]);
        // Memory given follows into the guarantee and the maximum; what the request gives itself is kept.
        const sized = await post('/vms', T.Vm, { name: 'sized-vm', cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: 3 * GiB });
        assert.deepEqual(policy(sized), [3 * GiB, 3 * GiB, 12 * GiB, true]);
        const told = await post('/vms', T.Vm, {
          name: 'told-vm', cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: 2 * GiB,
          memory_policy: { guaranteed: GiB, max: 2 * GiB, ballooning: false },
        });
        assert.deepEqual(policy(told), [2 * GiB, GiB, 2 * GiB, false]);
        // Past the maximum, memory is refused, as oVirt refuses it, and nothing changes.
        await send('PUT', `/vms/${String(told.id)}`, T.Vm, { memory: 3 * GiB }, 400);
        assert.equal((await get(`/vms/${String(told.id)}`, T.Vm)).memory, 2 * GiB);
      });

      it('refuses an unknown instance type, a name in use and bad settings, changing nothing', async () => {
        await vmWith('nowhere-vm', { name: 'nowhere' }, {}, 404);
        assert.equal((await list('/vms', T.Vm)).some((v) => v.name === 'nowhere-vm'), false);
        await post('/instancetypes', T.InstanceType, { name: 'Small', memory: GiB }, 409);
        await post('/instancetypes', T.InstanceType, { name: 'huge', memory: GiB, memory_policy: { guaranteed: 2 * GiB } }, 400);
        assert.equal((await list('/instancetypes', T.InstanceType)).some((it) => it.name === 'huge'), false);
      });

      it('keeps an instance type VMs use (409), and removes it once none does', async () => {
        const used = await post('/instancetypes', T.InstanceType, { name: 'used', memory: GiB });
        const vm = await vmWith('used-vm', { id: used.id });
        assert.match(await remove(`/instancetypes/${String(used.id)}`, 409), /used/);
        await remove(`/vms/${String(vm.id)}`, 200);
        await remove(`/instancetypes/${String(used.id)}`, 200);
        assert.equal((await api.call('GET', `/instancetypes/${String(used.id)}`)).status, 404);
      });
    });
  }
}
