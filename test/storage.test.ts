// Storage domains backed by real directories, and disks as real files in them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as T from '../model/types';
import { XML } from '../model/codec';
import { ApiClient, SQLITE, TestEngine } from './support/engine';

const qemuInfo = (file: string) => JSON.parse(execFileSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' })) as Record<string, unknown>;

describe('storage', () => {
  let t: TestEngine;
  let api: ApiClient;
  let dir: string;
  before(async () => {
    t = await TestEngine.start(SQLITE);
    api = await ApiClient.of(t, XML);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-storage-'));
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const addDomain = async (name: string, type: string, storageType: string, target: string) =>
    api.call('POST', '/storagedomains',
      `<storage_domain><name>${name}</name><type>${type}</type><storage><type>${storageType}</type><path>${target}</path></storage></storage_domain>`);

  for (const storageType of ['localfs', 'posixfs']) {
    it(`keeps ${storageType} disks as files in the given directory`, async () => {
      const target = path.join(dir, storageType);
      fs.mkdirSync(target);
      const r = await addDomain(`${storageType}-data`, 'data', storageType, target);
      assert.equal(r.status, 201, r.text);
      const sd = XML.read(T.StorageDomain, r.text);
      assert.ok(fs.existsSync(path.join(target, String(sd.id), 'images')));

      const raw = XML.read(T.Disk, (await api.call('POST', '/disks',
        `<disk><name>raw-${storageType}</name><format>raw</format><provisioned_size>1073741824</provisioned_size><storage_domains><storage_domain id="${sd.id}"/></storage_domains></disk>`)).text);
      const file = path.join(target, String(sd.id), 'images', String(raw.id), String(raw.image_id));
      const stat = fs.statSync(file);
      assert.equal(stat.size, 1073741824);
      assert.ok(stat.blocks * 512 < 1024 * 1024, 'a raw disk is sparse');
      assert.equal(qemuInfo(file).format, 'raw');

      const other = XML.read(T.Disk, (await api.call('POST', '/disks',
        `<disk><name>other-${storageType}</name><format>raw</format><provisioned_size>1048576</provisioned_size><storage_domains><storage_domain id="${sd.id}"/></storage_domains></disk>`)).text);
      assert.equal((await api.call('DELETE', `/disks/${raw.id}`)).status, 200);
      assert.equal(fs.existsSync(file), false, 'removing a disk removes its file');
      // The domain's disks can be removed there too; a removed one is not found there.
      assert.equal((await api.call('DELETE', `/storagedomains/${sd.id}/disks/${raw.id}`)).status, 404);
      const otherFile = path.join(target, String(sd.id), 'images', String(other.id), String(other.image_id));
      assert.equal((await api.call('DELETE', `/storagedomains/${sd.id}/disks/${other.id}`)).status, 200);
      assert.equal((await api.call('GET', `/disks/${other.id}`)).status, 404);
      assert.equal(fs.existsSync(otherFile), false);
    });
  }

  it('refuses a localfs path that does not exist, and keeps nothing', async () => {
    const r = await addDomain('nowhere', 'data', 'localfs', path.join(dir, 'missing'));
    assert.equal(r.status, 400);
    const all = XML.readList(T.StorageDomain, (await api.call('GET', '/storagedomains')).text);
    assert.equal(all.some((d) => d.name === 'nowhere'), false);
  });

  it('grows a qcow2 disk and refuses to shrink it', async () => {
    const target = path.join(dir, 'grow');
    fs.mkdirSync(target);
    const sd = XML.read(T.StorageDomain, (await addDomain('grow', 'data', 'localfs', target)).text);
    const disk = XML.read(T.Disk, (await api.call('POST', '/disks',
      `<disk><name>grow</name><format>cow</format><provisioned_size>1073741824</provisioned_size><storage_domains><storage_domain><name>grow</name></storage_domain></storage_domains></disk>`)).text);
    const file = path.join(target, String(sd.id), 'images', String(disk.id), String(disk.image_id));
    // A write answers what its files are once they are made, read after its transaction: the new volume's size on storage.
    const used = () => fs.statSync(file).blocks * 512;
    assert.ok(Number(disk.actual_size) > 0);
    assert.equal(Number(disk.actual_size), used());
    const grown = await api.call('PUT', `/disks/${disk.id}`, '<disk><provisioned_size>2147483648</provisioned_size></disk>');
    assert.equal(grown.status, 200, grown.text);
    assert.equal(Number(XML.read(T.Disk, grown.text).actual_size), used());
    assert.equal(qemuInfo(file)['virtual-size'], 2147483648);
    assert.equal((await api.call('PUT', `/disks/${disk.id}`, '<disk><provisioned_size>1073741824</provisioned_size></disk>')).status, 409);
    assert.equal(qemuInfo(file)['virtual-size'], 2147483648);
  });

  it('lists the files of an ISO domain and refuses files elsewhere', async () => {
    const target = path.join(dir, 'isos');
    fs.mkdirSync(target);
    const sd = XML.read(T.StorageDomain, (await addDomain('isos', 'iso', 'localfs', target)).text);
    const isoDir = path.join(target, String(sd.id), 'images', '11111111-1111-1111-1111-111111111111');
    fs.writeFileSync(path.join(isoDir, 'b.iso'), 'b');
    fs.writeFileSync(path.join(isoDir, 'a.iso'), 'a');
    const files = XML.readList(T.File, (await api.call('GET', `/storagedomains/${sd.id}/files`)).text);
    assert.deepEqual(files.map((f) => f.name), ['a.iso', 'b.iso']);
    assert.equal((await api.call('GET', `/storagedomains/${sd.id}/files/a.iso`)).status, 200);
    assert.equal((await api.call('GET', `/storagedomains/${sd.id}/files/c.iso`)).status, 404);

    // A VM's CD may only take an ISO of an active ISO domain of its data center.
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms',
      '<vm><name>cd</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>')).text);
    const cd = `/vms/${vm.id}/cdroms/00000000-0000-0000-0000-000000000000`;
    assert.equal((await api.call('PUT', cd, '<cdrom><file id="a.iso"/></cdrom>')).status, 400);
    const [dc] = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text);
    assert.equal((await api.call('POST', `/datacenters/${dc.id}/storagedomains`, `<storage_domain id="${sd.id}"/>`)).status, 201);
    assert.equal((await api.call('PUT', cd, '<cdrom><file id="a.iso"/></cdrom>')).status, 200);
    const ejected = XML.read(T.Cdrom, (await api.call('PUT', cd, '<cdrom><file id=""/></cdrom>')).text);
    assert.equal(ejected.file, undefined);
  });

  it('detaches and removes a domain only when its data center lets go of it', async () => {
    const target = path.join(dir, 'cycle');
    fs.mkdirSync(target);
    const sd = XML.read(T.StorageDomain, (await addDomain('cycle', 'data', 'localfs', target)).text);
    const [dc] = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text);
    const attached = `/datacenters/${dc.id}/storagedomains/${sd.id}`;
    assert.equal((await api.call('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>cycle</name></storage_domain>')).status, 201);
    assert.equal((await api.call('DELETE', `/storagedomains/${sd.id}`)).status, 409, 'attached domains stay');
    assert.equal((await api.call('DELETE', attached)).status, 409, 'active domains are not detached');
    const action = await api.call('POST', `${attached}/deactivate`, '<action/>');
    assert.equal(XML.read(T.Action, action.text, 'action').status, 'complete');
    assert.equal(XML.read(T.StorageDomain, (await api.call('GET', attached)).text).status, 'maintenance');
    assert.equal((await api.call('DELETE', attached)).status, 200);
    assert.equal((await api.call('DELETE', `/storagedomains/${sd.id}?format=true`)).status, 200);
    assert.equal(fs.existsSync(path.join(target, String(sd.id))), false);
  });
});
