// Snapshot, clone and transfer work on volumes (qemu-img, qemu-nbd) runs outside the database
// transaction and within the storage time bound: a volume that never answers (here a FIFO, which
// qemu-img blocks on opening) leaves the engine answering, the request gets a fault, and what the
// request changed is put back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { BACKENDS, Reply, withEngine } from '../support/engine';
import { exchange } from '../support/http';
import { until } from '../support/until';

const HEALTH = '/ovirt-engine/services/health';
const MiB = 1024 * 1024;

/** A request whose answer is watched for, not waited on. */
function pending(request: Promise<Reply>): { answer: Promise<Reply>; settled: () => boolean } {
  let done = false;
  const answer = request.finally(() => (done = true));
  return { answer, settled: () => done };
}

for (const backend of BACKENDS) describe(`security: snapshot, clone and transfer work on ${backend.name}`, () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-blocking-images-'));
  const ctx = withEngine({ backend, overrides: { storageRoots: [root] } });
  let sd: Obj;

  const ok = async (method: string, p: string, body?: string, status = 200) => {
    const r = await ctx.api.call(method, p, body);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    return r.text;
  };
  const config = () => ctx.t.engine.config as { fsTimeout: number };
  const images = () => path.join(root, 'export', String(sd.id), 'images');
  const volume = (d: Obj) => path.join(images(), String(d.id), String(d.image_id));
  const diskOf = async (id: unknown) => XML.read(T.Disk, await ok('GET', `/disks/${String(id)}`));
  const snapshotsOf = async (vm: Obj) => XML.readList(T.Snapshot, await ok('GET', `/vms/${vm.id}/snapshots`)).map((s) => s.snapshot_type);

  /**
   * Runs `work` with `file` replaced by a FIFO that no one writes: qemu-img opening it waits for
   * ever. The file is put back afterwards.
   */
  async function withHungFile<R>(file: string, work: () => Promise<R>): Promise<R> {
    fs.renameSync(file, `${file}.kept`);
    execFileSync('mkfifo', [file]);
    try {
      return await work();
    } finally {
      fs.rmSync(file, { force: true });
      fs.renameSync(`${file}.kept`, file);
    }
  }

  /** Answers `request` with the bound at `seconds`, checking the engine answers while it waits. */
  async function boundedAt(seconds: number, request: () => Promise<Reply>): Promise<Reply> {
    config().fsTimeout = seconds;
    try {
      const waiting = pending(request());
      assert.equal((await ctx.t.request('GET', HEALTH)).status, 200);
      await ok('POST', '/datacenters', `<data_center><name>meanwhile-${Date.now()}</name></data_center>`, 201);
      assert.equal(waiting.settled(), false, 'the work is still under way');
      return await waiting.answer;
    } finally {
      config().fsTimeout = 30;
    }
  }

  async function vmWithDisk(name: string): Promise<{ vm: Obj; disk: Obj }> {
    const vm = XML.read(T.Vm, await ok('POST', '/vms', `<vm><name>${name}</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>`, 201));
    const attachment = XML.read(T.DiskAttachment, await ok('POST', `/vms/${vm.id}/diskattachments`,
      `<disk_attachment><bootable>true</bootable><interface>virtio</interface><disk><name>${name}-disk</name><format>raw</format><provisioned_size>${MiB}</provisioned_size><storage_domains><storage_domain id="${sd.id}"/></storage_domains></disk></disk_attachment>`, 201));
    return { vm, disk: await diskOf((attachment.disk as Obj).id) };
  }

  before(async () => {
    const dir = path.join(root, 'export');
    fs.mkdirSync(dir);
    sd = XML.read(T.StorageDomain, await ok('POST', '/storagedomains', `<storage_domain><name>images</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`, 201));
    const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters'));
    await ok('POST', `/datacenters/${dc.id}/storagedomains`, `<storage_domain id="${sd.id}"/>`, 201);
    const host = XML.read(T.Host, await ok('POST', '/hosts', '<host><name>bh</name><address>bh.example.com</address><root_password>secret-pw</root_password></host>', 201));
    await until(async () => XML.read(T.Host, await ok('GET', `/hosts/${host.id}`)).status === 'up');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a snapshot whose overlay is late answers a fault and keeps nothing', async () => {
    const { vm, disk } = await vmWithDisk('snap-late');
    const r = await withHungFile(volume(disk), () => boundedAt(0.5, () => ctx.api.call('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>late</description></snapshot>')));
    assert.equal(r.status, 409, r.text);
    assert.match(r.text, /did not answer: taking a snapshot of VM snap-late took longer than 0.5 s/);
    assert.deepEqual(await snapshotsOf(vm), ['active'], 'no snapshot is kept');
    const now = await diskOf(disk.id);
    assert.deepEqual([now.image_id, now.format, now.backing_volume], [disk.image_id, 'raw', undefined], 'the disk is as it was');
    assert.deepEqual(XML.readList(T.DiskSnapshot, await ok('GET', `/disks/${disk.id}/disksnapshots`)), []);
    // The overlay qemu-img was stopped making goes too.
    await until(async () => fs.readdirSync(path.dirname(volume(disk))).every((f) => f === String(disk.image_id)));
    assert.equal((await ctx.api.call('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>in time</description></snapshot>')).status, 201);
  });

  it('a snapshot removal whose merge is late answers a fault and keeps the snapshot and the chain', async () => {
    const { vm, disk } = await vmWithDisk('merge-late');
    const snapshot = XML.read(T.Snapshot, await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>kept</description></snapshot>', 201));
    const top = await diskOf(disk.id);
    // The rebase reads the frozen volume through the overlay.
    const r = await withHungFile(volume(disk), () => boundedAt(0.5, () => ctx.api.call('DELETE', `/vms/${vm.id}/snapshots/${snapshot.id}`)));
    assert.equal(r.status, 409, r.text);
    assert.match(r.text, /removing a snapshot of VM merge-late took longer than 0.5 s/);
    assert.deepEqual(await snapshotsOf(vm), ['active', 'regular'], 'the snapshot stays');
    const now = await diskOf(disk.id);
    assert.equal(now.image_id, top.image_id, 'the disk is on the same overlay');
    assert.deepEqual(XML.readList(T.DiskSnapshot, await ok('GET', `/disks/${disk.id}/disksnapshots`)).map((s) => s.id), [disk.image_id]);
    assert.ok(fs.existsSync(volume(disk)), 'the frozen volume is kept');
    await ok('DELETE', `/vms/${vm.id}/snapshots/${snapshot.id}`);
    assert.equal(fs.existsSync(volume(disk)), false, 'merged away once the storage answers');
  });

  it('a clone whose copy is late answers a fault and keeps no VM and no disk', async () => {
    const { vm, disk } = await vmWithDisk('clone-late');
    const disksBefore = XML.readList(T.Disk, await ok('GET', '/disks')).length;
    const dirsBefore = fs.readdirSync(images()).sort();
    const r = await withHungFile(volume(disk), () => boundedAt(0.5, () => ctx.api.call('POST', `/vms/${vm.id}/clone`, '<action><vm><name>the-clone</name></vm></action>')));
    assert.equal(r.status, 409, r.text);
    assert.match(r.text, /cloning VM clone-late took longer than 0.5 s/);
    assert.deepEqual(XML.readList(T.Vm, await ok('GET', '/vms?search=name%3Dthe-clone')), []);
    assert.equal(XML.readList(T.Disk, await ok('GET', '/disks')).length, disksBefore, 'no disk is kept');
    // The copy qemu-img was stopped making goes too.
    await until(async () => JSON.stringify(fs.readdirSync(images()).sort()) === JSON.stringify(dirsBefore));
    assert.equal((await ctx.api.call('POST', `/vms/${vm.id}/clone`, '<action><vm><name>the-clone</name></vm></action>')).status, 200, 'cloned once the storage answers');
  });

  it('a clean-up that fails leaves the change made and a warning event naming it', async () => {
    const { vm, disk } = await vmWithDisk('cleanup');
    const snapshot = XML.read(T.Snapshot, await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>s</description></snapshot>', 201));
    await ok('POST', `/vms/${vm.id}/previewsnapshot`, `<action><snapshot id="${snapshot.id}"/></action>`);
    const previewed = await diskOf(disk.id);
    // The previewed overlay, which undoing the preview leaves, cannot be removed: a directory.
    fs.rmSync(volume(previewed));
    fs.mkdirSync(volume(previewed));
    fs.writeFileSync(path.join(volume(previewed), 'kept'), '');
    await ok('POST', `/vms/${vm.id}/undosnapshot`, '<action/>');
    assert.equal(XML.read(T.Vm, await ok('GET', `/vms/${vm.id}`)).preview, undefined, 'the preview is undone');
    const events = XML.readList(T.Event, await ok('GET', '/events?search=severity%3Dwarning'));
    const left = events.find((e) => e.code === 9500);
    assert.ok(left, 'a warning event says files stay');
    assert.match(String(left.description), /removing the volumes left by Undo a snapshot preview of VM cleanup failed/);
  });

  it('a transfer whose check is late fails, and the engine answers meanwhile', async () => {
    const made = await ok('POST', '/disks', `<disk><name>upload-late</name><format>raw</format><provisioned_size>${MiB}</provisioned_size><storage_domains><storage_domain id="${sd.id}"/></storage_domains></disk>`, 201);
    const disk = XML.read(T.Disk, made);
    const created = XML.read(T.ImageTransfer, await ok('POST', '/imagetransfers', `<image_transfer><disk id="${disk.id}"/><direction>upload</direction></image_transfer>`, 201));
    let x = created;
    await until(async () => (x = XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${created.id}`))).phase === 'transferring');
    const ca = (await ctx.t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    const put = await exchange(https.request(String(x.proxy_url), { method: 'PUT', ca, headers: { 'Content-Range': `bytes 0-${MiB - 1}/*` } }), Buffer.alloc(MiB, 7));
    assert.equal(put.status, 200, put.body.toString());
    // The upload's volume never answers from now on; the failed upload then removes it.
    fs.rmSync(volume(disk));
    execFileSync('mkfifo', [volume(disk)]);
    config().fsTimeout = 0.5;
    try {
      await ok('POST', `/imagetransfers/${created.id}/finalize`, '<action/>');
      assert.equal((await ctx.t.request('GET', HEALTH)).status, 200);
      await ok('POST', '/datacenters', '<data_center><name>during-finalize</name></data_center>', 201);
      await until(async () => (x = XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${created.id}`))).phase === 'finished_failure');
    } finally {
      config().fsTimeout = 30;
    }
    const events = XML.readList(T.Event, await ok('GET', '/events?search=severity%3Derror'));
    assert.ok(events.some((e) => /Upload to disk upload-late failed: The storage did not answer: finalizing success of transfer .* took longer than 0.5 s/.test(String(e.description))), 'the failure names the late step');
    assert.equal((await ctx.api.call('GET', `/disks/${disk.id}`)).status, 404, 'the failed upload removes its disk');
  });
});
