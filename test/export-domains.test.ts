// Export domains: a VM or template exported (its OVF under master/vms, a copy of each disk), listed
// by the domain, and imported again, as a copy with new ids (`clone`) or as itself once the engine
// no longer has it, with the same data; on SQLite and PostgreSQL, in XML and JSON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { localDataDomains, volumeFileOf } from './support/domains';
import { restCalls } from './support/rest';
import { until } from './support/until';

const MiB = 1024 * 1024;
const same = (a: string, b: string) => execFileSync('qemu-img', ['compare', '-U', a, b], { encoding: 'utf8' });

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`export domains on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let dir: string;
      const domains: Record<string, Obj> = {};

      const { send, get, act } = restCalls(() => api);
      const diskOf = async (vmId: unknown) => {
        const [a] = format.readList(T.DiskAttachment, (await api.call('GET', `/vms/${String(vmId)}/diskattachments`)).text);
        return get(`/disks/${String((a.disk as Obj).id)}`, T.Disk);
      };
      const exportDir = () => path.join(dir, 'exp', String(domains.exp.id));

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-export-domains-'));
        Object.assign(domains, await localDataDomains(api, format, dir, ['data1']), await localDataDomains(api, format, dir, ['exp'], 'export'));
      });
      after(async () => {
        await t?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it('exports a VM, lists it, and imports it as a copy and as itself with the same data', async () => {
        const vm = await send('POST', '/vms', T.Vm, { name: 'src', cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        await send('POST', `/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
          bootable: true, interface: 'virtio', disk: { name: 'src-disk', format: 'cow', provisioned_size: 4 * MiB, storage_domains: [{ id: domains.data1.id }] },
        }, 201);
        await send('POST', `/vms/${String(vm.id)}/nics`, T.Nic, { name: 'nic1' }, 201);
        const disk = await diskOf(vm.id);
        const original = volumeFileOf(dir, domains, disk);
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x3c 0 1M', original]);

        // Refused: a data domain, an unknown one; nothing is written.
        assert.match(String((await act(`/vms/${String(vm.id)}`, 'export', { storage_domain: { name: 'data1' } }, 400)).detail), /not an export domain/);
        await act(`/vms/${String(vm.id)}`, 'export', { storage_domain: { name: 'nowhere' } }, 404);
        // Neither an export domain nor a path on a host (the SDK's two exports share the action).
        assert.match(String((await act(`/vms/${String(vm.id)}`, 'export', { exclusive: true }, 400)).detail), /storage_domain/);
        assert.equal(fs.existsSync(path.join(exportDir(), 'master')), false);

        await act(`/vms/${String(vm.id)}`, 'export', { storage_domain: { name: 'exp' } });
        assert.ok(fs.readFileSync(path.join(exportDir(), 'master', 'vms', String(vm.id), `${String(vm.id)}.ovf`), 'utf8').includes('<ovf:Envelope'));
        same(original, path.join(exportDir(), 'images', String(disk.id), String(disk.image_id)));
        assert.match(String((await act(`/vms/${String(vm.id)}`, 'export', { storage_domain: { name: 'exp' } }, 409)).detail), /exclusive/);
        await act(`/vms/${String(vm.id)}`, 'export', { storage_domain: { name: 'exp' }, exclusive: true });

        const listed = format.readList(T.Vm, (await api.call('GET', `/storagedomains/${String(domains.exp.id)}/vms`)).text);
        assert.deepEqual(listed.map((v) => [v.id, v.name]), [[vm.id, 'src']]);
        await get(`/storagedomains/${String(domains.exp.id)}/vms/${String(vm.id)}`, T.Vm);

        const into = { cluster: { name: 'Default' }, storage_domain: { name: 'data1' } };
        const exported = `/storagedomains/${String(domains.exp.id)}/vms/${String(vm.id)}`;
        // The engine has it: only a copy may be imported.
        assert.match(String((await act(exported, 'import', into, 409)).detail), /has it already/);
        await act(`/storagedomains/${String(domains.exp.id)}/vms/00000000-0000-0000-0000-00000000abcd`, 'import', into, 404);
        const copied = await act(exported, 'import', { ...into, clone: true, vm: { name: 'copy' } });
        const copy = await get(`/vms/${String((copied.vm as Obj).id)}`, T.Vm);
        assert.equal(copy.name, 'copy');
        assert.notEqual(copy.id, vm.id);
        const copyDisk = await diskOf(copy.id);
        assert.notEqual(copyDisk.id, disk.id);
        same(original, volumeFileOf(dir, domains, copyDisk));
        const [nic] = format.readList(T.Nic, (await api.call('GET', `/vms/${String(copy.id)}/nics`)).text);
        assert.equal(nic.name, 'nic1');

        // Once the engine no longer has it, the VM comes back as itself.
        const kept = `${dir}/kept.qcow2`;
        fs.copyFileSync(original, kept);
        assert.equal((await api.call('DELETE', `/vms/${String(vm.id)}`)).status, 200);
        await act(exported, 'import', into);
        const back = await get(`/vms/${String(vm.id)}`, T.Vm);
        assert.equal(back.name, 'src');
        const backDisk = await diskOf(vm.id);
        assert.equal(backDisk.id, disk.id);
        same(kept, volumeFileOf(dir, domains, backDisk));
      });

      it('exports a template, lists it apart from the VMs, and imports it as a copy with the same data', async () => {
        const vm = await send('POST', '/vms', T.Vm, { name: 'tsrc', cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        await send('POST', `/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
          bootable: true, interface: 'virtio', disk: { name: 'tsrc-disk', format: 'cow', provisioned_size: 4 * MiB, storage_domains: [{ id: domains.data1.id }] },
        }, 201);
        await send('POST', `/vms/${String(vm.id)}/nics`, T.Nic, { name: 'nic1' }, 201);
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x4d 1M 1M', volumeFileOf(dir, domains, await diskOf(vm.id))]);
        const template = await send('POST', '/templates', T.Template, { name: 'tpl', vm: { id: vm.id } }, 201);
        const templatePath = `/templates/${String(template.id)}`;
        await until(async () => (await get(templatePath, T.Template)).status === 'ok');
        const [a] = format.readList(T.DiskAttachment, (await api.call('GET', `${templatePath}/diskattachments`)).text);
        const disk = await get(`/disks/${String((a.disk as Obj).id)}`, T.Disk);

        await act(`${templatePath}`, 'export', { storage_domain: { name: 'exp' } });
        assert.match(fs.readFileSync(path.join(exportDir(), 'master', 'vms', String(template.id), `${String(template.id)}.ovf`), 'utf8'), /TemplateType/);
        same(volumeFileOf(dir, domains, disk), path.join(exportDir(), 'images', String(disk.id), String(disk.image_id)));
        assert.match(String((await act(`${templatePath}`, 'export', { storage_domain: { name: 'exp' } }, 409)).detail), /exclusive/);
        assert.match(String((await act(`${templatePath}`, 'export', { storage_domain: { name: 'data1' } }, 400)).detail), /not an export domain/);

        const templates = format.readList(T.Template, (await api.call('GET', `/storagedomains/${String(domains.exp.id)}/templates`)).text);
        assert.deepEqual(templates.map((v) => [v.id, v.name]), [[template.id, 'tpl']]);
        const vms = format.readList(T.Vm, (await api.call('GET', `/storagedomains/${String(domains.exp.id)}/vms`)).text);
        assert.equal(vms.some((v) => v.id === template.id), false);

        const into = { cluster: { name: 'Default' }, storage_domain: { name: 'data1' } };
        const exported = `/storagedomains/${String(domains.exp.id)}/templates/${String(template.id)}`;
        assert.match(String((await act(exported, 'import', into, 409)).detail), /has it already/);
        assert.match(String((await act(exported, 'import', { ...into, clone: true }, 409)).detail), /'tpl' is already in use/);
        const copied = await act(exported, 'import', { ...into, clone: true, template: { name: 'tpl-copy' } });
        const copy = await get(`/templates/${String((copied.template as Obj).id)}`, T.Template);
        assert.notEqual(copy.id, template.id);
        assert.deepEqual([copy.name, (copy.version as Obj).version_number], ['tpl-copy', 1]);
        const [ca] = format.readList(T.DiskAttachment, (await api.call('GET', `/templates/${String(copy.id)}/diskattachments`)).text);
        const copyDisk = await get(`/disks/${String((ca.disk as Obj).id)}`, T.Disk);
        assert.notEqual(copyDisk.id, disk.id);
        same(volumeFileOf(dir, domains, disk), volumeFileOf(dir, domains, copyDisk));
        assert.deepEqual(format.readList(T.Nic, (await api.call('GET', `/templates/${String(copy.id)}/nics`)).text).map((n) => n.name), ['nic1']);
      });

      it('attaches one export domain to a data center at most, as oVirt does', async () => {
        fs.mkdirSync(path.join(dir, 'exp2'));
        const second = await send('POST', '/storagedomains', T.StorageDomain, { name: 'exp2', type: 'export', storage: { type: 'localfs', path: path.join(dir, 'exp2') } }, 201);
        const [dc] = format.readList(T.DataCenter, (await api.call('GET', '/datacenters?search=name%3DDefault')).text);
        const refused = await send('POST', `/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: second.id }, 409);
        assert.match(String(refused.detail), /more than one Import\/Export Storage Domain/);
        assert.equal((await get(`/storagedomains/${String(second.id)}`, T.StorageDomain)).status, 'unattached');
      });
    });
  }
}
