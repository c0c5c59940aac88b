// Host lifecycle and hardware: reinstalling, approving, checking for updates and upgrading,
// enrolling certificates, fencing through power management (status, stop, start, restart,
// manual), selecting the SPM; what hosts report (hooks, devices, NUMA nodes, CPU units, block
// storage); fence agents and iSCSI credentials whose passwords are never shown; cluster upgrades
// and emulated machine resets; data center master switching and task cleaning. In XML and JSON,
// on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { addUser, clientOf, give, vmBody } from './support/users';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`host lifecycle on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let host: Obj;
      let hostPath: string;
      let dc: Obj;
      const { send, post, get, list, remove } = restCalls(() => api);
      const act = (path: string, body: Obj, status = 200, extra?: Record<string, string>) =>
        api.call('POST', path, format.write(T.Action, body), extra).then((r) => {
          assert.equal(r.status, status, `POST ${path}: ${r.text}`);
          return format.read(r.status < 300 ? T.Action : T.Fault, r.text);
        });
      /** A body with a password, which the writers leave out as they never show one. */
      const withPassword = (type: StructType, obj: Obj, password: string) => {
        const text = format.write(type, obj);
        if (format === XML) return text.replace(/<\/(\w+)>\s*$/, `<password>${password}</password></$1>`);
        return JSON.stringify({ ...(JSON.parse(text) as Obj), password });
      };
      const postSecret = async (path: string, type: StructType, obj: Obj, password: string, status = 201) => {
        const r = await api.call('POST', path, withPassword(type, obj, password));
        assert.equal(r.status, status, `POST ${path}: ${r.text}`);
        return format.read(r.status < 300 ? type : T.Fault, r.text);
      };
      const hostNow = () => get(hostPath, T.Host);
      const hostIs = async (status: string) => until(async () => (await hostNow()).status === status);
      const events = async (code: number) => (await list(`/events?search=${encodeURIComponent(`type=${code}`)}`, T.Event)).map((e) => String(e.description));
      const nfsDomain = (name: string, type = 'data') => post('/storagedomains', T.StorageDomain, {
        name, type, storage: { type: 'nfs', address: 'nfs.example.com', path: `/exports/${name}` },
      });

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        host = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        hostPath = `/hosts/${String(host.id)}`;
        dc = (await list('/datacenters', T.DataCenter)).find((d) => d.name === 'Default')!;
        await hostIs('up');
      });
      after(async () => t?.stop());

      it('reports hooks, devices, NUMA nodes, CPU units and block storage from the runtime', async () => {
        assert.deepEqual(await list(`${hostPath}/hooks`, T.Hook), [], 'no VDSM runs on a simulated host');
        assert.deepEqual(await list(`${hostPath}/storage`, T.HostStorage), [], 'a simulated host has no block storage');
        const devices = await list(`${hostPath}/devices`, T.HostDevice);
        assert.deepEqual(devices.map((d) => d.name).slice(0, 4), ['computer', 'pci_0000_00_00_0', 'pci_0000_00_01_0', 'pci_0000_00_02_0']);
        assert.ok(devices.every((d) => /Simulated/.test(String((d.product as Obj).name))));
        const nic = devices.find((d) => d.capability === 'net')!;
        const got = await get(`${hostPath}/devices/${String(nic.id)}`, T.HostDevice);
        assert.equal((got.parent_device as Obj).id, devices[2].id);
        assert.equal((await api.call('GET', `${hostPath}/devices/00`)).status, 404);
        const [node] = await list(`${hostPath}/numanodes`, T.NumaNode);
        assert.equal(node.memory, (await hostNow()).memory as number / 2 ** 20);
        assert.equal(((node.cpu as Obj).cores as Obj[]).length, 8);
        assert.equal((await get(`${hostPath}/numanodes/${String(node.id)}`, T.NumaNode)).index, 0);
        const units = await list(`${hostPath}/cpuunits`, T.HostCpuUnit);
        assert.deepEqual(units.map((u) => u.cpu_id), [0, 1, 2, 3, 4, 5, 6, 7]);
      });

      it('keeps fence agents and iSCSI credentials of a host, never showing their passwords', async () => {
        const agents = `${hostPath}/fenceagents`;
        await post(agents, T.Agent, { address: '10.0.0.9', type: 'ipmilan', username: 'admin', order: 1 }, 400);
        const agent = await postSecret(agents, T.Agent, {
          address: '10.0.0.9', type: 'ipmilan', username: 'admin', order: 1, options: [{ name: 'lanplus', value: '1' }],
        }, 'ipmi-secret');
        assert.deepEqual([agent.address, agent.password, (agent.host as Obj).id], ['10.0.0.9', undefined, host.id]);
        const listed = await api.call('GET', agents);
        assert.ok(!listed.text.includes('ipmi-secret'));
        const changed = await send('PUT', `${agents}/${String(agent.id)}`, T.Agent, { options: [{ name: 'lanplus', value: '0' }], port: 623 }, 200);
        assert.deepEqual([changed.port, (changed.options as Obj[])[0].value, changed.password], [623, '0', undefined]);
        await remove(`${agents}/${String(agent.id)}`, 200);
        assert.deepEqual(await list(agents, T.Agent), []);

        const extensions = `${hostPath}/storageconnectionextensions`;
        const iqn = 'iqn.2026-01.com.example:target1';
        const ext = await postSecret(extensions, T.StorageConnectionExtension, { target: iqn, username: 'chap' }, 'chap-secret');
        assert.deepEqual([ext.target, ext.password], [iqn, undefined]);
        await postSecret(extensions, T.StorageConnectionExtension, { target: iqn, username: 'other' }, 'x', 409);
        await post(extensions, T.StorageConnectionExtension, { target: 'iqn.x', username: 'u' }, 400);
        const other = await postSecret(extensions, T.StorageConnectionExtension, { target: 'iqn.x', username: 'u' }, 'p');
        await send('PUT', `${extensions}/${String(other.id)}`, T.StorageConnectionExtension, { target: iqn }, 409);
        assert.ok(!(await api.call('GET', extensions)).text.includes('chap-secret'));
        await remove(`${extensions}/${String(other.id)}`, 200);
        assert.deepEqual((await list(extensions, T.StorageConnectionExtension)).map((x) => x.username), ['chap']);
      });

      it('checks for updates truthfully, and refuses an upgrade with nothing to install', async () => {
        await act(`${hostPath}/upgradecheck`, {});
        assert.equal((await hostNow()).update_available, false);
        assert.ok((await events(885)).some((d) => d.includes("'no updates found.'") && d.includes('h1')));
        const fault = await act(`${hostPath}/upgrade`, {}, 409);
        assert.match(String(fault.detail), /no available updates/);
      });

      it('reinstalls, approves and enrolls certificates only in the states oVirt allows', async () => {
        await act(`${hostPath}/install`, {}, 409);
        await act(`${hostPath}/enrollcertificate`, {}, 409);
        await act(`${hostPath}/approve`, {}, 409);
        await act(`${hostPath}/deactivate`, {});
        await hostIs('maintenance');
        await act(`${hostPath}/approve`, {}, 409);
        await act(`${hostPath}/enrollcertificate`, {});
        assert.equal((await events(9308)).length, 1);
        // Reinstalling without activating leaves the host in maintenance; by default it comes up.
        const installs = (await events(9300)).length;
        await act(`${hostPath}/install`, { activate: false, root_password: 'pw' });
        assert.equal((await events(9300)).length, installs + 1);
        await hostIs('maintenance');
        await act(`${hostPath}/install`, { root_password: 'pw' });
        await hostIs('up');
      });

      it('fences through power management: status, restart taking VMs down, stop in maintenance, start', async () => {
        await act(`${hostPath}/fence`, { fence_type: 'status' }, 409);
        await send('PUT', hostPath, T.Host, { power_management: { enabled: true } }, 200);
        await act(`${hostPath}/fence`, { fence_type: 'status' }, 409);
        await postSecret(`${hostPath}/fenceagents`, T.Agent, { address: '10.0.0.9', type: 'ipmilan', username: 'admin', order: 1 }, 'pw');
        await act(`${hostPath}/fence`, { fence_type: 'reboot' }, 400);
        await act(`${hostPath}/fence`, {}, 400);
        const status = await act(`${hostPath}/fence`, { fence_type: 'status' });
        assert.equal((status.power_management as Obj).status, 'on');
        await act(`${hostPath}/fence`, { fence_type: 'manual' }, 409);
        await act(`${hostPath}/fence`, { fence_type: 'stop' }, 409);
        await act(`${hostPath}/fence`, { fence_type: 'start' }, 409);

        const vm = XML.read(T.Vm, (await new ApiClient(t, XML, api.token).call('POST', '/vms', vmBody('runner'))).text);
        await act(`/vms/${String(vm.id)}/start`, {});
        await until(async () => (await get(`/vms/${String(vm.id)}`, T.Vm)).status === 'up');
        await act(`${hostPath}/fence`, { fence_type: 'restart', maintenance_after_restart: true });
        const down = await get(`/vms/${String(vm.id)}`, T.Vm);
        assert.deepEqual([down.status, down.host], ['down', undefined]);
        await hostIs('maintenance');

        await act(`${hostPath}/fence`, { fence_type: 'stop' });
        assert.equal((await hostNow()).status, 'down');
        assert.equal(((await act(`${hostPath}/fence`, { fence_type: 'status' })).power_management as Obj).status, 'off');
        await act(`${hostPath}/fence`, { fence_type: 'start' });
        await hostIs('up');
        assert.equal(((await act(`${hostPath}/fence`, { fence_type: 'status' })).power_management as Obj).status, 'on');
      });

      it('makes an active data domain master, and selects the SPM of an up data center', async () => {
        await act(`${hostPath}/forceselectspm`, {}, 409);
        const first = await nfsDomain('first');
        const second = await nfsDomain('second');
        const loose = await nfsDomain('loose');
        const iso = await nfsDomain('isos', 'iso');
        for (const sd of [first, second, iso]) await post(`/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: sd.id });
        const attached = `/datacenters/${String(dc.id)}/storagedomains`;
        const master = async () => (await list(attached, T.StorageDomain)).filter((d) => d.master === true).map((d) => d.name);
        assert.deepEqual(await master(), ['first']);

        await act(`/datacenters/${String(dc.id)}/setmaster`, {}, 400);
        await act(`/datacenters/${String(dc.id)}/setmaster`, { storage_domain: { name: 'first' } }, 409);
        await act(`/datacenters/${String(dc.id)}/setmaster`, { storage_domain: { id: loose.id } }, 409);
        await act(`/datacenters/${String(dc.id)}/setmaster`, { storage_domain: { id: iso.id } }, 409);
        await act(`${attached}/${String(second.id)}/deactivate`, {});
        await act(`/datacenters/${String(dc.id)}/setmaster`, { storage_domain: { id: second.id } }, 409);
        await act(`${attached}/${String(second.id)}/activate`, {});
        const done = await act(`/datacenters/${String(dc.id)}/setmaster`, { storage_domain: { name: 'second' } });
        assert.equal((await get(`/jobs/${String((done.job as Obj).id)}`, T.Job)).status, 'finished');
        assert.deepEqual(await master(), ['second']);
        assert.equal((await get(`/datacenters/${String(dc.id)}`, T.DataCenter)).status, 'up');

        await act(`${hostPath}/forceselectspm`, {});
        assert.equal(((await hostNow()).spm as Obj).status, 'spm');
        await act(`${hostPath}/forceselectspm`, {}, 409);
        await act(`/datacenters/${String(dc.id)}/cleanfinishedtasks`, {});
        assert.equal((await events(9601)).length, 1);
        // Maintenance takes the role away.
        await act(`${hostPath}/deactivate`, {});
        assert.equal(((await hostNow()).spm as Obj).status, 'none');
        await hostIs('maintenance');
        await act(`${hostPath}/activate`, {});
        await hostIs('up');
      });

      it('marks cluster upgrades and resets emulated machines only without up hosts', async () => {
        const cluster = (await list('/clusters', T.Cluster)).find((c) => c.name === 'Default')!;
        const path = `/clusters/${String(cluster.id)}`;
        await act(`${path}/resetemulatedmachine`, {}, 409);
        const empty = await post('/clusters', T.Cluster, { name: 'spare', data_center: { id: dc.id }, cpu: { type: 'Intel Nehalem Family' } });
        await act(`/clusters/${String(empty.id)}/resetemulatedmachine`, {});

        await act(`${path}/upgrade`, {}, 400);
        await act(`${path}/upgrade`, { upgrade_action: 'update_progress', upgrade_percent_complete: 5 }, 409);
        const by = { 'Correlation-Id': 'upgrade-1' };
        await act(`${path}/upgrade`, { upgrade_action: 'start' }, 200, by);
        const started = await get(path, T.Cluster);
        assert.deepEqual([started.upgrade_in_progress, started.upgrade_percent_complete, started.upgrade_correlation_id], [true, 0, 'upgrade-1']);
        await act(`${path}/upgrade`, { upgrade_action: 'start' }, 409, by);
        await act(`${path}/upgrade`, { upgrade_action: 'update_progress', upgrade_percent_complete: 150 }, 400, by);
        await act(`${path}/upgrade`, { upgrade_action: 'update_progress', upgrade_percent_complete: 40 }, 409, { 'Correlation-Id': 'other' });
        await act(`${path}/upgrade`, { upgrade_action: 'update_progress', upgrade_percent_complete: 40 }, 200, by);
        assert.equal((await get(path, T.Cluster)).upgrade_percent_complete, 40);
        await act(`${path}/upgrade`, { upgrade_action: 'finish' }, 200, by);
        const finished = await get(path, T.Cluster);
        assert.deepEqual([finished.upgrade_in_progress, finished.upgrade_correlation_id], [false, undefined]);
      });

      it('lets only callers with the permits act on hosts, clusters and data centers', async () => {
        const admin = new ApiClient(t, XML, api.token);
        const joeId = await addUser(admin, 'joe', 'joe-password-1');
        const vm = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('joes'))).text);
        await give(admin, `/vms/${String(vm.id)}`, 'UserRole', joeId);
        const joe = await clientOf(t, 'joe@internal', 'joe-password-1', false);
        const as = async (client: ApiClient, path: string, type: StructType, body: Obj) => (await client.call('POST', path, client.format.write(type, body))).status;
        assert.equal(await as(joe, `${hostPath}/fence`, T.Action, { fence_type: 'status' }), 403);
        const agentBody = withPassword(T.Agent, { address: 'a', type: 'ipmilan', username: 'u', order: 1 }, 'p');
        assert.equal((await new ApiClient(t, format, joe.token).call('POST', `${hostPath}/fenceagents`, agentBody)).status, 403);
        assert.equal(await as(joe, `/datacenters/${String(dc.id)}/setmaster`, T.Action, { storage_domain: { name: 'first' } }), 403);
        assert.equal(await as(joe, `/clusters/${String(host.cluster && (host.cluster as Obj).id)}/upgrade`, T.Action, { upgrade_action: 'start' }), 403);
        // In the user view, what a host reports is seen only with the host.
        const filtered = await clientOf(t, 'joe@internal', 'joe-password-1');
        for (const [rel, type] of [['devices', T.HostDevice], ['numanodes', T.NumaNode], ['cpuunits', T.HostCpuUnit], ['fenceagents', T.Agent]] as const) {
          const seen = await filtered.call('GET', `${hostPath}/${rel}`);
          assert.deepEqual([seen.status, XML.readList(type, seen.text)], [200, []], rel);
        }
        // A host administrator fences its host.
        await give(admin, hostPath, 'HostAdmin', joeId);
        assert.equal(await as(joe, `${hostPath}/fence`, T.Action, { fence_type: 'status' }), 200);
      });
    });
  }
}
