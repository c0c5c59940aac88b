// VM backups and checkpoints: a full backup of a down VM's qcow2 disk, data written through an
// upload transfer, then an incremental backup whose dirty extents cover exactly the written
// ranges (to the bitmap's granularity) and whose data applied on the full one restores the disk
// (checked with qemu-img compare); the chain's refusals, checkpoint removal, and a backup left
// unfinished timing out. On SQLite and PostgreSQL, in XML and JSON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { StructType } from '../model/meta';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine, withEngine } from './support/engine';
import { restCalls } from './support/rest';
import { exchange } from './support/http';
import { until } from './support/until';
import { bitmapsOf } from '../services/bitmaps';
import { StoredBackup } from '../services/backups';
import { Repo } from '../services/store/repo';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZE = 16 * MiB;
/** qemu-img's default bitmap granularity. */
const GRANULARITY = 64 * KiB;

type Dirty = { start: number; length: number; dirty: boolean; zero: boolean };

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`VM backups on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let ca: string;
      let dir: string;
      let sd: Obj;
      let other: Obj;
      let otherDir: string;
      let host: Obj;

      const { send, get, list } = restCalls(() => api);
      const act = (p: string, name: string, status = 200) =>
        api.call('POST', `${p}/${name}`, format.write(T.Action, {})).then((r) => assert.equal(r.status, status, `${name}: ${r.text}`));
      const image = (method: string, url: string, o: { headers?: Record<string, string>; body?: Buffer | string } = {}) =>
        exchange(https.request(url, { method, ca, headers: o.headers }), o.body);
      const fileOf = (disk: Obj) => path.join(dir, String(sd.id), 'images', String(disk.id), String(disk.image_id));

      /** Waits for `p` to answer an object whose `key` is `wanted`. */
      const reach = async (p: string, type: StructType, key: string, wanted: string) => {
        let now: Obj = {};
        try {
          await until(async () => (now = await send('GET', p, type, undefined, 200))[key] === wanted);
        } catch {
          assert.fail(`${p} stayed ${String(now[key])}, waiting for ${wanted}`);
        }
        return now;
      };
      const transfer = async (body: Obj) => {
        const created = await send('POST', '/imagetransfers', T.ImageTransfer, { format: 'raw', ...body }, 201);
        return reach(`/imagetransfers/${String(created.id)}`, T.ImageTransfer, 'phase', 'transferring');
      };
      const endTransfer = async (x: Obj) => {
        await act(`/imagetransfers/${String(x.id)}`, 'finalize');
        await reach(`/imagetransfers/${String(x.id)}`, T.ImageTransfer, 'phase', 'finished_success');
      };
      const startBackup = async (vm: Obj, disks: Obj[], extra: Obj = {}) => {
        const created = await send('POST', `/vms/${String(vm.id)}/backups`, T.Backup, { disks: disks.map((d) => ({ id: d.id })), ...extra }, 201);
        assert.equal(created.phase, 'initializing');
        return reach(`/vms/${String(vm.id)}/backups/${String(created.id)}`, T.Backup, 'phase', 'ready');
      };
      const endBackup = async (vm: Obj, backup: Obj) => {
        await act(`/vms/${String(vm.id)}/backups/${String(backup.id)}`, 'finalize');
        return reach(`/vms/${String(vm.id)}/backups/${String(backup.id)}`, T.Backup, 'phase', 'succeeded');
      };
      const extents = async (x: Obj, context: string) => {
        const r = await image('GET', `${String(x.proxy_url)}/extents?context=${context}`);
        return { status: r.status, list: r.status === 200 ? (JSON.parse(r.body.toString()) as Dirty[]) : [] };
      };
      const read = async (x: Obj, start: number, length: number) => {
        const r = await image('GET', String(x.proxy_url), { headers: { Range: `bytes=${start}-${start + length - 1}` } });
        assert.equal(r.status, 206);
        return r.body;
      };
      /** Writes the dirty ranges an incremental backup's transfer reads over the full image, then ends the transfer. */
      const restore = async (x: Obj, dirty: { start: number; length: number }[], file: string) => {
        const fd = fs.openSync(file, 'r+');
        try {
          for (const e of dirty) fs.writeSync(fd, await read(x, e.start, e.length), 0, e.length, e.start);
        } finally {
          fs.closeSync(fd);
        }
        await endTransfer(x);
      };
      /** A down VM with a qcow2 disk that keeps checkpoints, holding some data. */
      const vmWithDisk = async (name: string, backup: 'incremental' | 'none' = 'incremental') => {
        const vm = await send('POST', '/vms', T.Vm, { name: `${name}-${format.name}`, cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        const attachment = await send('POST', `/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
          bootable: true, interface: 'virtio',
          disk: { name: `${name}-disk-${format.name}`, format: 'cow', backup, provisioned_size: SIZE, storage_domains: [{ id: sd.id }] },
        }, 201);
        const disk = await reach(`/disks/${String((attachment.disk as Obj).id)}`, T.Disk, 'status', 'ok');
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x11 0 3M', '-c', 'write -P 0x22 9M 2M', fileOf(disk)]);
        return { vm, disk };
      };

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-backups-'));
        sd = await send('POST', '/storagedomains', T.StorageDomain, { name: 'backups', type: 'data', storage: { type: 'localfs', path: dir } }, 201);
        const [dc] = await list('/datacenters?search=name%3DDefault', T.DataCenter);
        await send('POST', `/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: sd.id }, 201);
        otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-backups-'));
        other = await send('POST', '/storagedomains', T.StorageDomain, { name: 'elsewhere', type: 'data', storage: { type: 'localfs', path: otherDir } }, 201);
        await send('POST', `/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: other.id }, 201);
        host = await send('POST', '/hosts', T.Host, { name: 'bh', address: 'bh.example.com', root_password: 'secret-pw' }, 201);
        await reach(`/hosts/${String(host.id)}`, T.Host, 'status', 'up');
      });
      after(async () => {
        await t?.stop();
        for (const d of [dir, otherDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
      });

      it('backs up a disk in full, then incrementally only the ranges an upload wrote, and both restore the disk', async () => {
        const { vm, disk } = await vmWithDisk('inc');
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-restore-'));
        try {
          // Full: the whole disk through a backup transfer; the disk is the backup's meanwhile.
          const full = await startBackup(vm, [disk]);
          const checkpoint = String(full.to_checkpoint_id);
          assert.ok(checkpoint.length > 0, 'the backup makes a checkpoint');
          assert.equal((full.host as Obj).id, host.id, 'the host that serves it');
          assert.equal(full.from_checkpoint_id, undefined);
          const [fullDisk] = await list(`/vms/${String(vm.id)}/backups/${String(full.id)}/disks`, T.Disk);
          assert.equal(fullDisk.backup_mode, 'full');
          assert.equal((await get(`/disks/${String(disk.id)}`, T.Disk)).status, 'locked');
          assert.deepEqual(await bitmapsOf(fileOf(disk)), [checkpoint]);
          const whole = await transfer({ disk: { id: disk.id }, direction: 'download', backup: { id: full.id } });
          assert.equal((await extents(whole, 'dirty')).status, 404, 'a full backup has no dirty extents');
          const fullImage = path.join(work, 'full.raw');
          fs.writeFileSync(fullImage, await read(whole, 0, SIZE));
          await endTransfer(whole);
          assert.equal((await get(`/disks/${String(disk.id)}`, T.Disk)).status, 'locked', 'the backup still holds the disk');
          await endBackup(vm, full);
          assert.equal((await get(`/disks/${String(disk.id)}`, T.Disk)).status, 'ok');
          const [kept] = await list(`/vms/${String(vm.id)}/checkpoints`, T.Checkpoint);
          assert.equal(kept.id, checkpoint);
          assert.equal(kept.state, 'created');
          assert.deepEqual((await list(`/vms/${String(vm.id)}/checkpoints/${checkpoint}/disks`, T.Disk)).map((d) => d.id), [disk.id]);

          // Writes through an upload, one of them not aligned to the bitmap's granularity.
          const writes = [{ start: 1 * MiB, length: 64 * KiB }, { start: 6 * MiB + 4 * KiB, length: 100 * KiB }, { start: 13 * MiB, length: 1 * MiB }];
          const up = await transfer({ disk: { id: disk.id }, direction: 'upload' });
          for (const w of writes) {
            const r = await image('PUT', String(up.proxy_url), { body: randomBytes(w.length), headers: { 'Content-Range': `bytes ${w.start}-${w.start + w.length - 1}/*` } });
            assert.equal(r.status, 200, r.body.toString());
          }
          await endTransfer(up);
          await reach(`/disks/${String(disk.id)}`, T.Disk, 'status', 'ok');

          // Incremental: dirty extents are the written ranges, rounded out to the granularity.
          const inc = await startBackup(vm, [disk], { from_checkpoint_id: checkpoint });
          assert.equal(inc.from_checkpoint_id, checkpoint);
          const [incDisk] = await list(`/vms/${String(vm.id)}/backups/${String(inc.id)}/disks`, T.Disk);
          assert.equal(incDisk.backup_mode, 'incremental');
          const changed = await transfer({ disk: { id: disk.id }, direction: 'download', backup: { id: inc.id } });
          const { status, list: map } = await extents(changed, 'dirty');
          assert.equal(status, 200);
          assert.equal(map[0].start, 0);
          map.forEach((e, i) => i > 0 && assert.equal(e.start, map[i - 1].start + map[i - 1].length, 'contiguous'));
          assert.equal(map[map.length - 1].start + map[map.length - 1].length, SIZE);
          const dirty = map.filter((e) => e.dirty).map((e) => ({ start: e.start, length: e.length }));
          const expected = writes.map((w) => {
            const start = Math.floor(w.start / GRANULARITY) * GRANULARITY;
            return { start, length: Math.ceil((w.start + w.length) / GRANULARITY) * GRANULARITY - start };
          });
          assert.deepEqual(dirty, expected);
          // The full image with the dirty ranges written over it is the disk.
          await restore(changed, dirty, fullImage);
          await endBackup(vm, inc);
          execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', fullImage, fileOf(disk)]);

          const checkpoints = await list(`/vms/${String(vm.id)}/checkpoints`, T.Checkpoint);
          assert.deepEqual(checkpoints.map((c) => c.id), [checkpoint, inc.to_checkpoint_id]);
          assert.equal(checkpoints[1].parent_id, checkpoint);
          assert.deepEqual((await bitmapsOf(fileOf(disk))).sort(), [checkpoint, String(inc.to_checkpoint_id)].sort());
        } finally {
          fs.rmSync(work, { recursive: true, force: true });
        }
      });

      it('refuses what breaks the chain, and removes checkpoints oldest first with their bitmaps', async () => {
        const { vm, disk } = await vmWithDisk('chain');
        const other = await vmWithDisk('other');
        const backups = `/vms/${String(vm.id)}/backups`;
        const refused = async (body: Obj, status: number, detail: RegExp) => {
          const fault = await send('POST', backups, T.Backup, body, status);
          assert.match(String(fault.detail), detail);
        };
        await refused({ disks: [{ id: disk.id }], from_checkpoint_id: '6e0c5bd4-0000-4000-8000-000000000000' }, 400, /Checkpoint .* does not exist/);
        await refused({ disks: [{ id: other.disk.id }] }, 400, /is not attached to VM/);
        await refused({ id: 'not-a-uuid', disks: [{ id: disk.id }] }, 400, /must be a UUID/);
        await refused({ to_checkpoint_id: '../escape', disks: [{ id: disk.id }] }, 400, /must be a UUID/);
        const first = await startBackup(vm, [disk]);
        // One backup at a time, its disks locked to anything else.
        await refused({ disks: [{ id: disk.id }] }, 409, /is in progress/);
        const taken = await send('POST', `/vms/${String(other.vm.id)}/backups`, T.Backup, { id: first.id, disks: [{ id: other.disk.id }] }, 409);
        assert.match(String(taken.detail), /already in use/);
        const fault = await send('POST', '/imagetransfers', T.ImageTransfer, { disk: { id: disk.id }, direction: 'download', format: 'raw' }, 409);
        assert.match(String(fault.detail), /locked/);
        const upload = await send('POST', '/imagetransfers', T.ImageTransfer, { disk: { id: disk.id }, direction: 'upload', backup: { id: first.id } }, 400);
        assert.match(String(upload.detail), /can only be downloaded/);
        const notIn = await send('POST', '/imagetransfers', T.ImageTransfer, { disk: { id: other.disk.id }, direction: 'download', backup: { id: first.id } }, 400);
        assert.match(String(notIn.detail), /is not in backup/);
        // Nothing changes the VM's disks under its backup.
        const during = async (method: string, p: string, body: string | undefined) => {
          const r = await api.call(method, p, body);
          assert.equal(r.status, 409, r.text);
          assert.match(r.text, /during backup/);
        };
        await during('POST', `/vms/${String(vm.id)}/start`, format.write(T.Action, {}));
        await during('POST', `/vms/${String(vm.id)}/snapshots`, format.write(T.Snapshot, { description: 'under a backup' }));
        await during('DELETE', `/vms/${String(vm.id)}`, undefined);
        await endBackup(vm, first);
        await act(`${backups}/${String(first.id)}`, 'finalize');
        // A finished backup serves no transfer.
        const late = await send('POST', '/imagetransfers', T.ImageTransfer, { disk: { id: disk.id }, direction: 'download', backup: { id: first.id } }, 409);
        assert.match(String(late.detail), /not ready/);
        const second = await endBackup(vm, await startBackup(vm, [disk], { from_checkpoint_id: first.to_checkpoint_id }));

        // A checkpoint of another VM does not start this VM's chain.
        const theirs = await endBackup(other.vm, await startBackup(other.vm, [other.disk]));
        await refused({ disks: [{ id: disk.id }], from_checkpoint_id: theirs.to_checkpoint_id }, 400, /does not exist/);

        const checkpoints = `/vms/${String(vm.id)}/checkpoints`;
        const newer = await api.call('DELETE', `${checkpoints}/${String(second.to_checkpoint_id)}`);
        assert.equal(newer.status, 409, newer.text);
        assert.match(newer.text, /oldest/);
        assert.equal((await api.call('DELETE', `${checkpoints}/${String(first.to_checkpoint_id)}`)).status, 200);
        await until(async () => !(await bitmapsOf(fileOf(disk))).includes(String(first.to_checkpoint_id)));
        const [left] = await list(checkpoints, T.Checkpoint);
        assert.equal(left.id, second.to_checkpoint_id);
        assert.equal(left.parent_id, undefined, 'the oldest left has no parent');
        assert.equal((await api.call('GET', `${checkpoints}/${String(first.to_checkpoint_id)}`)).status, 404);
        // The removed checkpoint starts no backup; the one left does.
        await refused({ disks: [{ id: disk.id }], from_checkpoint_id: first.to_checkpoint_id }, 400, /does not exist/);
        await endBackup(vm, await startBackup(vm, [disk], { from_checkpoint_id: second.to_checkpoint_id }));
      });

      it('backs up in full a disk that was not in the checkpoint, the others incrementally', async () => {
        const { vm, disk } = await vmWithDisk('mixed');
        const full = await endBackup(vm, await startBackup(vm, [disk]));
        const added = await send('POST', `/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
          bootable: false, interface: 'virtio', disk: { name: `mixed-new-${format.name}`, format: 'cow', backup: 'incremental', provisioned_size: SIZE, storage_domains: [{ id: sd.id }] },
        }, 201);
        const later = await reach(`/disks/${String((added.disk as Obj).id)}`, T.Disk, 'status', 'ok');
        const inc = await startBackup(vm, [disk, later], { from_checkpoint_id: full.to_checkpoint_id });
        const modes = (await list(`/vms/${String(vm.id)}/backups/${String(inc.id)}/disks`, T.Disk)).map((d) => [d.id, d.backup_mode]);
        assert.deepEqual(modes.sort(), [[disk.id, 'incremental'], [later.id, 'full']].sort());
        await endBackup(vm, inc);
        const [, next] = await list(`/vms/${String(vm.id)}/checkpoints`, T.Checkpoint);
        assert.deepEqual((await list(`/vms/${String(vm.id)}/checkpoints/${String(next.id)}/disks`, T.Disk)).map((d) => d.id).sort(), [disk.id, later.id].sort());
      });

      it('backs up incrementally across a snapshot, merging the bitmaps of the chain\'s layers', async () => {
        const { vm, disk } = await vmWithDisk('layers');
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-restore-'));
        try {
          const full = await startBackup(vm, [disk]);
          const checkpoint = String(full.to_checkpoint_id);
          const whole = await transfer({ disk: { id: disk.id }, direction: 'download', backup: { id: full.id } });
          const restored = path.join(work, 'full.raw');
          fs.writeFileSync(restored, await read(whole, 0, SIZE));
          await endTransfer(whole);
          await endBackup(vm, full);
          // One write before the snapshot, in the volume it freezes; one after, in the new one.
          execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x77 ${2 * MiB} ${64 * KiB}`, fileOf(disk)]);
          await send('POST', `/vms/${String(vm.id)}/snapshots`, T.Snapshot, { description: 'between' }, 201);
          const layered = await until(async () => (await get(`/disks/${String(disk.id)}`, T.Disk)).image_id !== disk.image_id)
            .then(() => reach(`/disks/${String(disk.id)}`, T.Disk, 'status', 'ok'));
          assert.deepEqual(await bitmapsOf(fileOf(layered)), [checkpoint], 'the new volume marks the writes since the checkpoint');
          const up = await transfer({ disk: { id: disk.id }, direction: 'upload' });
          const r = await image('PUT', String(up.proxy_url), { body: randomBytes(128 * KiB), headers: { 'Content-Range': `bytes ${7 * MiB}-${7 * MiB + 128 * KiB - 1}/*` } });
          assert.equal(r.status, 200, r.body.toString());
          await endTransfer(up);
          await reach(`/disks/${String(disk.id)}`, T.Disk, 'status', 'ok');

          const inc = await startBackup(vm, [disk], { from_checkpoint_id: checkpoint });
          const [incDisk] = await list(`/vms/${String(vm.id)}/backups/${String(inc.id)}/disks`, T.Disk);
          assert.equal(incDisk.backup_mode, 'incremental');
          const changed = await transfer({ disk: { id: disk.id }, direction: 'download', backup: { id: inc.id } });
          const dirty = (await extents(changed, 'dirty')).list.filter((e) => e.dirty);
          assert.deepEqual(dirty.map((e) => [e.start, e.length]), [[2 * MiB, 64 * KiB], [7 * MiB, 128 * KiB]]);
          await restore(changed, dirty, restored);
          await endBackup(vm, inc);
          execFileSync('qemu-img', ['compare', '-q', '-U', '-f', 'raw', '-F', 'qcow2', restored, fileOf(layered)]);
          // The checkpoint goes from every layer.
          assert.equal((await api.call('DELETE', `/vms/${String(vm.id)}/checkpoints/${checkpoint}`)).status, 200);
          await until(async () => !(await bitmapsOf(fileOf(layered))).includes(checkpoint) && !(await bitmapsOf(fileOf(disk))).includes(checkpoint));
        } finally {
          fs.rmSync(work, { recursive: true, force: true });
        }
      });

      it('invalidates the checkpoints of a VM brought back to a snapshot, as oVirt does', async () => {
        const { vm, disk } = await vmWithDisk('restored');
        await send('POST', `/vms/${String(vm.id)}/snapshots`, T.Snapshot, { description: 'before' }, 201);
        const [snapshot] = (await list(`/vms/${String(vm.id)}/snapshots`, T.Snapshot)).filter((x) => x.description === 'before');
        await reach(`/vms/${String(vm.id)}/snapshots/${String(snapshot.id)}`, T.Snapshot, 'snapshot_status', 'ok');
        const backup = await endBackup(vm, await startBackup(vm, [disk]));
        await act(`/vms/${String(vm.id)}/snapshots/${String(snapshot.id)}`, 'restore');
        const [checkpoint] = await list(`/vms/${String(vm.id)}/checkpoints`, T.Checkpoint);
        assert.equal(checkpoint.state, 'invalid');
        const fault = await send('POST', `/vms/${String(vm.id)}/backups`, T.Backup, { disks: [{ id: disk.id }], from_checkpoint_id: backup.to_checkpoint_id }, 400);
        assert.match(String(fault.detail), /is invalid/);
        // Removed, it leaves room for a full backup and a new chain.
        assert.equal((await api.call('DELETE', `/vms/${String(vm.id)}/checkpoints/${String(checkpoint.id)}`)).status, 200);
        await reach(`/disks/${String(disk.id)}`, T.Disk, 'status', 'ok');
        await endBackup(vm, await startBackup(vm, [disk]));
      });

      it('keeps a disk\'s checkpoints through a move to another domain and a sparsify', async () => {
        const { vm, disk } = await vmWithDisk('moved');
        const full = await endBackup(vm, await startBackup(vm, [disk]));
        const moved = await send('POST', `/disks/${String(disk.id)}/move`, T.Action, { storage_domain: { id: other.id } }, 200);
        assert.equal(moved.status, 'complete');
        const there = path.join(otherDir, String(other.id), 'images', String(disk.id), String(disk.image_id));
        await until(async () => fs.existsSync(there) && (await get(`/disks/${String(disk.id)}`, T.Disk)).status === 'ok');
        assert.deepEqual(await bitmapsOf(there), [full.to_checkpoint_id]);
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x55 ${5 * MiB} ${64 * KiB}`, there]);
        await send('POST', `/disks/${String(disk.id)}/sparsify`, T.Action, {}, 200);
        await until(async () => (await get(`/disks/${String(disk.id)}`, T.Disk)).status === 'ok');
        assert.deepEqual(await bitmapsOf(there), [full.to_checkpoint_id]);
        const inc = await startBackup(vm, [disk], { from_checkpoint_id: full.to_checkpoint_id });
        const [incDisk] = await list(`/vms/${String(vm.id)}/backups/${String(inc.id)}/disks`, T.Disk);
        assert.equal(incDisk.backup_mode, 'incremental');
        const x = await transfer({ disk: { id: disk.id }, direction: 'download', backup: { id: inc.id } });
        const { list: map } = await extents(x, 'dirty');
        assert.deepEqual(map.filter((e) => e.dirty).map((e) => [e.start, e.length]), [[5 * MiB, 64 * KiB]]);
        await endTransfer(x);
        await endBackup(vm, inc);
      });

      it('backs up disks without incremental backup (qcow2 or raw) in full, with no checkpoint', async () => {
        const { vm, disk } = await vmWithDisk('plain', 'none');
        const raw = await send('POST', `/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
          bootable: false, interface: 'virtio', disk: { name: `plain-raw-${format.name}`, format: 'raw', provisioned_size: SIZE, storage_domains: [{ id: sd.id }] },
        }, 201);
        const rawDisk = await reach(`/disks/${String((raw.disk as Obj).id)}`, T.Disk, 'status', 'ok');
        execFileSync('qemu-io', ['-f', 'raw', '-c', `write -P 0x66 ${2 * MiB} ${MiB}`, fileOf(rawDisk)]);
        const backup = await startBackup(vm, [disk, rawDisk]);
        assert.equal(backup.to_checkpoint_id, undefined);
        assert.deepEqual(await bitmapsOf(fileOf(disk)), []);
        const modes = (await list(`/vms/${String(vm.id)}/backups/${String(backup.id)}/disks`, T.Disk)).map((d) => [d.id, d.backup_mode]);
        assert.deepEqual(modes.sort(), [[disk.id, 'full'], [rawDisk.id, 'full']].sort());
        for (const d of [disk, rawDisk]) {
          const x = await transfer({ disk: { id: d.id }, direction: 'download', backup: { id: backup.id } });
          const out = path.join(dir, `plain-${String(d.id)}.raw`);
          fs.writeFileSync(out, await read(x, 0, SIZE));
          await endTransfer(x);
          execFileSync('qemu-img', ['compare', '-q', '-U', '-f', 'raw', '-F', d === disk ? 'qcow2' : 'raw', out, fileOf(d)]);
        }
        await endBackup(vm, backup);
        assert.deepEqual(await list(`/vms/${String(vm.id)}/checkpoints`, T.Checkpoint), []);
      });
    });
  }
}

for (const backend of BACKENDS) {
  describe(`VM backups left unfinished on ${backend.name}`, function () {
    // Steps may take a second: a process that went quiet for two has stopped.
    const ctx = withEngine({ backend, overrides: { backupTimeout: 1, fsTimeout: 1 } });
    let dir: string;
    let sd: Obj;
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const ok = async (method: string, p: string, body: string | undefined, status: number) => {
      const r = await ctx.api.call(method, p, body);
      assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
      return r.text;
    };
    const phaseOf = async (vm: Obj, id: unknown) => XML.read(T.Backup, await ok('GET', `/vms/${String(vm.id)}/backups/${String(id)}`, undefined, 200)).phase;
    /** A down VM with a qcow2 disk that keeps checkpoints. */
    const vmWithDisk = async (name: string) => {
      const vm = XML.read(T.Vm, await ok('POST', '/vms', `<vm><name>${name}</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>`, 201));
      const attachment = XML.read(T.DiskAttachment, await ok('POST', `/vms/${String(vm.id)}/diskattachments`,
        `<disk_attachment><interface>virtio</interface><bootable>true</bootable><disk><name>${name}</name><format>cow</format><backup>incremental</backup><provisioned_size>${MiB}</provisioned_size><storage_domains><storage_domain><name>late</name></storage_domain></storage_domains></disk></disk_attachment>`, 201));
      const diskAt = `/disks/${String((attachment.disk as Obj).id)}`;
      await until(async () => XML.read(T.Disk, await ok('GET', diskAt, undefined, 200)).status === 'ok');
      const disk = XML.read(T.Disk, await ok('GET', diskAt, undefined, 200));
      return { vm, disk, diskAt, file: path.join(dir, String(sd.id), 'images', String(disk.id), String(disk.image_id)) };
    };

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-backups-'));
      sd = XML.read(T.StorageDomain, await ok('POST', '/storagedomains', `<storage_domain><name>late</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`, 201));
      const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters', undefined, 200));
      await ok('POST', `/datacenters/${String(dc.id)}/storagedomains`, '<storage_domain><name>late</name></storage_domain>', 201);
    });

    it('fails a backup when no host that is up reaches its storage, leaving its disks as they were', async () => {
      const { vm, disk, diskAt, file } = await vmWithDisk('hostless');
      const backup = XML.read(T.Backup, await ok('POST', `/vms/${String(vm.id)}/backups`, `<backup><disks><disk id="${String(disk.id)}"/></disks></backup>`, 201));
      await until(async () => (await phaseOf(vm, backup.id)) === 'failed');
      assert.equal(XML.read(T.Disk, await ok('GET', diskAt, undefined, 200)).status, 'ok');
      assert.deepEqual(await bitmapsOf(file), []);
      const events = XML.readList(T.Event, await ok('GET', `/events?search=${encodeURIComponent(String(backup.id))}`, undefined, 200));
      assert.ok(events.some((e) => e.code === 10792 && /no host that is up/.test(String(e.description))), JSON.stringify(events));
      // The hosts the next tests need.
      const host = XML.read(T.Host, await ok('POST', '/hosts', '<host><name>lh</name><address>lh.example.com</address><root_password>secret-pw</root_password></host>', 201));
      await until(async () => XML.read(T.Host, await ok('GET', `/hosts/${String(host.id)}`, undefined, 200)).status === 'up');
    });

    it('fails a ready backup that no client finalizes, dropping its checkpoint and freeing its disks', async () => {
      const { vm, disk, diskAt, file } = await vmWithDisk('late');
      const backup = XML.read(T.Backup, await ok('POST', `/vms/${String(vm.id)}/backups`, `<backup><disks><disk id="${String(disk.id)}"/></disks></backup>`, 201));
      await until(async () => (await phaseOf(vm, backup.id)) === 'failed', 15000);
      assert.equal(XML.read(T.Disk, await ok('GET', diskAt, undefined, 200)).status, 'ok');
      assert.deepEqual(XML.readList(T.Checkpoint, await ok('GET', `/vms/${String(vm.id)}/checkpoints`, undefined, 200)), []);
      assert.deepEqual(await bitmapsOf(file), []);
      const events = XML.readList(T.Event, await ok('GET', `/events?search=${encodeURIComponent(String(backup.id))}`, undefined, 200));
      assert.ok(events.some((e) => e.code === 10792 && /not finalized within 1 s/.test(String(e.description))), JSON.stringify(events));
      // Finalizing comes too late.
      await ok('POST', `/vms/${String(vm.id)}/backups/${String(backup.id)}/finalize`, '<action/>', 409);
    });

    it('leaves a starting backup to the process that drives it, until that process has gone quiet', async () => {
      const { vm, disk, file } = await vmWithDisk('driven');
      // As another engine process leaves it when it stops right after taking it.
      const id = randomUUID();
      const since = Date.now();
      await new Repo(ctx.t.engine.db).insert(T.Backup, {
        id, phase: 'starting', driver: 'elsewhere:1', to_checkpoint_id: randomUUID(), creation_date: new Date(since).toISOString(),
        modification_date: new Date(since).toISOString(), disks: [{ id: disk.id }], vm: { id: vm.id },
      } as StoredBackup);
      await until(async () => (await phaseOf(vm, id)) !== 'starting', 15000);
      assert.ok(Date.now() - since >= 2000, 'taken over only once its driver has been quiet for twice the step time');
      // This process took it to ready (marking the disk), where it then timed out.
      await until(async () => (await phaseOf(vm, id)) === 'failed', 15000);
      const events = XML.readList(T.Event, await ok('GET', `/events?search=${encodeURIComponent(id)}`, undefined, 200));
      assert.ok(events.some((e) => e.code === 10792 && /not finalized/.test(String(e.description))), JSON.stringify(events));
      assert.deepEqual(await bitmapsOf(file), []);
    });
  });
}
