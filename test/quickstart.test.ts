// oVirt's quick start (ovirt-engine-api-model, 004-QuickStartExample), request bodies verbatim,
// in XML and in JSON, on SQLite and on PostgreSQL; the disk must exist as a real qcow2 file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as T from '../model/types';
import { Format, Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { until } from './support/until';

/** The quick start's request bodies, in each format. */
const BODIES: Record<'xml' | 'json', Record<string, string>> = {
  xml: {
    host: '<host><name>myhost</name><address>node40.example.com</address><root_password>123456</root_password></host>',
    data: `<storage_domain>
  <name>mydata</name>
  <type>data</type>
  <description>My data</description>
  <storage>
    <type>nfs</type>
    <address>mynfs.example.com</address>
    <path>/exports/mydata</path>
  </storage>
  <host>
    <name>myhost</name>
  </host>
</storage_domain>`,
    iso: `<storage_domain>
  <name>myisos</name>
  <description>My ISOs</description>
  <type>iso</type>
  <storage>
    <type>nfs</type>
    <address>mynfs.example.com</address>
    <path>/exports/myisos</path>
  </storage>
  <host>
    <name>myhost</name>
  </host>
</storage_domain>`,
    attachData: `<storage_domain>
  <name>mydata</name>
</storage_domain>`,
    attachIso: `<storage_domain>
  <name>myisos</name>
</storage_domain>`,
    vm: `<vm>
  <name>myvm</name>
  <description>My VM</description>
  <cluster>
    <name>Default</name>
  </cluster>
  <template>
    <name>Blank</name>
  </template>
  <memory>536870912</memory>
  <os>
    <boot>
      <devices>
        <device>hd</device>
      </devices>
    </boot>
  </os>
</vm>`,
    nic: `<nic>
  <name>mynic</name>
  <description>My network interface card</description>
</nic>`,
    disk: `<disk_attachment>
  <bootable>false</bootable>
  <interface>virtio</interface>
  <active>true</active>
  <disk>
    <description>My disk</description>
    <format>cow</format>
    <name>mydisk</name>
    <provisioned_size>8589934592</provisioned_size>
    <storage_domains>
      <storage_domain>
        <name>mydata</name>
      </storage_domain>
    </storage_domains>
  </disk>
</disk_attachment>`,
    cdrom: `<cdrom>
  <file id="CentOS-7-x86_64-Minimal.iso"/>
</cdrom>`,
  },
  json: {
    host: JSON.stringify({ name: 'myhost', address: 'node40.example.com', root_password: '123456' }),
    data: JSON.stringify({
      name: 'mydata', type: 'data', description: 'My data',
      storage: { type: 'nfs', address: 'mynfs.example.com', path: '/exports/mydata' }, host: { name: 'myhost' },
    }),
    iso: JSON.stringify({
      name: 'myisos', description: 'My ISOs', type: 'iso',
      storage: { type: 'nfs', address: 'mynfs.example.com', path: '/exports/myisos' }, host: { name: 'myhost' },
    }),
    attachData: JSON.stringify({ name: 'mydata' }),
    attachIso: JSON.stringify({ name: 'myisos' }),
    vm: JSON.stringify({
      name: 'myvm', description: 'My VM', cluster: { name: 'Default' }, template: { name: 'Blank' },
      memory: '536870912', os: { boot: { devices: { device: ['hd'] } } },
    }),
    nic: JSON.stringify({ name: 'mynic', description: 'My network interface card' }),
    disk: JSON.stringify({
      bootable: 'false', interface: 'virtio', active: 'true',
      disk: {
        description: 'My disk', format: 'cow', name: 'mydisk', provisioned_size: '8589934592',
        storage_domains: { storage_domain: [{ name: 'mydata' }] },
      },
    }),
    cdrom: JSON.stringify({ file: { id: 'CentOS-7-x86_64-Minimal.iso' } }),
  },
};

const ISO_NAME = 'CentOS-7-x86_64-Minimal.iso';

for (const backend of BACKENDS) {
  describe(`quick start on ${backend.name}`, function () {
    let t: TestEngine;
    before(async () => {
      t = await TestEngine.start(backend);
    });
    after(async () => t?.stop());

    for (const format of FORMATS) {
      it(`runs the quick start in ${format.name.toUpperCase()}`, async () => {
        await quickStart(t, format);
      });
    }
  });
}

async function quickStart(t: TestEngine, format: Format): Promise<void> {
  const api = await ApiClient.of(t, format);
  const bodies = BODIES[format.name];
  const ok = async (method: string, p: string, body?: string, expected = 200) => {
    const r = await api.call(method, p, body);
    assert.equal(r.status, expected, `${method} ${p}: ${r.text}`);
    if (r.text) assert.match(r.headers.get('content-type') ?? '', new RegExp(format.mediaType));
    return r.text;
  };
  const list = async (p: string, type: Parameters<Format['readList']>[0]) => format.readList(type, await ok('GET', p));

  // Clean slate between formats: the names of the quick start are reused.
  const [oldVm] = await list('/vms?search=name%3Dmyvm', T.Vm);
  if (oldVm) await ok('DELETE', `/vms/${oldVm.id}`);
  const [dc] = await list('/datacenters', T.DataCenter);
  assert.equal(dc.name, 'Default');
  for (const sd of await list(`/datacenters/${dc.id}/storagedomains`, T.StorageDomain)) {
    await ok('POST', `/datacenters/${dc.id}/storagedomains/${sd.id}/deactivate`, format.name === 'xml' ? '<action/>' : '{}');
    await ok('DELETE', `/datacenters/${dc.id}/storagedomains/${sd.id}`);
    await ok('DELETE', `/storagedomains/${sd.id}?format=true`);
  }
  for (const h of await list('/hosts', T.Host)) {
    await ok('POST', `/hosts/${h.id}/deactivate`, format.name === 'xml' ? '<action/>' : '{}');
    await until(async () => format.read(T.Host, await ok('GET', `/hosts/${h.id}`)).status === 'maintenance');
    await ok('DELETE', `/hosts/${h.id}`);
  }

  assert.deepEqual((await list('/clusters', T.Cluster)).map((c) => c.name), ['Default']);
  assert.deepEqual((await list('/networks', T.Network)).map((n) => n.name), ['ovirtmgmt']);
  assert.deepEqual(await list('/hosts', T.Host), []);

  const host = format.read(T.Host, await ok('POST', '/hosts', bodies.host, 201));
  assert.equal(host.root_password, undefined, 'the root password is never returned');
  assert.deepEqual((await list('/hosts', T.Host)).map((h) => h.name), ['myhost']);

  const data = format.read(T.StorageDomain, await ok('POST', '/storagedomains', bodies.data, 201));
  assert.equal(data.status, 'unattached');
  assert.ok(Number(data.available) > 0, 'available space comes from the file system');
  const iso = format.read(T.StorageDomain, await ok('POST', '/storagedomains', bodies.iso, 201));
  assert.equal(iso.type, 'iso');

  const attachedData = format.read(T.StorageDomain, await ok('POST', `/datacenters/${dc.id}/storagedomains`, bodies.attachData, 201));
  assert.equal(attachedData.status, 'active');
  assert.equal(attachedData.master, true);
  await ok('POST', `/datacenters/${dc.id}/storagedomains`, bodies.attachIso, 201);
  assert.equal(format.read(T.DataCenter, await ok('GET', `/datacenters/${dc.id}`)).status, 'up');

  const vm = format.read(T.Vm, await ok('POST', '/vms', bodies.vm, 201));
  assert.equal(vm.memory, 536870912);
  assert.equal(vm.status, 'down');
  assert.deepEqual((vm.os as Obj).boot, { devices: ['hd'] });

  const nic = format.read(T.Nic, await ok('POST', `/vms/${vm.id}/nics`, bodies.nic, 201));
  assert.equal(nic.name, 'mynic');
  assert.match(String((nic.mac as Obj).address), /^56:6f(:[0-9a-f]{2}){4}$/);

  const attachment = format.read(T.DiskAttachment, await ok('POST', `/vms/${vm.id}/diskattachments`, bodies.disk, 201));
  const disk = format.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`));
  assert.equal(disk.format, 'cow');
  assert.equal(disk.provisioned_size, 8589934592);
  const file = path.join(t.config.dataDir, 'exports', 'mynfs.example.com', 'exports', 'mydata', String(data.id), 'images', String(disk.id), String(disk.image_id));
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' })) as Record<string, unknown>;
  assert.equal(info.format, 'qcow2');
  assert.equal(info['virtual-size'], 8589934592);

  // An ISO uploaded to the domain's image directory shows up as a file.
  const isoDir = path.join(t.config.dataDir, 'exports', 'mynfs.example.com', 'exports', 'myisos', String(iso.id), 'images', '11111111-1111-1111-1111-111111111111');
  fs.writeFileSync(path.join(isoDir, ISO_NAME), 'not really an operating system');
  const files = await list(`/storagedomains/${iso.id}/files`, T.File);
  assert.deepEqual(files.map((f) => f.id), [ISO_NAME]);

  const cdrom = format.read(T.Cdrom, await ok('PUT', `/vms/${vm.id}/cdroms/00000000-0000-0000-0000-000000000000`, bodies.cdrom));
  assert.equal((cdrom.file as Obj).id, ISO_NAME);
  const [stored] = await list(`/vms/${vm.id}/cdroms`, T.Cdrom);
  assert.equal((stored.file as Obj).id, ISO_NAME);

  // Removing the VM removes its disk and the disk's file.
  await ok('DELETE', `/vms/${vm.id}`);
  assert.equal(fs.existsSync(file), false);
}
