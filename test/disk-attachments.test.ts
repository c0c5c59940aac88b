// Attaching disks to VMs: an existing disk needs the attach_disk permit on itself besides the
// VM's configure_vm_storage, as in oVirt; a disk made with the attachment needs none of its own.
// A disk is attached to a VM once, which the store's key holds too. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, TestEngine } from './support/engine';
import { Repo } from '../services/store/repo';
import { localDataDomains } from './support/domains';
import { restCalls } from './support/rest';
import { addUser, clientOf, give } from './support/users';

const MiB = 1024 * 1024;

for (const backend of BACKENDS) {
  describe(`disk attachments on ${backend.name}`, () => {
    let t: TestEngine;
    let api: ApiClient;
    let dir: string;
    let sd: Obj;
    const admin = restCalls(() => api);

    before(async () => {
      t = await TestEngine.start(backend);
      api = await ApiClient.of(t, XML);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-attach-'));
      ({ one: sd } = await localDataDomains(api, XML, dir, ['one']));
    });
    after(async () => {
      await t?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const newVm = (name: string) => admin.post('/vms', T.Vm, { name, cluster: { name: 'Default' }, template: { name: 'Blank' } });
    const newDisk = (name: string) => ({ name, format: 'cow', provisioned_size: MiB, storage_domains: [{ id: sd.id }] });
    const attachedTo = async (vm: Obj) => (await admin.list(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment)).map((a) => (a.disk as Obj).id);

    /** A user with UserVmManager on `vm` alone, and its calls. */
    const managerOf = async (vm: Obj, login: string) => {
      const id = await addUser(api, login, `${login}-pw-1`);
      await give(api, `/vms/${String(vm.id)}`, 'UserVmManager', id);
      const client = await clientOf(t, `${login}@internal`, `${login}-pw-1`);
      return { id, calls: restCalls(() => client) };
    };

    it('attaches an existing disk only for a user with attach_disk on the disk', async () => {
      const vm = await newVm('attaching');
      const disk = await admin.post('/disks', T.Disk, newDisk('floating'));
      const { id: userId, calls: user } = await managerOf(vm, 'attacher');
      const attachment = { interface: 'virtio', disk: { id: disk.id } };
      const refused = await user.post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, attachment, 403);
      assert.match(String(refused.detail), /attach_disk/);
      assert.deepEqual(await attachedTo(vm), [], 'nothing changed');
      // A disk made with the attachment is the user's own.
      const made = await user.post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, { interface: 'virtio', disk: newDisk('made') });
      await give(api, `/disks/${String(disk.id)}`, 'DiskOperator', userId);
      await user.post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, attachment);
      assert.deepEqual((await attachedTo(vm)).sort(), [(made.disk as Obj).id, disk.id].sort());
    });

    it('attaches a snapshot of a disk only for a user with attach_disk on the disk', async () => {
      const source = await newVm('snapped');
      const made = await admin.post(`/vms/${String(source.id)}/diskattachments`, T.DiskAttachment, { interface: 'virtio', disk: newDisk('snapped-disk') });
      const snapshot = await admin.post(`/vms/${String(source.id)}/snapshots`, T.Snapshot, { description: 'for-backup' });
      const agent = await newVm('agent');
      const { id: userId, calls: user } = await managerOf(agent, 'backer');
      const diskId = (made.disk as Obj).id;
      const attachment = { interface: 'virtio', disk: { id: diskId, snapshot: { id: snapshot.id } } };
      assert.match(String((await user.post(`/vms/${String(agent.id)}/diskattachments`, T.DiskAttachment, attachment, 403)).detail), /attach_disk/);
      assert.deepEqual(await attachedTo(agent), [], 'nothing changed');
      await give(api, `/disks/${String(diskId)}`, 'DiskOperator', userId);
      await user.post(`/vms/${String(agent.id)}/diskattachments`, T.DiskAttachment, attachment);
      assert.deepEqual(await attachedTo(agent), [diskId]);
    });

    it('attaches a disk to a VM once, as the store\'s key holds too', async () => {
      const vm = await newVm('once');
      const disk = await admin.post('/disks', T.Disk, newDisk('once-disk'));
      const attachment = { interface: 'virtio', disk: { id: disk.id } };
      await admin.post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, attachment);
      const again = await admin.post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, attachment, 409);
      assert.match(String(again.detail), /already attached to this virtual machine/);
      // The attachment has no template: its NULL must not let the key pass a second row.
      const repo = new Repo(t.engine.db);
      await assert.rejects(repo.insert(T.DiskAttachment, { id: String(disk.id), disk: { id: String(disk.id) }, vm: { id: String(vm.id) }, interface: 'virtio' }));
      assert.deepEqual(await attachedTo(vm), [disk.id], 'nothing changed');
    });
  });
}
