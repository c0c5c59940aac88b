// Snapshots, previews, restores and clones move real data: a pattern written before a snapshot
// and another after must read back as each operation promises (checked with qemu-io).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, SQLITE, TestEngine } from './support/engine';
import { until } from './support/until';

const MiB = 1024 * 1024;

describe('snapshots and clones', () => {
  let t: TestEngine;
  let api: ApiClient;
  let dir: string;
  let sd: Obj;
  let vm: Obj;
  let disk: Obj;

  const volume = (d: Obj) => path.join(dir, String(sd.id), 'images', String(d.id), String(d.image_id));
  const write = (d: Obj, byte: number) =>
    execFileSync('qemu-io', ['-f', d.format === 'cow' ? 'qcow2' : 'raw', '-c', `write -P ${byte} 0 64k`, volume(d)]);
  /** Whether the disk reads `byte` over its first 64 KiB. */
  const reads = (d: Obj, byte: number) => {
    try {
      const out = execFileSync('qemu-io', ['-r', '-f', d.format === 'cow' ? 'qcow2' : 'raw', '-c', `read -P ${byte} 0 64k`, volume(d)], { encoding: 'utf8' });
      return !/Pattern verification failed/.test(out);
    } catch {
      return false;
    }
  };
  const getDisk = async () => XML.read(T.Disk, (await api.call('GET', `/disks/${disk.id}`)).text);
  const ok = async (method: string, p: string, body?: string, status = 200) => {
    const r = await api.call(method, p, body);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    return r.text;
  };

  before(async () => {
    t = await TestEngine.start(SQLITE);
    api = await ApiClient.of(t, XML);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-snap-'));
    sd = XML.read(T.StorageDomain, await ok('POST', '/storagedomains', `<storage_domain><name>snaps</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`, 201));
    const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters'));
    await ok('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>snaps</name></storage_domain>', 201);
    vm = XML.read(T.Vm, await ok('POST', '/vms', '<vm><name>snapped</name><memory>536870912</memory><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>', 201));
    const attachment = XML.read(T.DiskAttachment, await ok('POST', `/vms/${vm.id}/diskattachments`,
      `<disk_attachment><bootable>true</bootable><interface>virtio</interface><disk><name>data</name><format>raw</format><provisioned_size>${16 * MiB}</provisioned_size><storage_domains><storage_domain><name>snaps</name></storage_domain></storage_domains></disk></disk_attachment>`, 201));
    disk = XML.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`));
    await ok('POST', `/vms/${vm.id}/nics`, '<nic><name>nic1</name></nic>', 201);
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a snapshot that keeps the data of its moment', async () => {
    write(disk, 0x41);
    const listed = XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`));
    assert.deepEqual(listed.map((s) => s.snapshot_type), ['active']);
    const s1 = XML.read(T.Snapshot, await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>before</description><persist_memorystate>false</persist_memorystate></snapshot>', 201));
    assert.equal(s1.snapshot_status, 'ok');
    const now = await getDisk();
    assert.equal(now.format, 'cow', 'writes go to a qcow2 overlay');
    assert.notEqual(now.image_id, disk.image_id);
    write(now, 0x42);
    assert.ok(reads(now, 0x42));
    assert.equal(reads(now, 0x41), false, 'the check tells patterns apart');
    const frozen = XML.readList(T.DiskSnapshot, await ok('GET', `/disks/${disk.id}/disksnapshots`));
    assert.deepEqual(frozen.map((f) => f.id), [disk.image_id]);
    const jobs = XML.readList(T.Job, await ok('GET', '/jobs'));
    assert.ok(jobs.some((j) => j.description === 'Creating snapshot of VM snapped' && j.status === 'finished'));
    const captured = XML.readList(T.Disk, await ok('GET', `/vms/${vm.id}/snapshots/${s1.id}/disks`));
    assert.deepEqual(captured.map((d) => [d.id, d.image_id]), [[disk.id, disk.image_id]]);
  });

  it('previews a snapshot and undoes the preview', async () => {
    const [, s1] = XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`));
    await ok('POST', `/vms/${vm.id}/previewsnapshot`, `<action><snapshot id="${s1.id}"/></action>`);
    assert.ok(reads(await getDisk(), 0x41), 'the preview reads the snapshot');
    assert.equal(XML.read(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots/${s1.id}`)).snapshot_status, 'in_preview');
    await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>no</description></snapshot>', 409);
    await ok('POST', `/vms/${vm.id}/undosnapshot`, '<action/>');
    assert.ok(reads(await getDisk(), 0x42), 'undo brings the present back');
    await ok('POST', `/vms/${vm.id}/commitsnapshot`, '<action/>', 409);
  });

  it('restores a snapshot, dropping the snapshots after it', async () => {
    const [, s1] = XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`));
    await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>later</description></snapshot>', 201);
    write(await getDisk(), 0x43);
    await ok('POST', `/vms/${vm.id}/snapshots/${s1.id}/restore`, '<action/>');
    assert.ok(reads(await getDisk(), 0x41));
    const left = XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`));
    assert.deepEqual(left.map((s) => s.description), ['Active VM', 'before']);
    assert.equal(XML.readList(T.DiskSnapshot, await ok('GET', `/disks/${disk.id}/disksnapshots`)).length, 1);
  });

  it('removes a snapshot by merging its volume, keeping what the disk reads', async () => {
    write(await getDisk(), 0x44);
    const [active, s1] = XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`));
    await ok('DELETE', `/vms/${vm.id}/snapshots/${active.id}`, undefined, 409);
    await ok('DELETE', `/vms/${vm.id}/snapshots/${s1.id}`);
    const now = await getDisk();
    assert.ok(reads(now, 0x44));
    assert.equal(XML.readList(T.DiskSnapshot, await ok('GET', `/disks/${disk.id}/disksnapshots`)).length, 0);
    assert.equal(fs.existsSync(path.join(dir, String(sd.id), 'images', String(disk.id), String(disk.image_id))), false, 'the merged volume is gone');
    execFileSync('qemu-img', ['check', '-f', 'qcow2', volume(now)]);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', volume(now)], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.equal(info['backing-filename'], undefined, 'the disk stands alone again');
  });

  it('attaches a snapshot\'s disk to another VM, as backup software does, and keeps the snapshot until it is detached', async () => {
    const snap = XML.read(T.Snapshot, await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>for-backup</description></snapshot>', 201));
    const agent = XML.read(T.Vm, await ok('POST', '/vms', '<vm><name>agent</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>', 201));
    const attach = (inner: string, status: number) => ok('POST', `/vms/${agent.id}/diskattachments`,
      `<disk_attachment><bootable>false</bootable><interface>virtio</interface><active>true</active>${inner}</disk_attachment>`, status);
    // Without a snapshot, the disk is the data VM's own and not shareable.
    assert.match(await attach(`<disk id="${disk.id}"/>`, 409), /not shareable/);
    assert.match(await attach(`<disk id="${disk.id}"><snapshot id="00000000-0000-0000-0000-00000000beef"/></disk>`, 404), /does not exist/);
    // A snapshot that holds no volume of the disk.
    const bare = XML.read(T.Snapshot, await ok('POST', `/vms/${agent.id}/snapshots`, '<snapshot><description>bare</description></snapshot>', 201));
    assert.match(await attach(`<disk id="${disk.id}"><snapshot id="${bare.id}"/></disk>`, 400), /has no volume in snapshot bare/);
    // Nor one the VM is previewing.
    await ok('POST', `/vms/${vm.id}/previewsnapshot`, `<action><snapshot id="${snap.id}"/></action>`);
    assert.match(await attach(`<disk id="${disk.id}"><snapshot id="${snap.id}"/></disk>`, 409), /is in_preview/);
    await ok('POST', `/vms/${vm.id}/undosnapshot`, '<action/>');
    const attached = XML.read(T.DiskAttachment, await attach(`<disk id="${disk.id}"><snapshot id="${snap.id}"/></disk>`, 201));
    assert.equal((attached.disk as Obj).id, disk.id);
    assert.deepEqual(XML.readList(T.DiskAttachment, await ok('GET', `/vms/${agent.id}/diskattachments`)).map((a) => (a.disk as Obj).id), [disk.id]);
    assert.match(await ok('DELETE', `/vms/${vm.id}/snapshots/${snap.id}`, undefined, 409), /attached to other VMs/);
    // Detaching never removes the data VM's disk, even when asked to.
    await ok('DELETE', `/vms/${agent.id}/diskattachments/${disk.id}?detach_only=false`);
    assert.equal((await api.call('GET', `/disks/${disk.id}`)).status, 200);
    await ok('DELETE', `/vms/${vm.id}/snapshots/${snap.id}`);
    await until(async () => !XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`)).some((s) => s.id === snap.id));
  });

  it('clones a VM with copies of its disks and new MAC addresses', async () => {
    const r = XML.read(T.Action, await ok('POST', `/vms/${vm.id}/clone`, '<action><vm><name>twin</name></vm></action>'), 'action');
    const twin = XML.read(T.Vm, await ok('GET', `/vms/${(r.vm as Obj).id}`));
    assert.equal(twin.name, 'twin');
    assert.equal(twin.memory, 536870912);
    const [attachment] = XML.readList(T.DiskAttachment, await ok('GET', `/vms/${twin.id}/diskattachments`));
    const copy = XML.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`));
    assert.notEqual(copy.id, disk.id);
    assert.ok(reads(copy, 0x44), 'the copy reads what the original reads');
    const [nic] = XML.readList(T.Nic, await ok('GET', `/vms/${twin.id}/nics`));
    const [original] = XML.readList(T.Nic, await ok('GET', `/vms/${vm.id}/nics`));
    assert.notEqual((nic.mac as Obj).address, (original.mac as Obj).address);
    await ok('POST', `/vms/${vm.id}/clone`, '<action><vm><name>twin</name></vm></action>', 409);
  });

  it('makes a new VM from a snapshot, with its disks as the snapshot holds them, without a template', async () => {
    write(await getDisk(), 0x45);
    const snap = XML.read(T.Snapshot, await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>mysnap</description></snapshot>', 201));
    write(await getDisk(), 0x46);
    const made = XML.read(T.Vm, await ok('POST', '/vms', `<vm><name>from-snap</name><cluster><name>Default</name></cluster><snapshots><snapshot id="${snap.id}"/></snapshots></vm>`, 201));
    assert.equal(made.memory, 536870912, 'the configuration the snapshot keeps');
    const [attachment] = XML.readList(T.DiskAttachment, await ok('GET', `/vms/${made.id}/diskattachments`));
    const copy = XML.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`));
    assert.notEqual(copy.id, disk.id);
    assert.ok(reads(copy, 0x45), 'the copy holds the snapshot\'s data');
    assert.ok(reads(await getDisk(), 0x46), 'the source is untouched');
    assert.equal(XML.readList(T.Nic, await ok('GET', `/vms/${made.id}/nics`)).length, 1);
    const again = `<vm><name>from-snap</name><cluster><name>Default</name></cluster><snapshots><snapshot id="${snap.id}"/></snapshots></vm>`;
    assert.match(await ok('POST', '/vms', again, 409), /already in use/);
    // The snapshot goes, the copy stays.
    await ok('DELETE', `/vms/${vm.id}/snapshots/${snap.id}`);
    assert.ok(reads(copy, 0x45));
    // Refused: a snapshot that does not exist, neither a template nor a snapshot.
    await ok('POST', '/vms', again, 404);
    assert.match(await ok('POST', '/vms', '<vm><name>nothing</name><cluster><name>Default</name></cluster></vm>', 400), /template/);
    assert.equal((XML.readList(T.Vm, await ok('GET', '/vms?search=name%3Dnothing'))).length, 0);
  });
});
