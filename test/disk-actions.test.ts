// Disk actions: copy to a domain (snapshots collapsed), move (not with snapshots), convert the
// format and allocation, sparsify; each refused while a VM using the disk runs, and a refusal
// changes nothing. Also a domain's disk snapshots, `isattached` and a disk's statistics; on
// SQLite and PostgreSQL, in XML and JSON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { until } from './support/until';
import { localDataDomains, volumeFileOf } from './support/domains';
import { restCalls } from './support/rest';
import { addUser, clientOf, give } from './support/users';

const MiB = 1024 * 1024;
const qemuInfo = (file: string) => JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', file], { encoding: 'utf8' })) as Record<string, unknown>;

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`disk actions on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let dir: string;
      const domains: Record<string, Obj> = {};

      const { send, get, act } = restCalls(() => api);
      const fileOf = (disk: Obj) => volumeFileOf(dir, domains, disk);
      const newDisk = (name: string, diskFormat: string, sparse = true) =>
        send('POST', '/disks', T.Disk, { name, format: diskFormat, sparse, provisioned_size: 4 * MiB, storage_domains: [{ id: domains.one.id }] }, 201);
      const getDisk = (id: unknown) => get(`/disks/${String(id)}`, T.Disk);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-disk-actions-'));
        Object.assign(domains, await localDataDomains(api, format, dir, ['one', 'two']));
      });
      after(async () => {
        await t?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it('copies a disk to another domain, with what it reads, under a new id', async () => {
        const disk = await newDisk('source', 'cow');
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', fileOf(disk)]);
        const done = await act(`/disks/${disk.id}`, 'copy', { storage_domain: { name: 'two' }, disk: { name: 'copied' } });
        const copy = await getDisk((done.disk as Obj).id);
        assert.notEqual(copy.id, disk.id);
        assert.equal(copy.name, 'copied');
        assert.equal(((copy.storage_domains as Obj[])[0]).id, domains.two.id);
        await until(async () => fs.existsSync(fileOf(copy)));
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 0 1M', fileOf(copy)]);
        assert.ok(fs.existsSync(fileOf(disk)), 'the source stays');
      });

      it('moves a disk to another domain, and refuses the domain it is on and an inactive or unknown one', async () => {
        const disk = await newDisk('moving', 'raw');
        const before = fileOf(disk);
        assert.match(String((await act(`/disks/${disk.id}`, 'move', { storage_domain: { name: 'one' } }, 409)).detail), /already on storage domain one/);
        await act(`/disks/${disk.id}`, 'move', { storage_domain: { name: 'nowhere' } }, 404);
        await act(`/disks/${disk.id}`, 'move', { storage_domain: { name: 'two' } });
        const moved = await getDisk(disk.id);
        assert.equal(((moved.storage_domains as Obj[])[0]).id, domains.two.id);
        assert.equal(moved.image_id, disk.image_id);
        assert.ok(fs.existsSync(fileOf(moved)));
        await until(async () => !fs.existsSync(before));
      });

      it('refuses to move a disk with snapshots, or any action while its VM runs', async () => {
        const vm = await send('POST', '/vms', T.Vm, { name: `busy-${format.name}`, cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        const attachment = await send('POST', `/vms/${vm.id}/diskattachments`, T.DiskAttachment,
          { bootable: true, interface: 'virtio', disk: { name: 'busy', format: 'cow', provisioned_size: 4 * MiB, storage_domains: [{ id: domains.one.id }] } }, 201);
        const diskId = (attachment.disk as Obj).id;
        await send('POST', `/vms/${vm.id}/snapshots`, T.Snapshot, { description: 'kept' }, 201);
        assert.match(String((await act(`/disks/${diskId}`, 'move', { storage_domain: { name: 'two' } }, 409)).detail), /has snapshots/);
        assert.match(String((await act(`/disks/${diskId}`, 'convert', { disk: { format: 'raw' } }, 409)).detail), /has snapshots/);
        // A VM that is not down holds its disks.
        const host = await send('POST', '/hosts', T.Host, { name: `h-${format.name}`, address: `h-${format.name}.example.com`, root_password: 'secret-pw' }, 201);
        await until(async () => (await get(`/hosts/${host.id}`, T.Host)).status === 'up');
        await act(`/vms/${vm.id}`, 'start', {});
        await until(async () => (await get(`/vms/${vm.id}`, T.Vm)).status === 'up');
        assert.match(String((await act(`/disks/${diskId}`, 'copy', { storage_domain: { name: 'two' } }, 409)).detail), /VM busy-\w+ is up/);
        assert.match(String((await act(`/disks/${diskId}`, 'sparsify', {}, 409)).detail), /is up/);
        await act(`/vms/${vm.id}`, 'stop', {});
        // The domain lists the snapshot volumes of its disks; the other domain has none of them.
        const frozen = format.readList(T.DiskSnapshot, (await api.call('GET', `/storagedomains/${domains.one.id}/disksnapshots`)).text);
        assert.ok(frozen.some((v) => (v.disk as Obj).id === diskId));
        const other = format.readList(T.DiskSnapshot, (await api.call('GET', `/storagedomains/${domains.two.id}/disksnapshots`)).text);
        assert.equal(other.some((v) => (v.disk as Obj).id === diskId), false);
        assert.equal((await api.call('GET', `/storagedomains/${domains.one.id}/disksnapshots/${String(frozen[0].id)}`)).status, 200);
        assert.equal((await api.call('GET', `/storagedomains/${domains.two.id}/disksnapshots/${String(frozen[0].id)}`)).status, 404);
        assert.equal(((await getDisk(diskId)).storage_domains as Obj[])[0].id, domains.one.id, 'nothing changed');
      });

      const xmlAdmin = () => new ApiClient(t, FORMATS[0], api.token);
      it('lists a domain\'s snapshot volumes in the user view only to users who see the domain', async () => {
        const vm = await send('POST', '/vms', T.Vm, { name: `seen-${format.name}`, cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        const attach = (name: string) => send('POST', `/vms/${vm.id}/diskattachments`, T.DiskAttachment,
          { bootable: false, interface: 'virtio', disk: { name, format: 'cow', provisioned_size: 4 * MiB, storage_domains: [{ id: domains.one.id }] } }, 201);
        const seen = (await attach(`seen-disk-${format.name}`)).disk as Obj;
        await attach(`other-disk-${format.name}`);
        await send('POST', `/vms/${vm.id}/snapshots`, T.Snapshot, { description: 'both' }, 201);
        const login = `snap-viewer-${format.name.toLowerCase()}`;
        const userId = await addUser(xmlAdmin(), login, 'viewer-pw-1');
        await give(xmlAdmin(), `/disks/${String(seen.id)}`, 'DiskOperator', userId);
        const user = await clientOf(t, `${login}@internal`, 'viewer-pw-1');
        const volumes = async (p: string) => {
          const r = await user.call('GET', p);
          assert.equal(r.status, 200, r.text);
          return user.format.readList(T.DiskSnapshot, r.text).map((v) => (v.disk as Obj).id);
        };
        // A role on a disk shows the disk's own volumes, not the domain's list, which is seen as the domain is.
        assert.ok((await volumes(`/disks/${String(seen.id)}/disksnapshots`)).length > 0);
        assert.deepEqual(await volumes(`/storagedomains/${domains.one.id}/disksnapshots`), []);
        const admin = format.readList(T.DiskSnapshot, (await api.call('GET', `/storagedomains/${domains.one.id}/disksnapshots`)).text);
        assert.equal((await user.call('GET', `/storagedomains/${domains.one.id}/disksnapshots/${String(admin[0].id)}`)).status, 404);
        await give(xmlAdmin(), `/storagedomains/${domains.one.id}`, 'UserRole', userId);
        assert.equal((await volumes(`/storagedomains/${domains.one.id}/disksnapshots`)).length, admin.length);
      });

      it('converts a disk between qcow2 and raw, thin and preallocated', async () => {
        const disk = await newDisk('converting', 'cow');
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x21 0 64k', fileOf(disk)]);
        await act(`/disks/${disk.id}`, 'convert', { disk: { format: 'raw', sparse: false } });
        const raw = await getDisk(disk.id);
        assert.equal(raw.format, 'raw');
        assert.equal(raw.sparse, false);
        assert.notEqual(raw.image_id, disk.image_id);
        assert.equal(qemuInfo(fileOf(raw)).format, 'raw');
        execFileSync('qemu-io', ['-f', 'raw', '-c', 'read -P 0x21 0 64k', fileOf(raw)]);
        assert.ok(fs.statSync(fileOf(raw)).blocks * 512 >= 4 * MiB, 'preallocated');
        await until(async () => !fs.existsSync(fileOf(disk)));
        assert.match(String((await act(`/disks/${disk.id}`, 'convert', { disk: { format: 'raw', sparse: false } }, 409)).detail), /already has/);
        await act(`/disks/${disk.id}`, 'convert', { disk: { format: 'cow', sparse: false } }, 400);
        await act(`/disks/${disk.id}`, 'convert', {}, 400);
        await act(`/disks/${disk.id}`, 'convert', { disk: { format: 'cow' } });
        assert.equal(qemuInfo(fileOf(await getDisk(disk.id))).format, 'qcow2');
      });

      it('tells whether a domain is attached, and serves a disk\'s I/O figures', async () => {
        assert.equal((await act(`/storagedomains/${domains.one.id}`, 'isattached', {})).is_attached, true);
        fs.mkdirSync(path.join(dir, 'loose'));
        const loose = await send('POST', '/storagedomains', T.StorageDomain, { name: 'loose', type: 'data', storage: { type: 'localfs', path: path.join(dir, 'loose') } }, 201);
        assert.equal((await act(`/storagedomains/${loose.id}`, 'isattached', {})).is_attached, false);
        const disk = await newDisk('measured', 'raw');
        const figures = format.readList(T.Statistic, (await api.call('GET', `/disks/${disk.id}/statistics`)).text);
        assert.deepEqual(figures.map((f) => f.name).sort(), ['data.current.read', 'data.current.write', 'disk.flush.latency', 'disk.read.latency', 'disk.write.latency']);
        assert.ok(figures.every((f) => (f.disk as Obj).id === disk.id));
        assert.equal((await api.call('GET', `/disks/${disk.id}/statistics/${String(figures[0].id)}`)).status, 200);
        assert.equal((await api.call('GET', '/disks/11111111-1111-1111-1111-111111111111/statistics')).status, 404);
      });

      it('sparsifies a thin disk and refuses a preallocated one', async () => {
        const disk = await newDisk('zeros', 'raw');
        const file = fileOf(disk);
        fs.writeFileSync(file, Buffer.alloc(4 * MiB));
        assert.ok(fs.statSync(file).blocks * 512 >= 4 * MiB);
        await act(`/disks/${disk.id}`, 'sparsify', {});
        assert.ok(fs.statSync(file).blocks * 512 < MiB, 'the zeros are given back');
        const thick = await newDisk('thick', 'raw', false);
        assert.match(String((await act(`/disks/${thick.id}`, 'sparsify', {}, 409)).detail), /preallocated/);
      });

      it('refuses to reduce a disk as oVirt refuses it on file domains, and a shareable one first', async () => {
        const disk = await newDisk('reduced', 'cow');
        const before = fs.readFileSync(fileOf(disk));
        assert.match(String((await act(`/disks/${disk.id}`, 'reduce', {}, 409)).detail), /isn't required for file based domains/);
        assert.deepEqual(fs.readFileSync(fileOf(disk)), before, 'the image is unchanged');
        const shared = await send('POST', '/disks', T.Disk,
          { name: 'reduced-shared', format: 'raw', sparse: false, shareable: true, provisioned_size: MiB, storage_domains: [{ id: domains.one.id }] }, 201);
        assert.match(String((await act(`/disks/${shared.id}`, 'reduce', {}, 409)).detail), /shareable/);
        await act('/disks/00000000-0000-0000-0000-00000000abcd', 'reduce', {}, 404);
      });
    });
  }
}
