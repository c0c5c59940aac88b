// Devices of VMs, templates and instance types: one watchdog at most, mediated devices, host
// devices from the pinned host, virtual NUMA nodes, guest reports, devices copied to templates
// and the VMs made from them; and the VM actions besides the lifecycle; in XML and JSON, on
// SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { Repo } from '../services/store/repo';

const GiB = 2 ** 30;

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`VM devices on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let host: Obj;
      let vm: Obj;

      const { send, post, get, list, remove, act } = restCalls(() => api);
      const vmPath = () => `/vms/${String(vm.id)}`;
      const newVm = (name: string, extra: Obj = {}) =>
        post('/vms', T.Vm, { name, cluster: { name: 'Default' }, template: { name: 'Blank' }, os: { boot: { devices: ['network'] } }, ...extra });
      const status = async (path: string, want: string) => until(async () => (await get(path, T.Vm)).status === want);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        host = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'up');
        vm = await newVm('d1', { memory: 2 * GiB, cpu: { topology: { sockets: 2, cores: 1, threads: 1 } } });
      });
      after(async () => t?.stop());

      it('keeps one watchdog per VM, and changes it', async () => {
        const dog = await post(`${vmPath()}/watchdogs`, T.Watchdog, { model: 'i6300esb', action: 'reset' });
        assert.deepEqual([dog.model, dog.action, (dog.vm as Obj).id], ['i6300esb', 'reset', vm.id]);
        assert.match(String((await post(`${vmPath()}/watchdogs`, T.Watchdog, { model: 'diag288', action: 'none' }, 409)).detail), /only one/);
        await post(`/vms/${String((await newVm('d2')).id)}/watchdogs`, T.Watchdog, { model: 'diag288' }, 400);
        const changed = await send('PUT', `${vmPath()}/watchdogs/${String(dog.id)}`, T.Watchdog, { action: 'poweroff' }, 200);
        assert.deepEqual([changed.model, changed.action], ['i6300esb', 'poweroff']);
        assert.equal((await list(`${vmPath()}/watchdogs`, T.Watchdog)).length, 1);
      });

      it('keeps mediated devices that name their type', async () => {
        const mdev = await post(`${vmPath()}/mediateddevices`, T.VmMediatedDevice, { spec_params: [{ name: 'mdevType', value: 'nvidia-22' }] });
        await post(`${vmPath()}/mediateddevices`, T.VmMediatedDevice, { spec_params: [{ name: 'nodisplay', value: 'true' }] }, 400);
        const changed = await send('PUT', `${vmPath()}/mediateddevices/${String(mdev.id)}`, T.VmMediatedDevice, {
          spec_params: [{ name: 'mdevType', value: 'nvidia-11' }, { name: 'nodisplay', value: 'true' }],
        }, 200);
        assert.deepEqual((changed.spec_params as Obj[]).map((p) => p.value), ['nvidia-11', 'true']);
        await remove(`${vmPath()}/mediateddevices/${String(mdev.id)}`, 200);
        assert.equal((await list(`${vmPath()}/mediateddevices`, T.VmMediatedDevice)).length, 0);
      });

      it('passes host devices of the host the VM is pinned to', async () => {
        await post(`${vmPath()}/hostdevices`, T.HostDevice, { name: 'pci_0000_00_01_0' }, 409);
        await send('PUT', vmPath(), T.Vm, { placement_policy: { hosts: [{ id: host.id }] } }, 200);
        const passed = await post(`${vmPath()}/hostdevices`, T.HostDevice, { name: 'pci_0000_00_01_0' });
        assert.deepEqual([passed.capability, (passed.host as Obj).id, (passed.vm as Obj).id], ['pci', host.id, vm.id]);
        await post(`${vmPath()}/hostdevices`, T.HostDevice, { id: passed.id }, 409);
        await post(`${vmPath()}/hostdevices`, T.HostDevice, { name: 'computer' }, 409);
        await post(`${vmPath()}/hostdevices`, T.HostDevice, { name: 'nowhere' }, 404);
        assert.deepEqual((await list(`${vmPath()}/hostdevices`, T.HostDevice)).map((d) => d.name), ['pci_0000_00_01_0']);
        await remove(`${vmPath()}/hostdevices/${String(passed.id)}`, 200);
      });

      it('keeps virtual NUMA nodes within the VM\'s CPUs and memory', async () => {
        const node = await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 0, memory: 1024, cpu: { cores: [{ index: 0 }] } });
        assert.deepEqual([node.index, node.memory, ((node.cpu as Obj).cores as Obj[])[0].index], [0, 1024, 0]);
        await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 0, memory: 512, cpu: { cores: [{ index: 1 }] } }, 409);
        await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 1, memory: 512, cpu: { cores: [{ index: 2 }] } }, 409);
        await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 1, memory: 512, cpu: { cores: [{ index: 0 }] } }, 409);
        await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 1, memory: 2048, cpu: { cores: [{ index: 1 }] } }, 409);
        await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 1, memory: 512 }, 400);
        await post(`${vmPath()}/numanodes`, T.VirtualNumaNode, { index: 1, memory: 1024, cpu: { cores: [{ index: 1 }] } });
        await send('PUT', `${vmPath()}/numanodes/${String(node.id)}`, T.VirtualNumaNode, { numa_tune_mode: 'strict' }, 200);
        assert.deepEqual((await list(`${vmPath()}/numanodes`, T.VirtualNumaNode)).map((n) => [n.index, n.numa_tune_mode]).sort(), [[0, 'strict'], [1, undefined]]);
      });

      it('pins CPUs and NUMA nodes to the pinned host', async () => {
        await act(`/vms/${String((await newVm('d3')).id)}`, 'autopincpuandnumanodes', {}, 409);
        await act(vmPath(), 'autopincpuandnumanodes', { optimize_cpu_settings: true });
        const pinnedVm = await get(vmPath(), T.Vm);
        const cpu = pinnedVm.cpu as Obj;
        assert.equal((cpu.topology as Obj).cores, 8);
        assert.equal(((cpu.cpu_tune as Obj).vcpu_pins as Obj[]).length, 8);
        const nodes = await list(`${vmPath()}/numanodes`, T.VirtualNumaNode);
        assert.deepEqual(nodes.map((n) => [n.index, n.memory, ((n.cpu as Obj).cores as Obj[]).length]), [[0, 2048, 8]]);
      });

      it('copies devices to a template and from it to its VMs', async () => {
        const nic = await post(`${vmPath()}/nics`, T.Nic, { name: 'nic1' });
        const template = await post('/templates', T.Template, { name: 'tpl', vm: { id: vm.id } });
        const tp = `/templates/${String(template.id)}`;
        assert.deepEqual((await list(`${tp}/graphicsconsoles`, T.GraphicsConsole)).map((c) => c.protocol), ['vnc']);
        assert.deepEqual((await list(`${tp}/watchdogs`, T.Watchdog)).map((w) => w.action), ['poweroff']);
        const [tnic] = await list(`${tp}/nics`, T.Nic);
        assert.deepEqual([tnic.name, tnic.mac], ['nic1', undefined]);
        assert.equal((await list(`${tp}/cdroms`, T.Cdrom)).length, 1);
        await post(`${tp}/nics`, T.Nic, { name: 'nic1' }, 409);
        await post(`${tp}/nics`, T.Nic, { name: 'nic2', interface: 'e1000' });
        const child = await post('/vms', T.Vm, { name: 'child', cluster: { name: 'Default' }, template: { id: template.id } });
        const nics = await list(`/vms/${String(child.id)}/nics`, T.Nic);
        assert.deepEqual(nics.map((n) => n.name).sort(), ['nic1', 'nic2']);
        assert.ok(nics.every((n) => /^56:6f:/.test(String((n.mac as Obj).address)) && (n.mac as Obj).address !== (nic.mac as Obj).address));
        assert.equal((await list(`/vms/${String(child.id)}/watchdogs`, T.Watchdog)).length, 1);
        await post(`${tp}/watchdogs`, T.Watchdog, { model: 'diag288', action: 'none' }, 409);
        await remove(`/vms/${String(child.id)}`, 200);
        await remove(tp, 200);
        // Its devices went with it.
        const repo = new Repo(t.engine.db);
        for (const type of [T.Nic, T.Watchdog, T.GraphicsConsole, T.Cdrom]) assert.equal(await repo.count(type, { template: String(template.id) }), 0, type.name);
      });

      it('keeps the devices of instance types', async () => {
        const [tiny] = await list('/instancetypes?search=name%3DTiny', T.InstanceType);
        const ip = `/instancetypes/${String(tiny.id)}`;
        await post(`${ip}/graphicsconsoles`, T.GraphicsConsole, { protocol: 'spice' });
        await post(`${ip}/graphicsconsoles`, T.GraphicsConsole, { protocol: 'spice' }, 409);
        await post(`${ip}/watchdogs`, T.Watchdog, { model: 'i6300esb', action: 'dump' });
        const nic = await post(`${ip}/nics`, T.Nic, { name: 'eth0' });
        assert.deepEqual([(await list(`${ip}/nics`, T.Nic)).length, (await list(`${ip}/watchdogs`, T.Watchdog))[0].action], [1, 'dump']);
        assert.deepEqual((await list(`${ip}/nics?search=${encodeURIComponent('name="eth0"')}`, T.Nic)).map((n) => n.id), [nic.id]);
        assert.deepEqual(await list(`${ip}/nics?search=${encodeURIComponent('name="eth1"')}`, T.Nic), []);
        await remove(`${ip}/nics/${String(nic.id)}`, 200);
        await remove(`${ip}/graphicsconsoles/7370696365`, 200);
      });

      it('answers the guest\'s reports and refuses what needs its agent, truthfully', async () => {
        for (const what of ['reporteddevices', 'applications', 'sessions']) assert.equal((await api.call('GET', `${vmPath()}/${what}`)).status, 200);
        assert.equal((await list(`${vmPath()}/applications`, T.Application)).length, 0);
        await act(vmPath(), 'reset', {}, 409);
        await act(vmPath(), 'start');
        await status(vmPath(), 'up');
        for (const name of ['logon', 'freezefilesystems', 'thawfilesystems']) {
          assert.match(String((await act(vmPath(), name, {}, 409)).detail), /no guest agent/);
        }
        await act(vmPath(), 'screenshot', {}, 409);
        await act(vmPath(), 'reset');
        assert.equal((await get(vmPath(), T.Vm)).status, 'up');
        const events = await list('/events', T.Event);
        assert.ok(events.some((e) => e.code === 9212 && String(e.description).includes('d1 was reset')));
        await act(vmPath(), 'reordermacaddresses', {}, 409);
        await act(vmPath(), 'stop');
        await status(vmPath(), 'down');
      });

      it('reorders MAC addresses by NIC order, and takes only pool VMs out of pools', async () => {
        const two = await newVm('macs');
        const p = `/vms/${String(two.id)}`;
        await post(`${p}/nics`, T.Nic, { name: 'nic10', mac: { address: '56:6f:00:00:00:01' } });
        await post(`${p}/nics`, T.Nic, { name: 'nic2', mac: { address: '56:6f:00:00:00:03' } });
        await post(`${p}/nics`, T.Nic, { name: 'nic1', mac: { address: '56:6f:00:00:00:02' } });
        await act(p, 'reordermacaddresses');
        const order = (await list(`${p}/nics`, T.Nic)).map((n) => [n.name, (n.mac as Obj).address]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
        assert.deepEqual(order, [['nic1', '56:6f:00:00:00:01'], ['nic2', '56:6f:00:00:00:02'], ['nic10', '56:6f:00:00:00:03']]);
        assert.match(String((await act(p, 'detach', {}, 409)).detail), /not in a pool/);
        assert.match(String((await act(p, 'maintenance', { maintenance_enabled: true }, 409)).detail), /not the hosted engine/);
        await act(p, 'maintenance', {}, 400);
      });

      it('sets global maintenance through the hosted-engine VM', async () => {
        const engineVm = await newVm('HostedEngine', { origin: 'managed_hosted_engine' });
        await act(`/vms/${String(engineVm.id)}`, 'maintenance', { maintenance_enabled: true });
        const h = await api.call('GET', `/hosts/${String(host.id)}?all_content=true`);
        assert.equal(((format.read(T.Host, h.text).hosted_engine as Obj) ?? {}).global_maintenance, true);
      });
    });
  }
}
