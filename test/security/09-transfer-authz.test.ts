// An image transfer is authorized on the object it moves: a transfer of a disk snapshot on the
// snapshot's disk, whatever disk the body names besides.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { ApiClient, BACKENDS, TestEngine, withEngine } from '../support/engine';
import { addUser, clientOf, give } from '../support/users';

const MiB = 1024 * 1024;
const download = (links: string) => `<image_transfer>${links}<direction>download</direction><format>raw</format></image_transfer>`;

for (const backend of BACKENDS) {
  describe(`image transfer authorization (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let t: TestEngine;
    let admin: ApiClient;
    let joe: ApiClient;
    let dir: string;
    /** Joe's disk and the volume a snapshot froze of it; another VM's disk and its frozen volume. */
    let mine: Obj;
    let mySnapshot: string;
    let victim: Obj;
    let victimSnapshot: string;

    const ok = async (method: string, p: string, body: string | undefined, status: number) => {
      const r = await admin.call(method, p, body);
      assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
      return r.text;
    };
    /** A VM with one qcow2 disk, snapshotted once: the disk and the id of its frozen volume. */
    const snapshotted = async (name: string): Promise<[Obj, string]> => {
      const vm = XML.read(T.Vm, await ok('POST', '/vms', `<vm><name>${name}</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>`, 201));
      const attachment = XML.read(T.DiskAttachment, await ok('POST', `/vms/${vm.id}/diskattachments`,
        `<disk_attachment><interface>virtio</interface><disk><name>${name}-disk</name><format>cow</format><provisioned_size>${MiB}</provisioned_size><storage_domains><storage_domain><name>authz</name></storage_domain></storage_domains></disk></disk_attachment>`, 201));
      const before = XML.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`, undefined, 200));
      await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>frozen</description></snapshot>', 201);
      return [before, String(before.image_id)];
    };
    const transfers = async () => XML.readList(T.ImageTransfer, await ok('GET', '/imagetransfers', undefined, 200)).map((x) => x.id);
    const diskStatus = async (d: Obj) => XML.read(T.Disk, await ok('GET', `/disks/${d.id}`, undefined, 200)).status;

    before(async () => {
      ({ t, api: admin } = ctx);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-authz-'));
      await ok('POST', '/storagedomains', `<storage_domain><name>authz</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`, 201);
      const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters', undefined, 200));
      await ok('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>authz</name></storage_domain>', 201);
      [mine, mySnapshot] = await snapshotted('joes');
      [victim, victimSnapshot] = await snapshotted('victims');
      // UserRole carries access_image_storage.
      await give(admin, `/disks/${mine.id}`, 'UserRole', await addUser(admin, 'joe', 'joe-password-1'));
      joe = await clientOf(t, 'joe@internal', 'joe-password-1', false);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('refuses a snapshot of a disk the caller may not touch, whatever disk the body names', async () => {
      const before = await transfers();
      const r = await joe.call('POST', '/imagetransfers', download(`<disk id="${String(mine.id)}"/><snapshot id="${victimSnapshot}"/>`));
      assert.equal(r.status, 403, r.text);
      assert.match(String(XML.read(T.Fault, r.text, 'fault').detail), /access_image_storage/);
      assert.equal((await joe.call('POST', '/imagetransfers', download(`<snapshot id="${victimSnapshot}"/>`))).status, 403);
      assert.equal((await joe.call('POST', '/imagetransfers', download(`<snapshot id="${randomUUID()}"/>`))).status, 404, 'as for a disk that does not exist');
      assert.deepEqual(await transfers(), before, 'no transfer was made');
      assert.equal(await diskStatus(victim), 'ok', 'the disk is not locked');
    });

    it('refuses a snapshot with a disk it is not a snapshot of', async () => {
      const before = await transfers();
      const r = await admin.call('POST', '/imagetransfers', download(`<disk id="${String(mine.id)}"/><snapshot id="${victimSnapshot}"/>`));
      assert.equal(r.status, 400, r.text);
      assert.match(String(XML.read(T.Fault, r.text, 'fault').detail), /is not a snapshot of disk/);
      assert.deepEqual(await transfers(), before);
      assert.equal(await diskStatus(victim), 'ok');
    });

    it('lets the caller download a snapshot of a disk it may transfer', async () => {
      const r = await joe.call('POST', '/imagetransfers', download(`<snapshot id="${mySnapshot}"/>`));
      assert.equal(r.status, 201, r.text);
      const made = XML.read(T.ImageTransfer, r.text);
      assert.equal((made.disk as Obj).id, mine.id, 'the transfer moves the snapshot\'s disk');
      // Its actions are judged on the same disk (extend works in every phase).
      assert.equal((await joe.call('POST', `/imagetransfers/${String(made.id)}/extend`, '<action/>')).status, 200);
    });
  });
}
