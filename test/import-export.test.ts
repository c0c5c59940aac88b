// Import and export: each data domain's OVF store (written on `updateovfstore`, deactivation and
// detach), a VM's OVF document with `all_content`; on SQLite and PostgreSQL, in XML and JSON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { readOvf } from '../services/ovf';
import { tarIndex } from '../services/tar';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';

const MiB = 1024 * 1024;
const tarList = (file: string) => execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter((n) => n !== '');
const tarText = (file: string, member: string) => execFileSync('tar', ['-xOf', file, member], { encoding: 'utf8' });

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`import and export on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let dir: string;
      let dc: Obj;
      let sd: Obj;
      let vm: Obj;
      let template: Obj;
      const disks: Obj[] = [];
      const templateDisks: string[] = [];

      const rest = restCalls(() => api);
      const { act } = rest;
      const domainDir = (d: Obj) => path.join(dir, String(d.name), String(d.id));
      const volumeOf = (d: Obj, disk: Obj) => path.join(domainDir(d), 'images', String(disk.id), String(disk.image_id));
      const storeOf = (d: Obj) => path.join(domainDir(d), 'dom_md', 'ovf_store.tar');

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-import-export-'));
        [dc] = await rest.list('/datacenters?search=name%3DDefault', T.DataCenter);
        fs.mkdirSync(path.join(dir, 'carrier'));
        sd = await rest.post('/storagedomains', T.StorageDomain, { name: 'carrier', type: 'data', storage: { type: 'localfs', path: path.join(dir, 'carrier') } });
        await rest.post(`/datacenters/${dc.id}/storagedomains`, T.StorageDomain, { id: sd.id });
        vm = await rest.post('/vms', T.Vm, {
          name: 'travelling', description: 'goes places', memory: 512 * MiB, cpu: { topology: { sockets: 2, cores: 1, threads: 1 } },
          os: { type: 'rhel_8x64' }, cluster: { name: 'Default' }, template: { name: 'Blank' },
        });
        for (const [name, diskFormat, bootable] of [['boot', 'cow', true], ['data', 'raw', false]] as const) {
          const a = await rest.post(`/vms/${vm.id}/diskattachments`, T.DiskAttachment, {
            bootable, interface: 'virtio_scsi', active: true,
            disk: { name, alias: name, format: diskFormat, sparse: true, provisioned_size: 4 * MiB, storage_domains: [{ id: sd.id }] },
          });
          disks.push(await rest.get(`/disks/${String((a.disk as Obj).id)}`, T.Disk));
        }
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', volumeOf(sd, disks[0])]);
        execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0xa5 1M 1M', volumeOf(sd, disks[1])]);
        await rest.post(`/vms/${vm.id}/nics`, T.Nic, { name: 'nic1', vnic_profile: { id: await managementProfile() } });
      });
      after(async () => {
        await t?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      const managementProfile = async () => {
        const profiles = await rest.list('/vnicprofiles', T.VnicProfile);
        return String(profiles.find((p) => p.name === 'ovirtmgmt')!.id);
      };

      it('carries the VM\'s OVF document with all_content, in the engine\'s form or the OVA\'s, and not without it', async () => {
        const plain = await rest.get(`/vms/${vm.id}`, T.Vm);
        assert.equal((plain.initialization as Obj | undefined)?.configuration, undefined);
        const full = await rest.get(`/vms/${vm.id}?all_content=true`, T.Vm);
        const configuration = (full.initialization as Obj).configuration as Obj;
        assert.equal(configuration.type, 'ovf');
        const data = String(configuration.data);
        assert.match(data, /xmlns:ovf="http:\/\/schemas\.dmtf\.org\/ovf\/envelope\/1\/"/);
        assert.match(data, /xsi:type="ovf:DiskSection_Type"/);
        const read = readOvf(data);
        assert.equal(read.id, vm.id);
        assert.equal(read.vm.name, 'travelling');
        assert.equal(read.vm.memory, 512 * MiB);
        assert.deepEqual((read.vm.cpu as Obj).topology, { sockets: 2, cores: 1, threads: 1 });
        assert.equal((read.vm.os as Obj).type, 'rhel_8x64');
        assert.deepEqual(read.disks.map((d) => [d.id, d.imageId, d.format, d.interface, d.bootable]),
          disks.map((d, i) => [d.id, d.image_id, d.format, 'virtio_scsi', i === 0]));
        assert.deepEqual(read.nics.map((n) => [n.name, n.network]), [['nic1', 'ovirtmgmt']]);
        // The SDK asks with a header, and through a search (download_vm_ovf.py).
        const r = await api.call('GET', '/vms?search=name%3Dtravelling', undefined, { 'All-Content': 'true' });
        const [listed] = format.readList(T.Vm, r.text);
        assert.equal(readOvf(String(((listed.initialization as Obj).configuration as Obj).data)).id, vm.id);
        const ova = await rest.get(`/vms/${vm.id}?all_content=true&ovf_as_ova=true`, T.Vm);
        const ovaData = String(((ova.initialization as Obj).configuration as Obj).data);
        assert.match(ovaData, /<ovf:Envelope xmlns="http:\/\/schemas\.dmtf\.org\/ovf\/envelope\/1" /);
        assert.match(ovaData, /<DiskSection>/);
        assert.match(ovaData, /<VirtualSystem ovf:id=/);
        assert.deepEqual(readOvf(ovaData).disks.map((d) => [d.id, d.fileRef, d.size]), disks.map((d) => [d.id, d.id, 4 * MiB]));
      });

      it('writes the OVF store on updateovfstore: a tar of <vm id>.ovf', async () => {
        await act(`/storagedomains/${sd.id}`, 'updateovfstore', {});
        assert.deepEqual(tarList(storeOf(sd)), [`${String(vm.id)}.ovf`]);
        const read = readOvf(tarText(storeOf(sd), `${String(vm.id)}.ovf`));
        assert.equal(read.vm.name, 'travelling');
        assert.deepEqual(read.disks.map((d) => d.storageDomainId), [sd.id, sd.id]);
      });

      it('keeps the templates with disks on the domain in its OVF store', async () => {
        const made = await rest.post('/templates', T.Template, { name: 'mould', vm: { id: vm.id } });
        await until(async () => (await rest.get(`/templates/${String(made.id)}`, T.Template)).status === 'ok');
        template = made;
        templateDisks.push(...(await rest.list(`/templates/${String(made.id)}/diskattachments`, T.DiskAttachment)).map((a) => String((a.disk as Obj).id)));
        await act(`/storagedomains/${sd.id}`, 'updateovfstore', {});
        assert.deepEqual(tarList(storeOf(sd)).sort(), [`${String(vm.id)}.ovf`, `${String(made.id)}.ovf`].sort());
        const read = readOvf(tarText(storeOf(sd), `${String(made.id)}.ovf`));
        assert.deepEqual([read.isTemplate, read.id, read.vm.name, read.disks.length], [true, made.id, 'mould', 2]);
        assert.equal(readOvf(tarText(storeOf(sd), `${String(vm.id)}.ovf`)).isTemplate, false);
      });

      it('refuses updateovfstore on a domain that is not active, and changes nothing', async () => {
        fs.mkdirSync(path.join(dir, 'idle'));
        const idle = await rest.post('/storagedomains', T.StorageDomain, { name: 'idle', type: 'data', storage: { type: 'localfs', path: path.join(dir, 'idle') } });
        assert.match(String((await act(`/storagedomains/${idle.id}`, 'updateovfstore', {}, 409)).detail), /not active/);
        assert.equal(fs.existsSync(storeOf(idle)), false);
        await act('/storagedomains/00000000-0000-0000-0000-00000000abcd', 'updateovfstore', {}, 404);
      });

      describe('OVA', function () {
        let ova: string;
        let unpacked: string;
        before(async () => {
          const host = await rest.post('/hosts', T.Host, { name: 'packer', address: 'packer.example.com', root_password: 'secret-pw' });
          await until(async () => (await rest.get(`/hosts/${String(host.id)}`, T.Host)).status === 'up');
          fs.mkdirSync(path.join(dir, 'ovas'));
          ova = path.join(dir, 'ovas', 'travelling.ova');
          // Back from the maintenance the outer tests left it in, and into it again after.
          await act(`/datacenters/${dc.id}/storagedomains/${sd.id}`, 'activate', {});
        });
        after(async () => {
          for (const name of ['arrived', 'configured']) {
            for (const made of await rest.list(`/vms?search=name%3D${name}`, T.Vm)) await rest.remove(`/vms/${String(made.id)}`, 200);
          }
          await act(`/datacenters/${dc.id}/storagedomains/${sd.id}`, 'deactivate', {});
        });

        it('exports the VM as oVirt writes an OVA: its OVF first, then each disk as qcow2 with the same data', async () => {
          await act(`/vms/${vm.id}`, 'export', { host: { name: 'packer' }, directory: path.join(dir, 'ovas'), filename: 'travelling.ova' });
          assert.deepEqual(tarList(ova), ['vm.ovf', ...disks.map((d) => String(d.id))]);
          const read = readOvf(tarText(ova, 'vm.ovf'));
          assert.equal(read.vm.name, 'travelling');
          assert.deepEqual(read.disks.map((d) => d.fileRef), disks.map((d) => d.id));
          unpacked = fs.mkdtempSync(path.join(dir, 'unpacked-'));
          execFileSync('tar', ['-xf', ova, '-C', unpacked]);
          for (const disk of disks) {
            assert.equal((JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path.join(unpacked, String(disk.id))], { encoding: 'utf8' })) as Obj).format, 'qcow2');
            execFileSync('qemu-img', ['compare', '-q', path.join(unpacked, String(disk.id)), volumeOf(sd, disk)]);
          }
          // Each image opens in place, as the imageio client's upload_from_ova.py opens it: a raw window of the archive.
          for (const member of (await tarIndex(ova)).slice(1)) {
            const window = `json:${JSON.stringify({ file: { driver: 'raw', offset: member.offset, size: member.size, file: { driver: 'file', filename: ova } } })}`;
            assert.equal((JSON.parse(execFileSync('qemu-img', ['info', '--output=json', window], { encoding: 'utf8' })) as Obj).format, 'qcow2');
          }
        });

        it('sizes each image member in whole clusters, as oVirt does, so that an empty qcow2 image opens in place too', async () => {
          const hollow = await rest.post('/vms', T.Vm, { name: 'hollow', cluster: { name: 'Default' }, template: { name: 'Blank' } });
          await rest.post(`/vms/${String(hollow.id)}/diskattachments`, T.DiskAttachment, {
            bootable: true, interface: 'virtio', disk: { name: 'hollow-disk', format: 'cow', provisioned_size: 64 * MiB, storage_domains: [{ id: sd.id }] },
          });
          const file = path.join(dir, 'ovas', 'hollow.ova');
          await act(`/vms/${String(hollow.id)}`, 'export', { host: { name: 'packer' }, directory: path.join(dir, 'ovas'), filename: 'hollow.ova' });
          const [, member] = await tarIndex(file);
          assert.equal(member.size % 65536, 0);
          const window = `json:${JSON.stringify({ file: { driver: 'raw', offset: member.offset, size: member.size, file: { driver: 'file', filename: file } } })}`;
          assert.equal((JSON.parse(execFileSync('qemu-img', ['info', '--output=json', window], { encoding: 'utf8' })) as Obj)['virtual-size'], 64 * MiB);
          fs.rmSync(file);
          await rest.remove(`/vms/${String(hollow.id)}`, 200);
        });

        it('exports a template as an OVA, its OVF a template\'s', async () => {
          await act(`/templates/${String(template.id)}`, 'export', { host: { name: 'packer' }, directory: path.join(dir, 'ovas'), filename: 'mould.ova' });
          const file = path.join(dir, 'ovas', 'mould.ova');
          assert.deepEqual(tarList(file).slice(1).sort(), [...templateDisks].sort());
          const read = readOvf(tarText(file, 'vm.ovf'));
          assert.deepEqual([read.isTemplate, read.vm.name], [true, 'mould']);
        });

        it('imports the template\'s OVA as a new template: with clone, new ids and the same data; without, refused while the engine has its ids', async () => {
          const file = path.join(dir, 'ovas', 'mould.ova');
          const base = { url: `ova://${file}`, cluster: { name: 'Default' }, storage_domain: { name: 'carrier' }, host: { name: 'packer' } };
          assert.match(String((await rest.post('/externaltemplateimports', T.ExternalTemplateImport, base, 409)).detail), /has its disk .* already/);
          assert.match(String((await rest.post('/externaltemplateimports', T.ExternalTemplateImport, { ...base, clone: true }, 409)).detail), /'mould' is already in use/);
          assert.match(String((await rest.post('/externaltemplateimports', T.ExternalTemplateImport, { ...base, url: `ova://${ova}`, clone: true }, 400)).detail), /holds a VM/);
          assert.equal((await rest.list('/templates?search=name%3Dcast', T.Template)).length, 0);
          const answer = await rest.post('/externaltemplateimports', T.ExternalTemplateImport, { ...base, template: { name: 'cast' }, clone: true });
          const made = await rest.get(`/templates/${String((answer.template as Obj).id)}`, T.Template);
          assert.notEqual(made.id, template.id);
          assert.deepEqual([made.name, made.memory, (made.version as Obj).version_number], ['cast', 512 * MiB, 1]);
          const attachments = await rest.list(`/templates/${String(made.id)}/diskattachments`, T.DiskAttachment);
          assert.equal(attachments.length, 2);
          const sources = await Promise.all(templateDisks.map((id) => rest.get(`/disks/${id}`, T.Disk)));
          for (const a of attachments) {
            const disk = await rest.get(`/disks/${String((a.disk as Obj).id)}`, T.Disk);
            assert.equal(templateDisks.includes(String(disk.id)), false);
            const source = sources.find((d) => d.alias === disk.alias)!;
            execFileSync('qemu-img', ['compare', '-q', volumeOf(sd, source), volumeOf(sd, disk)]);
          }
          assert.deepEqual((await rest.list(`/templates/${String(made.id)}/nics`, T.Nic)).map((n) => n.name), ['nic1']);
          await rest.remove(`/templates/${String(made.id)}`, 200);
          fs.rmSync(file);
        });

        it('imports a template\'s OVA as itself once the engine no longer has it: the OVA\'s template and disk ids', async () => {
          const solo = await rest.post('/templates', T.Template, { name: 'solo', vm: { id: vm.id } });
          await until(async () => (await rest.get(`/templates/${String(solo.id)}`, T.Template)).status === 'ok');
          const soloDisks = (await rest.list(`/templates/${String(solo.id)}/diskattachments`, T.DiskAttachment)).map((a) => String((a.disk as Obj).id)).sort();
          const file = path.join(dir, 'ovas', 'solo.ova');
          await act(`/templates/${String(solo.id)}`, 'export', { host: { name: 'packer' }, directory: path.join(dir, 'ovas'), filename: 'solo.ova' });
          await rest.remove(`/templates/${String(solo.id)}`, 200);
          const answer = await rest.post('/externaltemplateimports', T.ExternalTemplateImport, {
            url: `ova://${file}`, cluster: { name: 'Default' }, storage_domain: { name: 'carrier' }, host: { name: 'packer' },
          });
          assert.equal((answer.template as Obj).id, solo.id);
          assert.equal((await rest.get(`/templates/${String(solo.id)}`, T.Template)).name, 'solo');
          const back = (await rest.list(`/templates/${String(solo.id)}/diskattachments`, T.DiskAttachment)).map((a) => String((a.disk as Obj).id)).sort();
          assert.deepEqual(back, soloDisks);
          await rest.remove(`/templates/${String(solo.id)}`, 200);
          fs.rmSync(file);
        });

        it('refuses a directory outside the storage roots, a file name with a path, and a file that exists', async () => {
          const outside = await act(`/vms/${vm.id}`, 'export', { host: { name: 'packer' }, directory: '/etc', filename: 'x.ova' }, 400);
          assert.match(String(outside.detail), /directory '\/etc' is not under a storage root/);
          await act(`/vms/${vm.id}`, 'export', { host: { name: 'packer' }, directory: dir, filename: 'ovas/x.ova' }, 400);
          const exists = await act(`/vms/${vm.id}`, 'export', { host: { name: 'packer' }, directory: path.join(dir, 'ovas'), filename: 'travelling.ova' }, 409);
          assert.match(String(exists.detail), /exists already/);
          assert.deepEqual(fs.readdirSync(path.join(dir, 'ovas')), ['travelling.ova']);
        });

        it('imports the OVA as a new VM whose disks read the same data', async () => {
          const answer = await rest.post('/externalvmimports', T.ExternalVmImport, {
            name: 'arrived', provider: 'kvm', url: `ova://${ova}`, cluster: { name: 'Default' }, storage_domain: { name: 'carrier' }, sparse: true,
          });
          const made = await rest.get(`/vms/${String((answer.vm as Obj).id)}`, T.Vm);
          assert.equal(made.name, 'arrived');
          assert.notEqual(made.id, vm.id);
          assert.equal(made.memory, 512 * MiB);
          const attachments = await rest.list(`/vms/${String(made.id)}/diskattachments`, T.DiskAttachment);
          assert.equal(attachments.length, 2);
          for (const a of attachments) {
            const disk = await rest.get(`/disks/${String((a.disk as Obj).id)}`, T.Disk);
            const source = disks.find((d) => d.alias === disk.alias)!;
            assert.notEqual(disk.id, source.id);
            assert.deepEqual([disk.format, disk.provisioned_size, a.bootable], ['cow', 4 * MiB, source.alias === 'boot']);
            execFileSync('qemu-img', ['compare', '-q', volumeOf(sd, source), volumeOf(sd, disk)]);
          }
          const [nic] = await rest.list(`/vms/${String(made.id)}/nics`, T.Nic);
          assert.equal(nic.name, 'nic1');
        });

        it('adds a VM from an OVF configuration, with the disks it names, as upload_ova_as_vm_or_template.py does', async () => {
          const ovaForm = await rest.get(`/vms/${vm.id}?all_content=true&ovf_as_ova=true`, T.Vm);
          const data = String(((ovaForm.initialization as Obj).configuration as Obj).data);
          const configuration = (text: string) => ({ cluster: { name: 'Default' }, initialization: { configuration: { type: 'ova', data: text } } });
          // The disks it names are the travelling VM's.
          assert.match(String((await rest.post('/vms', T.Vm, configuration(data.replace('<Name>travelling</Name>', '<Name>configured</Name>')), 409)).detail), /used already/);
          let text = data.replace('<Name>travelling</Name>', '<Name>configured</Name>');
          const made: Obj[] = [];
          for (const disk of disks) {
            const uploaded = await rest.post('/disks', T.Disk, { id: randomUUID(), name: `up-${String(disk.alias)}`, format: 'cow', provisioned_size: 4 * MiB, storage_domains: [{ id: sd.id }] });
            text = text.split(String(disk.id)).join(String(uploaded.id));
            made.push(uploaded);
          }
          const missing = text.split(String(made[1].id)).join(randomUUID());
          assert.match(String((await rest.post('/vms', T.Vm, configuration(missing), 400)).detail), /does not exist/);
          assert.equal((await rest.list('/vms?search=name%3Dconfigured', T.Vm)).length, 0);
          const added = await rest.post('/vms', T.Vm, configuration(text));
          assert.equal(added.name, 'configured');
          assert.equal(added.memory, 512 * MiB);
          assert.deepEqual(((added.cpu as Obj).topology as Obj).sockets, 2);
          const attachments = await rest.list(`/vms/${String(added.id)}/diskattachments`, T.DiskAttachment);
          assert.deepEqual(attachments.map((a) => [(a.disk as Obj).id, a.bootable]).sort(), made.map((d, i) => [d.id, i === 0]).sort());
          assert.deepEqual((await rest.list(`/vms/${String(added.id)}/nics`, T.Nic)).map((n) => n.name), ['nic1']);
        });

        it('adds a template from an OVF configuration, with the disks it names, as upload_ova_as_vm_or_template.py --template does', async () => {
          const ovaForm = await rest.get(`/vms/${vm.id}?all_content=true&ovf_as_ova=true`, T.Vm);
          let text = String(((ovaForm.initialization as Obj).configuration as Obj).data).replace('<Name>travelling</Name>', '<Name>from-ovf</Name>');
          const made: Obj[] = [];
          for (const disk of disks) {
            const uploaded = await rest.post('/disks', T.Disk, { id: randomUUID(), name: `tup-${String(disk.alias)}`, format: 'cow', provisioned_size: 4 * MiB, storage_domains: [{ id: sd.id }] });
            text = text.split(String(disk.id)).join(String(uploaded.id));
            made.push(uploaded);
          }
          const configuration = (data: string) => ({ cluster: { name: 'Default' }, initialization: { configuration: { type: 'ova', data } } });
          assert.match(String((await rest.post('/templates', T.Template, configuration(text.split(String(made[1].id)).join(randomUUID())), 400)).detail), /does not exist/);
          assert.equal((await rest.list('/templates?search=name%3Dfrom-ovf', T.Template)).length, 0);
          const added = await rest.post('/templates', T.Template, { ...configuration(text), description: 'given' });
          assert.deepEqual([added.name, added.description, added.memory, (added.version as Obj).version_number], ['from-ovf', 'given', 512 * MiB, 1]);
          const attachments = await rest.list(`/templates/${String(added.id)}/diskattachments`, T.DiskAttachment);
          assert.deepEqual(attachments.map((a) => [(a.disk as Obj).id, a.bootable]).sort(), made.map((d, i) => [d.id, i === 0]).sort());
          assert.deepEqual((await rest.list(`/templates/${String(added.id)}/nics`, T.Nic)).map((n) => n.name), ['nic1']);
          // Its disks are the template's now.
          assert.match(String((await rest.post('/templates', T.Template, { ...configuration(text), name: 'again' }, 409)).detail), /used already/);
          await rest.remove(`/templates/${String(added.id)}`, 200);
        });

        it('refuses to import from outside the storage roots, what is not an OVA, another provider, and a name in use', async () => {
          const base = { provider: 'kvm', cluster: { name: 'Default' }, storage_domain: { name: 'carrier' } };
          assert.match(String((await rest.post('/externalvmimports', T.ExternalVmImport, { ...base, name: 'x', url: 'ova:///etc/passwd' }, 400)).detail), /not under a storage root/);
          const notOva = path.join(dir, 'ovas', 'plain.tar');
          execFileSync('tar', ['-cf', notOva, '-C', unpacked, String(disks[0].id)]);
          assert.match(String((await rest.post('/externalvmimports', T.ExternalVmImport, { ...base, name: 'x', url: `ova://${notOva}` }, 400)).detail), /not an OVA/);
          await rest.post('/externalvmimports', T.ExternalVmImport, { ...base, name: 'x', provider: 'vmware', url: `ova://${ova}` }, 400);
          await rest.post('/externalvmimports', T.ExternalVmImport, { ...base, name: 'arrived', url: `ova://${ova}` }, 409);
          assert.equal((await rest.list('/vms?search=name%3Dx', T.Vm)).length, 0);
        });
      });

      it('writes the OVF store when the domain is deactivated, with what changed since', async () => {
        await rest.send('PUT', `/vms/${vm.id}`, T.Vm, { description: 'renamed before maintenance' }, 200);
        await act(`/datacenters/${dc.id}/storagedomains/${sd.id}`, 'deactivate', {});
        assert.equal(readOvf(tarText(storeOf(sd), `${String(vm.id)}.ovf`)).vm.description, 'renamed before maintenance');
      });

      describe('a detached domain imported by another engine', function () {
        let t2: TestEngine;
        let api2: ApiClient;
        const rest2 = restCalls(() => api2);
        const { act: act2 } = rest2;
        const copies: string[] = [];
        before(async () => {
          // What the disks read before they leave, to compare with what the other engine finds.
          for (const disk of disks) {
            const copy = path.join(dir, `${String(disk.id)}.copy`);
            execFileSync('qemu-img', ['convert', '-O', 'qcow2', volumeOf(sd, disk), copy]);
            copies.push(copy);
          }
          t2 = await TestEngine.start(backend);
          api2 = await ApiClient.of(t2, format);
        });
        after(async () => t2?.stop());

        it('writes the OVF store when the domain is detached', async () => {
          fs.rmSync(storeOf(sd));
          await rest.remove(`/datacenters/${dc.id}/storagedomains/${sd.id}`, 200);
          assert.deepEqual(tarList(storeOf(sd)).sort(), [`${String(vm.id)}.ovf`, `${String(template.id)}.ovf`].sort());
        });

        it('imports the domain with its id and format, and refuses a place without one', async () => {
          const place = { type: 'localfs', path: path.join(dir, 'carrier') };
          const imported = await rest2.post('/storagedomains', T.StorageDomain, { name: 'carrier', type: 'data', storage: place, import: true });
          assert.equal(imported.id, sd.id);
          assert.equal(imported.storage_format, 'v5');
          fs.mkdirSync(path.join(dir, 'empty'));
          const none = await rest2.post('/storagedomains', T.StorageDomain, { name: 'empty', type: 'data', storage: { type: 'localfs', path: path.join(dir, 'empty') }, import: true }, 400);
          assert.match(String(none.detail), /holds no data domain to import/);
          const again = await rest2.post('/storagedomains', T.StorageDomain, { name: 'again', type: 'data', storage: place, import: true }, 409);
          assert.match(String(again.detail), /has it already/);
          const [dc2] = await rest2.list('/datacenters?search=name%3DDefault', T.DataCenter);
          await rest2.post(`/datacenters/${dc2.id}/storagedomains`, T.StorageDomain, { id: sd.id });
        });

        it('lists the VM of its OVF store and the volumes no disk holds', async () => {
          assert.deepEqual((await rest2.list(`/storagedomains/${sd.id}/vms`, T.Vm)).length, 0);
          const listed = await rest2.list(`/storagedomains/${sd.id}/vms?unregistered=true`, T.Vm);
          assert.deepEqual(listed.map((v) => [v.id, v.name]), [[vm.id, 'travelling']]);
          assert.equal((await rest2.get(`/storagedomains/${sd.id}/vms/${vm.id}`, T.Vm)).name, 'travelling');
          const unregisteredTemplates = await rest2.list(`/storagedomains/${sd.id}/templates?unregistered=true`, T.Template);
          assert.deepEqual(unregisteredTemplates.map((v) => [v.id, v.name]), [[template.id, 'mould']]);
          const images = await rest2.list(`/storagedomains/${sd.id}/images`, T.Image);
          assert.deepEqual(images.map((i) => [i.id, i.size]).sort(), [...disks.map((d) => d.id), ...templateDisks].map((id) => [id, 4 * MiB]).sort());
        });

        it('refuses to register into a cluster of another data center, or a VM the store does not hold', async () => {
          const other = await rest2.post('/datacenters', T.DataCenter, { name: 'elsewhere', local: false });
          await rest2.post('/clusters', T.Cluster, { name: 'far', data_center: { id: other.id }, cpu: { type: 'Intel Nehalem Family' } });
          const refused = await act2(`/storagedomains/${sd.id}/vms/${vm.id}`, 'register', { cluster: { name: 'far' } }, 409);
          assert.match(String(refused.detail), /not in the data center/);
          await act2(`/storagedomains/${sd.id}/vms/00000000-0000-0000-0000-00000000beef`, 'register', { cluster: { name: 'Default' } }, 404);
          assert.equal((await rest2.list('/vms?search=name%3Dreturned', T.Vm)).length, 0);
        });

        it('registers the VM: its disks read the same data, its NIC is on its network; then its template', async () => {
          await act2(`/storagedomains/${sd.id}/vms/${vm.id}`, 'register', { cluster: { name: 'Default' }, vm: { name: 'returned' }, reassign_bad_macs: true });
          const back = await rest2.get(`/vms/${vm.id}`, T.Vm);
          assert.equal(back.name, 'returned');
          assert.equal(back.memory, 512 * MiB);
          const attachments = await rest2.list(`/vms/${vm.id}/diskattachments`, T.DiskAttachment);
          assert.deepEqual(attachments.map((a) => [(a.disk as Obj).id, a.bootable, a.interface]).sort(),
            disks.map((d, i) => [d.id, i === 0, 'virtio_scsi']).sort());
          for (const [i, disk] of disks.entries()) {
            const found = await rest2.get(`/disks/${disk.id}`, T.Disk);
            assert.deepEqual([found.image_id, found.format, found.provisioned_size, found.alias], [disk.image_id, disk.format, 4 * MiB, disk.alias]);
            execFileSync('qemu-img', ['compare', '-q', copies[i], volumeOf(sd, found)]);
          }
          const [nic] = await rest2.list(`/vms/${vm.id}/nics`, T.Nic);
          const profiles = await rest2.list('/vnicprofiles', T.VnicProfile);
          assert.equal(profiles.find((p) => p.id === (nic.vnic_profile as Obj).id)?.name, 'ovirtmgmt');
          assert.deepEqual(await rest2.list(`/storagedomains/${sd.id}/vms?unregistered=true`, T.Vm), []);
          assert.deepEqual((await rest2.list(`/storagedomains/${sd.id}/images`, T.Image)).map((i) => i.id).sort(), [...templateDisks].sort());
          const registered = await act2(`/storagedomains/${sd.id}/templates/${template.id}`, 'register', { cluster: { name: 'Default' } });
          assert.equal((registered.template as Obj).id, template.id);
          const mould = await rest2.get(`/templates/${template.id}`, T.Template);
          assert.deepEqual([mould.name, mould.status, mould.memory], ['mould', 'ok', 512 * MiB]);
          const moulded = await rest2.list(`/templates/${template.id}/diskattachments`, T.DiskAttachment);
          assert.deepEqual(moulded.map((a) => String((a.disk as Obj).id)).sort(), [...templateDisks].sort());
          assert.deepEqual((await rest2.list(`/templates/${template.id}/nics`, T.Nic)).map((n) => n.name), ['nic1']);
          assert.deepEqual(await rest2.list(`/storagedomains/${sd.id}/images`, T.Image), []);
          assert.deepEqual(await rest2.list(`/storagedomains/${sd.id}/templates?unregistered=true`, T.Template), []);
          await act2(`/storagedomains/${sd.id}/templates/${template.id}`, 'register', { cluster: { name: 'Default' } }, 409);
          assert.deepEqual((await rest2.list(`/storagedomains/${sd.id}/vms`, T.Vm)).map((v) => v.id), [vm.id]);
          assert.match(String((await act2(`/storagedomains/${sd.id}/vms/${vm.id}`, 'register', { cluster: { name: 'Default' } }, 409)).detail), /has it already/);
        });

        it('lists the disks of its directory no disk holds as unregistered, and registers them as floating disks over the same data', async () => {
          const made = [randomUUID(), randomUUID()].map((id) => {
            const volume = path.join(domainDir(sd), 'images', id, randomUUID());
            fs.mkdirSync(path.dirname(volume));
            execFileSync('qemu-img', ['create', '-f', 'qcow2', volume, String(8 * MiB)]);
            execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x6b 2M 1M', volume]);
            return { id, volume };
          });
          const unregistered = await rest2.list(`/storagedomains/${sd.id}/disks?unregistered=true`, T.Disk);
          assert.deepEqual(unregistered.map((d) => [d.id, d.image_id, d.format, d.provisioned_size]).sort(),
            made.map((m) => [m.id, path.basename(m.volume), 'cow', 8 * MiB]).sort());
          const registeredBefore = (await rest2.list(`/storagedomains/${sd.id}/disks`, T.Disk)).map((d) => d.id);
          assert.equal(made.some((m) => registeredBefore.includes(m.id)), false);
          await act2(`/storagedomains/${sd.id}/disks/${randomUUID()}`, 'register', {}, 404);

          await act2(`/storagedomains/${sd.id}/disks/${made[0].id}`, 'register', {});
          const floating = await rest2.get(`/disks/${made[0].id}`, T.Disk);
          assert.deepEqual([floating.image_id, floating.format, floating.provisioned_size, floating.status], [path.basename(made[0].volume), 'cow', 8 * MiB, 'ok']);
          execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x6b 2M 1M', volumeOf(sd, floating)]);
          assert.match(String((await act2(`/storagedomains/${sd.id}/disks/${made[0].id}`, 'register', {}, 409)).detail), /has it already/);
          // oVirt's deprecated form: an add to the domain's disks with `unregistered`.
          const added = await rest2.post(`/storagedomains/${sd.id}/disks?unregistered=true`, T.Disk, { id: made[1].id });
          assert.equal(added.id, made[1].id);
          assert.deepEqual(await rest2.list(`/storagedomains/${sd.id}/disks?unregistered=true`, T.Disk), []);
          // Without it, the add makes a new disk on the domain.
          const fresh = await rest2.post(`/storagedomains/${sd.id}/disks`, T.Disk, { name: 'fresh', format: 'raw', provisioned_size: 2 * MiB });
          assert.deepEqual(((await rest2.get(`/disks/${String(fresh.id)}`, T.Disk)).storage_domains as Obj[]).map((d) => d.id), [sd.id]);
        });
      });
    });
  }
}
