// The configuration lists: QoS of data centers, CPU and disk profiles (the default ones, what VMs
// and disks take, the QoS they may name, removal while used), storage connections, bookmarks,
// system options, network filters, network labels, cluster features and icons, with the permits of a
// plain user, in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { addUser, clientOf, give } from './support/users';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`configuration lists on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let dc: Obj;
      let cluster: Obj;
      let sd: Obj;

      const send = async (method: string, path: string, type: StructType, obj: Obj, status: number, client = api) => {
        const r = await client.call(method, path, format.write(type, obj));
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
        return r.status < 300 ? format.read(type, r.text) : format.read(T.Fault, r.text);
      };
      const post = (path: string, type: StructType, obj: Obj, status = 201) => send('POST', path, type, obj, status);
      const put = (path: string, type: StructType, obj: Obj, status = 200) => send('PUT', path, type, obj, status);
      const get = async (path: string, type: StructType, status = 200) => {
        const r = await api.call('GET', path);
        assert.equal(r.status, status, `${path}: ${r.text}`);
        return status === 200 ? format.read(type, r.text) : undefined;
      };
      const list = async (path: string, type: StructType, client = api) => {
        const r = await client.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return client.format.readList(type, r.text);
      };
      const names = async (path: string, type: StructType) => (await list(path, type)).map((o) => o.name).sort();
      const status = async (method: string, path: string, client = api) => (await client.call(method, path)).status;
      const id = (o: Obj | undefined) => String((o as Obj).id);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        dc = (await list('/datacenters', T.DataCenter))[0];
        cluster = (await list('/clusters', T.Cluster)).find((c) => c.name === 'Default')!;
        sd = await post('/storagedomains', T.StorageDomain, {
          name: 'confdata', type: 'data', storage: { type: 'nfs', address: 'nfs.example.com', path: '/exports/confdata' },
        });
      });
      after(async () => t?.stop());

      it('keeps the QoS of a data center: unique names, only the limits of its type, in their bounds', async () => {
        const qoss = `/datacenters/${id(dc)}/qoss`;
        const cpu = await post(qoss, T.Qos, { name: 'half', type: 'cpu', cpu_limit: 50 });
        assert.deepEqual([cpu.type, cpu.cpu_limit, (cpu.data_center as Obj).id], ['cpu', 50, dc.id]);
        await post(qoss, T.Qos, { name: 'fast', type: 'storage', max_iops: 1000, max_throughput: 200 });
        await post(qoss, T.Qos, { name: 'half', type: 'storage' }, 409);
        await post(qoss, T.Qos, { name: 'mixed', type: 'cpu', cpu_limit: 10, max_iops: 5 }, 400);
        await post(qoss, T.Qos, { name: 'over', type: 'cpu', cpu_limit: 150 }, 400);
        await post(qoss, T.Qos, { name: 'untyped' }, 400);
        assert.deepEqual(await names(qoss, T.Qos), ['fast', 'half']);
        const changed = await put(`${qoss}/${id(cpu)}`, T.Qos, { cpu_limit: 25, description: 'a quarter' });
        assert.deepEqual([changed.cpu_limit, changed.description], [25, 'a quarter']);
        await put(`${qoss}/${id(cpu)}`, T.Qos, { max_iops: 7 }, 400);
      });

      it('gives every cluster a CPU profile named after it, which its VMs take', async () => {
        assert.deepEqual(await names(`/clusters/${id(cluster)}/cpuprofiles`, T.CpuProfile), ['Default']);
        const other = await post('/clusters', T.Cluster, { name: 'second', data_center: { id: dc.id }, cpu: { type: 'Intel Nehalem Family' } });
        const [own] = await list(`/clusters/${id(other)}/cpuprofiles`, T.CpuProfile);
        assert.deepEqual([own.name, (own.cluster as Obj).id], ['second', other.id]);
        const vm = await post('/vms', T.Vm, { name: 'profiled', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        const [defaultProfile] = await list(`/clusters/${id(cluster)}/cpuprofiles`, T.CpuProfile);
        assert.equal((vm.cpu_profile as Obj).id, defaultProfile.id);
        // Another cluster's profile is not the VM's to take.
        await post('/vms', T.Vm, { name: 'stray', cluster: { name: 'Default' }, template: { name: 'Blank' }, cpu_profile: { id: own.id } }, 409);
        await put(`/vms/${id(vm)}`, T.Vm, { cpu_profile: { id: own.id } }, 409);
        // Moving to another cluster takes that cluster's profile.
        const moved = await put(`/vms/${id(vm)}`, T.Vm, { cluster: { id: other.id } });
        assert.equal((moved.cpu_profile as Obj).id, own.id);
        await put(`/vms/${id(vm)}`, T.Vm, { cluster: { id: cluster.id } });
      });

      it('adds CPU profiles with a CPU QoS of their data center, unique in their cluster, and keeps those in use', async () => {
        const qoss = await list(`/datacenters/${id(dc)}/qoss`, T.Qos);
        const cpuQos = qoss.find((q) => q.type === 'cpu')!;
        const storageQos = qoss.find((q) => q.type === 'storage')!;
        const gold = await post('/cpuprofiles', T.CpuProfile, { name: 'gold', cluster: { id: cluster.id }, qos: { id: cpuQos.id } });
        assert.equal((gold.qos as Obj).id, cpuQos.id);
        await post(`/clusters/${id(cluster)}/cpuprofiles`, T.CpuProfile, { name: 'gold' }, 409);
        await post(`/clusters/${id(cluster)}/cpuprofiles`, T.CpuProfile, { name: 'wrong', qos: { id: storageQos.id } }, 409);
        const otherDc = await post('/datacenters', T.DataCenter, { name: 'elsewhere' });
        const foreign = await post(`/datacenters/${id(otherDc)}/qoss`, T.Qos, { name: 'far', type: 'cpu', cpu_limit: 5 });
        await post('/cpuprofiles', T.CpuProfile, { name: 'far', cluster: { id: cluster.id }, qos: { id: foreign.id } }, 409);
        await put(`/cpuprofiles/${id(gold)}`, T.CpuProfile, { qos: { id: storageQos.id } }, 409);
        assert.deepEqual(await names(`/clusters/${id(cluster)}/cpuprofiles`, T.CpuProfile), ['Default', 'gold']);

        const vm = await post('/vms', T.Vm, { name: 'golden', cluster: { name: 'Default' }, template: { name: 'Blank' }, cpu_profile: { id: gold.id } });
        assert.equal((vm.cpu_profile as Obj).id, gold.id);
        assert.equal(await status('DELETE', `/cpuprofiles/${id(gold)}`), 409);
        assert.equal(await status('DELETE', `/vms/${id(vm)}`), 200);
        // Removing a QoS takes it from the profiles that apply it.
        assert.equal(await status('DELETE', `/datacenters/${id(dc)}/qoss/${id(cpuQos)}`), 200);
        assert.equal((await get(`/cpuprofiles/${id(gold)}`, T.CpuProfile))!.qos, undefined);
        assert.equal(await status('DELETE', `/clusters/${id(cluster)}/cpuprofiles/${id(gold)}`), 200);
        await get(`/cpuprofiles/${id(gold)}`, T.CpuProfile, 404);
      });

      it('gives every data domain a disk profile named after it, which its disks take', async () => {
        const [own] = await list(`/storagedomains/${id(sd)}/diskprofiles`, T.DiskProfile);
        assert.deepEqual([own.name, (own.storage_domain as Obj).id], ['confdata', sd.id]);
        const disk = await post('/disks', T.Disk, { name: 'd1', provisioned_size: 1048576, format: 'raw', storage_domains: [{ id: sd.id }] });
        assert.equal((disk.disk_profile as Obj).id, own.id);
        const spare = await post('/diskprofiles', T.DiskProfile, { name: 'spare', storage_domain: { id: sd.id } });
        await post(`/storagedomains/${id(sd)}/diskprofiles`, T.DiskProfile, { name: 'spare' }, 409);
        // A domain in no data center has no QoS to take.
        const qos = (await list(`/datacenters/${id(dc)}/qoss`, T.Qos)).find((q) => q.type === 'storage')!;
        await put(`/diskprofiles/${id(spare)}`, T.DiskProfile, { qos: { id: qos.id } }, 409);
        const given = await post('/disks', T.Disk, {
          name: 'd2', provisioned_size: 1048576, format: 'raw', storage_domains: [{ id: sd.id }], disk_profile: { id: spare.id },
        });
        assert.equal((given.disk_profile as Obj).id, spare.id);
        assert.equal(await status('DELETE', `/diskprofiles/${id(spare)}`), 409);
        for (const d of [disk, given]) assert.equal(await status('DELETE', `/disks/${id(d)}`), 200);
        assert.equal(await status('DELETE', `/diskprofiles/${id(spare)}`), 200);
      });

      it('lists the connection of each storage domain, and keeps those domains use', async () => {
        const [used] = await list(`/storagedomains/${id(sd)}/storageconnections`, T.StorageConnection);
        assert.deepEqual([used.type, used.address, used.path], ['nfs', 'nfs.example.com', '/exports/confdata']);
        assert.ok((await list('/storageconnections', T.StorageConnection)).some((c) => c.id === used.id));
        await post('/storageconnections', T.StorageConnection, { type: 'nfs', address: 'nfs.example.com', path: '/exports/confdata' }, 409);
        await post('/storageconnections', T.StorageConnection, { type: 'iscsi', address: 'san.example.com', target: 'iqn.x' }, 400);
        await post('/storageconnections', T.StorageConnection, { type: 'nfs', address: 'nfs.example.com' }, 400);
        await put(`/storageconnections/${id(used)}`, T.StorageConnection, { path: '/exports/elsewhere' }, 409);
        assert.equal(await status('DELETE', `/storageconnections/${id(used)}`), 409);

        const spare = await post('/storageconnections', T.StorageConnection, { type: 'nfs', address: 'nfs.example.com', path: '/exports/spare', nfs_version: 'v4' });
        const moved = await put(`/storageconnections/${id(spare)}`, T.StorageConnection, { path: '/exports/spare2' });
        assert.deepEqual([moved.path, moved.nfs_version], ['/exports/spare2', 'v4']);
        assert.deepEqual((await list(`/storagedomains/${id(sd)}/storageconnections`, T.StorageConnection)).map((c) => c.id), [used.id]);
        await get(`/storagedomains/${id(sd)}/storageconnections/${id(spare)}`, T.StorageConnection, 404);
        assert.equal(await status('DELETE', `/storageconnections/${id(spare)}`), 200);
        await get(`/storageconnections/${id(spare)}`, T.StorageConnection, 404);
      });

      it('keeps bookmarks with unique names', async () => {
        const b = await post('/bookmarks', T.Bookmark, { name: 'running', value: 'Vms: status=up' });
        assert.equal(b.value, 'Vms: status=up');
        await post('/bookmarks', T.Bookmark, { name: 'running', value: 'Hosts: status=up' }, 409);
        await post('/bookmarks', T.Bookmark, { name: 'valueless' }, 400);
        const other = await post('/bookmarks', T.Bookmark, { name: 'down', value: 'Vms: status=down' });
        await put(`/bookmarks/${id(other)}`, T.Bookmark, { name: 'running' }, 409);
        const changed = await put(`/bookmarks/${id(b)}`, T.Bookmark, { value: 'Vms: status=up sortby name' });
        assert.deepEqual([changed.name, changed.value], ['running', 'Vms: status=up sortby name']);
        assert.equal(await status('DELETE', `/bookmarks/${id(other)}`), 200);
        assert.deepEqual(await names('/bookmarks', T.Bookmark), ['running']);
      });

      it('answers the system options the engine holds to, per cluster level, and 404 for others', async () => {
        const cpus = (await get('/options/MaxNumOfVmCpus', T.SystemOption))!;
        const values = cpus.values as Obj[];
        assert.deepEqual(values.map((v) => v.version), ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7']);
        assert.ok(values.every((v) => v.value === '710'));
        const one = (await get('/options/MaxNumOfVmCpus?version=4.7', T.SystemOption))!;
        assert.deepEqual(one.values, [{ version: '4.7', value: '710' }]);
        assert.deepEqual((await get('/options/VM64BitMaxMemorySizeInMB?version=4.5', T.SystemOption))!.values, [{ version: '4.5', value: String(16 * 2 ** 20) }]);
        assert.deepEqual((await get('/options/SupportedClusterLevels?version=4.6', T.SystemOption))!.values, [{ version: 'general', value: '4.2,4.3,4.4,4.5,4.6,4.7' }]);
        // The CPU types of a level, as Ansible's hosted-engine role parses them: `rank:name:flags:QEMU model:architecture; `.
        const [cpuList] = (await get('/options/ServerCPUList?version=4.2', T.SystemOption))!.values as Obj[];
        const entries = String(cpuList.value).split('; ').map((e) => e.replace(/;$/, '').split(':'));
        assert.deepEqual(entries[0], ['3', 'Intel Conroe Family', 'vmx,nx,model_Conroe', 'Conroe', 'x86_64']);
        const levels = await list('/clusterlevels', T.ClusterLevel);
        const level47 = levels.find((l) => l.id === '4.7')!;
        const [cpuList47] = (await get('/options/ServerCPUList?version=4.7', T.SystemOption))!.values as Obj[];
        const names47 = String(cpuList47.value).split('; ').map((e) => e.split(':')[1]);
        assert.deepEqual(names47, ((level47.cpu_types as Obj[]).map((c) => c.name)));
        assert.equal(new Map(String(cpuList47.value).split('; ').map((e) => [e.split(':')[1], e.split(':')[3]])).get('Secure AMD EPYC'), 'EPYC,+ibpb,+virt-ssbd');
        const [machines] = (await get('/options/ClusterEmulatedMachines?version=4.7', T.SystemOption))!.values as Obj[];
        assert.equal(String(machines.value).replace('[', '').replace(']', '').split(', ')[0], 'pc-q35-rhel8.6.0');
        await get('/options/MaxNumOfVmCpus?version=3.6', T.SystemOption, 404);
        await get('/options/NoSuchOption', T.SystemOption, 404);
        // The engine refuses what the option says it does.
        await post('/vms', T.Vm, { name: 'wide', cluster: { name: 'Default' }, template: { name: 'Blank' }, cpu: { topology: { sockets: 711, cores: 1, threads: 1 } } }, 400);
      });

      it('lists oVirt\'s network filters, those of a cluster\'s level, and lets vNIC profiles apply them', async () => {
        const filters = await list('/networkfilters', T.NetworkFilter);
        const noSpoofing = filters.find((f) => f.name === 'vdsm-no-mac-spoofing')!;
        assert.deepEqual(noSpoofing.version && [(noSpoofing.version as Obj).major, (noSpoofing.version as Obj).minor], [3, 2]);
        assert.ok(filters.some((f) => f.name === 'clean-traffic'));
        const ofCluster = await list(`/clusters/${id(cluster)}/networkfilters`, T.NetworkFilter);
        assert.equal(ofCluster.length, filters.length);
        await get(`/clusters/${id(cluster)}/networkfilters/${id(noSpoofing)}`, T.NetworkFilter);
        const [profile] = await list('/vnicprofiles', T.VnicProfile);
        const applied = await put(`/vnicprofiles/${id(profile)}`, T.VnicProfile, { network_filter: { id: noSpoofing.id } });
        assert.equal((applied.network_filter as Obj).id, noSpoofing.id);
        await put(`/vnicprofiles/${id(profile)}`, T.VnicProfile, { network_filter: { id: '11111111-1111-1111-1111-111111111111' } }, 404);
      });

      it('lists no optional cluster features, and 404 for unknown levels and clusters', async () => {
        assert.deepEqual(await list('/clusterlevels/4.7/clusterfeatures', T.ClusterFeature), []);
        assert.deepEqual(await list(`/clusters/${id(cluster)}/enabledfeatures`, T.ClusterFeature), []);
        assert.equal(await status('GET', '/clusterlevels/3.6/clusterfeatures'), 404);
        assert.equal(await status('GET', '/clusters/11111111-1111-1111-1111-111111111111/enabledfeatures'), 404);
        assert.equal(await status('GET', '/clusterlevels/4.7/clusterfeatures/gluster'), 404);
      });

      it('serves the icons the operating systems link to, as PNG images of their sizes', async () => {
        const systems = await list('/operatingsystems', T.OperatingSystemInfo);
        const windows = systems.find((s) => s.name === 'windows_10')!;
        const linux = systems.find((s) => s.name === 'rhel_8x64')!;
        assert.notEqual((windows.small_icon as Obj).id, (linux.small_icon as Obj).id);
        const icons = await list('/icons', T.Icon);
        for (const [os, size, width, height] of [[windows, 'small_icon', 43, 43], [linux, 'large_icon', 150, 120]] as const) {
          const icon = (await get(`/icons/${String((os[size] as Obj).id)}`, T.Icon))!;
          assert.ok(icons.some((i) => i.id === icon.id));
          assert.equal(icon.media_type, 'image/png');
          const png = Buffer.from(String(icon.data), 'base64');
          assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
          assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [width, height]);
        }
        await get('/icons/11111111-1111-1111-1111-111111111111', T.Icon, 404);
      });

      it('needs the permits of profiles, bookmarks and connections, and lets every user read options and filters', async () => {
        const admin = new ApiClient(t, XML, api.token);
        const plainId = await addUser(admin, 'plain', 'pw-123456');
        const plain = await clientOf(t, 'plain', 'pw-123456');
        for (const [path, body] of [
          ['/bookmarks', '<bookmark><name>mine</name><value>Vms:</value></bookmark>'],
          ['/cpuprofiles', `<cpu_profile><name>mine</name><cluster id="${id(cluster)}"/></cpu_profile>`],
          ['/storageconnections', '<storage_connection><type>nfs</type><address>nfs.example.com</address><path>/x</path></storage_connection>'],
          [`/datacenters/${id(dc)}/qoss`, '<qos><name>mine</name><type>cpu</type></qos>'],
        ]) {
          assert.equal((await plain.call('POST', path, body)).status, 403, path);
        }
        assert.equal(XML.readList(T.NetworkFilter, (await plain.call('GET', '/networkfilters')).text).length > 0, true);
        assert.equal((await plain.call('GET', '/options/MaxNumOfVmSockets')).status, 200);
        assert.equal((await plain.call('GET', '/icons')).status, 200);
        // A role on a profile shows that profile alone.
        const [profile] = await list(`/clusters/${id(cluster)}/cpuprofiles`, T.CpuProfile);
        await give(admin, `/cpuprofiles/${id(profile)}`, 'UserRole', plainId);
        assert.deepEqual((await list('/cpuprofiles', T.CpuProfile, plain)).map((p) => p.id), [profile.id]);
        assert.equal((await list('/diskprofiles', T.DiskProfile, plain)).length, 0);
      });
    });
  }
}
