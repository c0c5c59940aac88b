// Templates own disks: a template made from a VM copies each of its disks (qemu-img convert, in
// the format and to the domain asked) as a job, locked meanwhile; a failed copy leaves nothing.
// On SQLite and PostgreSQL, in XML and JSON; the data checked on the files with qemu-img/qemu-io.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { StructType } from '../model/meta';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { localDataDomains, volumeFileOf } from './support/domains';

const MiB = 1024 * 1024;
const qemuInfo = (file: string) => JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', file], { encoding: 'utf8' })) as Record<string, unknown>;
const same = (a: string, b: string) => execFileSync('qemu-img', ['compare', '-U', a, b], { encoding: 'utf8' });

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`template disks on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let dir: string;
      const domains: Record<string, Obj> = {};
      const tag = format.name.toLowerCase();

      const { send, get } = restCalls(() => api);
      const list = async (p: string, type: StructType) => format.readList(type, (await api.call('GET', p)).text);
      const fileOf = (disk: Obj) => volumeFileOf(dir, domains, disk);
      const getDisk = (id: unknown) => get(`/disks/${String(id)}`, T.Disk);
      const getTemplate = (id: unknown) => get(`/templates/${String(id)}`, T.Template);
      /** A down VM with a qcow2 and a raw disk, each with a pattern written. */
      async function vmWithDisks(name: string): Promise<{ vm: Obj; disks: Obj[] }> {
        const vm = await send('POST', '/vms', T.Vm, { name, cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        const disks: Obj[] = [];
        for (const [i, diskFormat] of ['cow', 'raw'].entries()) {
          const a = await send('POST', `/vms/${vm.id}/diskattachments`, T.DiskAttachment, {
            bootable: i === 0, interface: 'virtio',
            disk: { alias: `${name}-d${i}`, format: diskFormat, provisioned_size: 8 * MiB, storage_domains: [{ id: domains.one.id }] },
          }, 201);
          const disk = await getDisk((a.disk as Obj).id);
          execFileSync('qemu-io', ['-f', diskFormat === 'cow' ? 'qcow2' : 'raw', '-c', `write -P 0x${i + 3}${i + 3} ${i}M 1M`, fileOf(disk)]);
          disks.push(disk);
        }
        return { vm, disks };
      }
      const templateDisks = async (id: unknown) =>
        Promise.all((await list(`/templates/${String(id)}/diskattachments`, T.DiskAttachment)).map((a) => getDisk((a.disk as Obj).id)));
      const jobOf = async (description: RegExp) => (await list('/jobs', T.Job)).find((j) => description.test(String(j.description)));

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-templates-'));
        Object.assign(domains, await localDataDomains(api, format, dir, ['one', 'two']));
      });
      after(async () => {
        await t?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it('keeps the id and alias a client gives a new disk, and refuses an id in use', async () => {
        const id = tag === 'xml' ? '6e1a9c52-0c4f-4c1e-9d0e-6f1f6a2b7c01' : '6e1a9c52-0c4f-4c1e-9d0e-6f1f6a2b7c02';
        const disk = await send('POST', '/disks', T.Disk, { id, alias: `chosen-${tag}`, format: 'raw', provisioned_size: MiB, storage_domains: [{ id: domains.one.id }] }, 201);
        assert.equal(disk.id, id);
        assert.equal((await getDisk(id)).alias, `chosen-${tag}`);
        assert.equal((await getDisk(id)).name, `chosen-${tag}`);
        assert.ok(fs.existsSync(fileOf(disk)));
        await send('POST', '/disks', T.Disk, { id, format: 'raw', provisioned_size: MiB, storage_domains: [{ id: domains.one.id }] }, 409);
        await send('POST', '/disks', T.Disk, { id: 'not-a-uuid', format: 'raw', provisioned_size: MiB, storage_domains: [{ id: domains.one.id }] }, 400);
      });

      it('makes a template with copies of the VM\'s two disks, in the format and on the domain asked, as a job', async () => {
        const { vm, disks } = await vmWithDisks(`src-${tag}`);
        const made = await send('POST', '/templates', T.Template, {
          name: `tpl-${tag}`,
          vm: { id: vm.id, disk_attachments: [{ disk: { id: disks[1].id, format: 'cow', sparse: true, storage_domains: [{ id: domains.two.id }] } }] },
        }, 201);
        assert.equal(made.status, 'locked');
        await until(async () => (await getTemplate(made.id)).status === 'ok');
        const copies = await templateDisks(made.id);
        assert.equal(copies.length, 2);
        const byAlias = Object.fromEntries(copies.map((d) => [String(d.alias), d]));
        const [c0, c1] = [byAlias[`src-${tag}-d0`], byAlias[`src-${tag}-d1`]];
        assert.ok(c0 && c1, `aliases kept: ${Object.keys(byAlias).join(', ')}`);
        for (const c of copies) {
          assert.equal(c.status, 'ok');
          assert.equal(c.vm, undefined, 'a template disk has no VM');
          assert.ok(!disks.some((d) => d.id === c.id));
        }
        // The first as it was, on its domain; the second as asked: qcow2 on the other domain.
        assert.equal(c0.format, 'cow');
        assert.equal(((c0.storage_domains as Obj[])[0]).id, domains.one.id);
        assert.equal(c1.format, 'cow');
        assert.equal(((c1.storage_domains as Obj[])[0]).id, domains.two.id);
        assert.equal(qemuInfo(fileOf(c1)).format, 'qcow2');
        same(fileOf(disks[0]), fileOf(c0));
        same(fileOf(disks[1]), fileOf(c1));
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x44 1M 1M', fileOf(c1)]);
        // The VM and its disks are free again; the job finished with a step per copy.
        assert.equal((await get(`/vms/${vm.id}`, T.Vm)).status, 'down');
        for (const d of disks) assert.equal((await getDisk(d.id)).status, 'ok');
        const job = await jobOf(new RegExp(`Creating template tpl-${tag} from VM src-${tag}`));
        assert.equal(job?.status, 'finished');
        const steps = await list(`/jobs/${String(job!.id)}/steps`, T.Step);
        assert.equal(steps.filter((s) => /^Copying disk /.test(String(s.description)) && s.status === 'finished').length, 2);
        const attachment = (await list(`/templates/${made.id}/diskattachments`, T.DiskAttachment))[0];
        assert.equal((await get(`/templates/${made.id}/diskattachments/${String(attachment.id)}`, T.DiskAttachment)).id, attachment.id);
      });

      it('refuses to remove a template\'s disk through /disks, and removes it through the template', async () => {
        const { vm } = await vmWithDisks(`rm-${tag}`);
        const made = await send('POST', '/templates', T.Template, { name: `tpl-rm-${tag}`, vm: { id: vm.id } }, 201);
        await until(async () => (await getTemplate(made.id)).status === 'ok');
        const [first, second] = await templateDisks(made.id);
        assert.match(String((await send('DELETE', `/disks/${String(first.id)}`, T.Disk, undefined, 409)).detail), /disk of a template/);
        await send('DELETE', `/templates/${made.id}/diskattachments/${String(first.id)}?storage_domain=${String(domains.two.id)}`, T.DiskAttachment, undefined, 404);
        assert.equal((await api.call('DELETE', `/templates/${made.id}/diskattachments/${String(first.id)}?storage_domain=${String(domains.one.id)}`)).status, 200);
        await send('GET', `/disks/${String(first.id)}`, T.Disk, undefined, 404);
        await until(async () => !fs.existsSync(fileOf(first)));
        assert.equal((await templateDisks(made.id)).length, 1);
        // Removing the template removes its other disk and its volume.
        assert.equal((await api.call('DELETE', `/templates/${made.id}`)).status, 200);
        await send('GET', `/disks/${String(second.id)}`, T.Disk, undefined, 404);
        await until(async () => !fs.existsSync(path.dirname(fileOf(second))));
      });

      it('keeps the template, its disks and the VM locked while a copy runs; a failed copy leaves nothing and the job says why', async () => {
        const { vm, disks } = await vmWithDisks(`stuck-${tag}`);
        // A FIFO for a volume: qemu-img waits to open it until the test opens it too, then fails.
        const fifo = fileOf(disks[0]);
        fs.rmSync(fifo);
        execFileSync('mkfifo', [fifo]);
        const made = await send('POST', '/templates', T.Template, { name: `tpl-stuck-${tag}`, vm: { id: vm.id } }, 201);
        await until(async () => (await list(`/jobs`, T.Job)).some((j) => j.description === `Creating template tpl-stuck-${tag} from VM stuck-${tag}`));
        const job = (await jobOf(new RegExp(`Creating template tpl-stuck-${tag}`)))!;
        await until(async () => (await list(`/jobs/${String(job.id)}/steps`, T.Step)).some((s) => /^Copying disk/.test(String(s.description))));
        assert.equal((await getTemplate(made.id)).status, 'locked');
        const copies = await templateDisks(made.id);
        assert.equal(copies.length, 2);
        assert.ok(copies.every((c) => c.status === 'locked'));
        assert.equal((await get(`/vms/${vm.id}`, T.Vm)).status, 'image_locked');
        assert.match(String((await send('DELETE', `/templates/${made.id}`, T.Template, undefined, 409)).detail), /locked/);
        assert.match(String((await send('POST', '/vms', T.Vm, { name: `early-${tag}`, cluster: { name: 'Default' }, template: { id: made.id } }, 409)).detail), /locked/);
        assert.match(String((await send('DELETE', `/disks/${String(disks[1].id)}`, T.Disk, undefined, 409)).detail), /locked/);
        assert.equal((await api.call('POST', `/disks/${String(disks[1].id)}/copy`, format.write(T.Action, { storage_domain: { name: 'two' } }))).status, 409);
        assert.equal((await api.call('POST', `/vms/${vm.id}/start`, format.write(T.Action, {}))).status, 409);
        const writer = await fs.promises.open(fifo, 'w');
        await writer.close();
        await until(async () => (await api.call('GET', `/templates/${made.id}`)).status === 404);
        await until(async () => (await jobOf(new RegExp(`Creating template tpl-stuck-${tag}`)))?.status === 'failed');
        for (const c of copies) {
          assert.equal((await api.call('GET', `/disks/${String(c.id)}`)).status, 404);
          assert.ok(!fs.existsSync(path.dirname(fileOf(c))), 'no volume stays');
        }
        assert.equal((await get(`/vms/${vm.id}`, T.Vm)).status, 'down');
        assert.equal((await getDisk(disks[1].id)).status, 'ok');
        const events = await list('/events', T.Event);
        assert.ok(events.some((e) => e.severity === 'error' && String(e.description).startsWith(`Failed to create template tpl-stuck-${tag} from VM stuck-${tag}`)));
        assert.equal((await list(`/templates?search=name%3Dtpl-stuck-${tag}`, T.Template)).length, 0);
      });

      /** A template (ok) from a new VM with two disks, and the VM's disks. */
      async function readyTemplate(name: string): Promise<{ template: Obj; source: Obj[]; disks: Obj[] }> {
        const { vm, disks: source } = await vmWithDisks(`${name}-src`);
        const template = await send('POST', '/templates', T.Template, { name, vm: { id: vm.id } }, 201);
        await until(async () => (await getTemplate(template.id)).status === 'ok');
        return { template, source, disks: await templateDisks(template.id) };
      }
      const vmDisks = async (vmId: unknown) =>
        Promise.all((await list(`/vms/${String(vmId)}/diskattachments`, T.DiskAttachment)).map((a) => getDisk((a.disk as Obj).id)));
      const newVm = async (name: string, template: Obj, extra: Obj = {}, query = '') => {
        const vm = await send('POST', `/vms${query}`, T.Vm, { name, cluster: { name: 'Default' }, template: { id: template.id }, ...extra }, 201);
        assert.equal(vm.status, 'image_locked');
        await until(async () => (await get(`/vms/${String(vm.id)}`, T.Vm)).status === 'down');
        return get(`/vms/${String(vm.id)}`, T.Vm);
      };
      const baseOf = (disk: Obj, all: Obj[]) => all.find((d) => d.alias === disk.alias)!;

      it('gives a thin VM a qcow2 disk over each template volume; its writes land in its own volume, not the template\'s', async () => {
        const { template, source, disks } = await readyTemplate(`thin-${tag}`);
        const vm = await newVm(`thin-vm-${tag}`, template);
        assert.equal((vm.template as Obj).id, template.id);
        const own = await vmDisks(vm.id);
        assert.equal(own.length, 2);
        for (const disk of own) {
          const base = baseOf(disk, disks);
          assert.ok(base, `alias ${String(disk.alias)} kept from the template's disk`);
          assert.equal(disk.format, 'cow');
          assert.equal(disk.status, 'ok');
          assert.notEqual(disk.id, base.id);
          const info = qemuInfo(fileOf(disk));
          assert.equal(info['backing-filename'], fileOf(base));
          assert.equal(info['backing-filename-format'], base.format === 'cow' ? 'qcow2' : 'raw');
          same(fileOf(base), fileOf(disk));
        }
        const d1 = own.find((d) => String(d.alias).endsWith('-d1'))!;
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x77 0 512k', fileOf(d1)]);
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x77 0 512k', '-c', 'read -P 0x44 1M 1M', fileOf(d1)]);
        // The template's volumes still hold what the VM's disks held when the template was made.
        for (const base of disks) same(fileOf(base), fileOf(source.find((d) => String(base.alias) === String(d.alias))!));
        const job = await jobOf(new RegExp(`Creating VM thin-vm-${tag} from template thin-${tag}`));
        assert.equal(job?.status, 'finished');
      });

      it('refuses to remove a template, or a disk of it, while a thin VM uses it, naming the VM; removing the VM lets it go', async () => {
        const { template, disks } = await readyTemplate(`used-${tag}`);
        const vm = await newVm(`user-vm-${tag}`, template);
        const own = await vmDisks(vm.id);
        assert.match(String((await send('DELETE', `/templates/${String(template.id)}`, T.Template, undefined, 409)).detail), new RegExp(`user-vm-${tag}`));
        assert.match(String((await send('DELETE', `/templates/${String(template.id)}/diskattachments/${String(disks[0].id)}`, T.DiskAttachment, undefined, 409)).detail), new RegExp(`user-vm-${tag}`));
        assert.equal((await api.call('DELETE', `/vms/${String(vm.id)}`)).status, 200);
        await until(async () => own.every((d) => !fs.existsSync(path.dirname(fileOf(d)))));
        for (const base of disks) assert.ok(fs.existsSync(fileOf(base)), 'the template\'s volumes stay');
        assert.equal((await api.call('DELETE', `/templates/${String(template.id)}`)).status, 200);
        await until(async () => disks.every((d) => !fs.existsSync(path.dirname(fileOf(d)))));
      });

      it('refuses a thin disk on another domain or raw, and a disk the template lacks; changes nothing', async () => {
        const { template, disks } = await readyTemplate(`ask-${tag}`);
        const ask = (disk: Obj) => ({ disk_attachments: [{ disk }] });
        const before = (await list('/vms', T.Vm)).length;
        assert.match(String((await send('POST', '/vms', T.Vm, { name: `far-${tag}`, cluster: { name: 'Default' }, template: { id: template.id }, ...ask({ id: disks[0].id, storage_domains: [{ id: domains.two.id }] }) }, 409)).detail), /clone/);
        await send('POST', '/vms', T.Vm, { name: `raw-${tag}`, cluster: { name: 'Default' }, template: { id: template.id }, ...ask({ id: disks[0].id, format: 'raw' }) }, 400);
        await send('POST', '/vms', T.Vm, { name: `none-${tag}`, cluster: { name: 'Default' }, template: { id: template.id }, ...ask({ id: '6e1a9c52-0c4f-4c1e-9d0e-000000000000' }) }, 400);
        assert.equal((await list('/vms', T.Vm)).length, before);
      });

      it('copies a thin disk collapsed, refuses to move it, and keeps it thin when its snapshot is removed', async () => {
        const { template, disks } = await readyTemplate(`ops-${tag}`);
        const vm = await newVm(`ops-vm-${tag}`, template);
        const disk = (await vmDisks(vm.id)).find((d) => String(d.alias).endsWith('-d0'))!;
        const base = baseOf(disk, disks);
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x61 2M 1M', fileOf(disk)]);
        assert.match(String(format.read(T.Fault, (await api.call('POST', `/disks/${String(disk.id)}/move`, format.write(T.Action, { storage_domain: { name: 'two' } }))).text, 'fault').detail), /template/);
        const copied = format.read(T.Action, (await api.call('POST', `/disks/${String(disk.id)}/copy`, format.write(T.Action, { storage_domain: { name: 'two' }, disk: { alias: `flat-${tag}` } }))).text, 'action');
        const flat = await getDisk((copied.disk as Obj).id);
        await until(async () => fs.existsSync(fileOf(flat)));
        assert.equal(qemuInfo(fileOf(flat))['backing-filename'], undefined);
        same(fileOf(disk), fileOf(flat));
        // A snapshot, a write over it, then its removal: the disk reads the same, still over the template's volume.
        const snapshot = await send('POST', `/vms/${String(vm.id)}/snapshots`, T.Snapshot, { description: 'one' }, 201);
        const top = await getDisk(disk.id);
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x62 3M 1M', fileOf(top)]);
        await until(async () => (await get(`/vms/${String(vm.id)}/snapshots/${String(snapshot.id)}`, T.Snapshot)).snapshot_status === 'ok');
        assert.equal((await api.call('DELETE', `/vms/${String(vm.id)}/snapshots/${String(snapshot.id)}`)).status, 200);
        await until(async () => (await api.call('GET', `/vms/${String(vm.id)}/snapshots/${String(snapshot.id)}`)).status === 404);
        const after = await getDisk(disk.id);
        assert.equal(qemuInfo(fileOf(after))['backing-filename'], fileOf(base));
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x61 2M 1M', '-c', 'read -P 0x62 3M 1M', '-c', 'read -P 0x33 0 1M', fileOf(after)]);
      });

      it('clones: each disk an independent copy, as asked; the template may then go while the clone lives', async () => {
        const { template, disks } = await readyTemplate(`cl-${tag}`);
        const d1 = disks.find((d) => String(d.alias).endsWith('-d1'))!;
        const vm = await newVm(`clone-${tag}`, template, { disk_attachments: [{ disk: { id: d1.id, format: 'raw', sparse: true, storage_domains: [{ id: domains.two.id }] } }] }, '?clone=true');
        assert.equal((vm.template as Obj).id, '00000000-0000-0000-0000-000000000000');
        assert.equal((vm.original_template as Obj).id, template.id);
        const own = await vmDisks(vm.id);
        assert.equal(own.length, 2);
        for (const disk of own) {
          const base = baseOf(disk, disks);
          assert.equal(qemuInfo(fileOf(disk))['backing-filename'], undefined, 'no backing file');
          same(fileOf(base), fileOf(disk));
        }
        const c1 = own.find((d) => d.alias === d1.alias)!;
        assert.equal(c1.format, 'raw');
        assert.equal(((c1.storage_domains as Obj[])[0]).id, domains.two.id);
        const job = await jobOf(new RegExp(`Creating VM clone-${tag} from template cl-${tag}`));
        const steps = await list(`/jobs/${String(job!.id)}/steps`, T.Step);
        assert.equal(steps.filter((s) => /^Copying disk/.test(String(s.description))).length, 2);
        assert.equal((await api.call('DELETE', `/templates/${String(template.id)}`)).status, 200);
        await until(async () => disks.every((d) => !fs.existsSync(path.dirname(fileOf(d)))));
        // The clone reads what it read before, its template gone.
        const c0 = own.find((d) => d.alias !== d1.alias)!;
        execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x33 0 1M', fileOf(c0)]);
        execFileSync('qemu-io', ['-f', 'raw', '-c', 'read -P 0x44 1M 1M', fileOf(c1)]);
      });

      it('numbers the versions of a base template, gives VMs that use the latest its latest version, and keeps a base with versions', async () => {
        const blank = await getTemplate('00000000-0000-0000-0000-000000000000');
        assert.equal(((blank.version as Obj).base_template as Obj).id, blank.id, 'Blank is the base of itself');
        const { template: base } = await readyTemplate(`ver-${tag}`);
        const first = await getTemplate(base.id);
        assert.deepEqual([(first.version as Obj).version_number, ((first.version as Obj).base_template as Obj).id], [1, base.id]);
        const { vm } = await vmWithDisks(`ver-src2-${tag}`);
        const versions: Obj[] = [];
        for (const n of [2, 3]) {
          const v = await send('POST', '/templates', T.Template, { name: `ignored-${tag}`, vm: { id: vm.id }, version: { base_template: { id: base.id }, version_name: `v${n}` } }, 201);
          await until(async () => (await getTemplate(v.id)).status === 'ok');
          const read = await getTemplate(v.id);
          assert.equal(read.name, `ver-${tag}`, 'a version has its base\'s name');
          assert.deepEqual([(read.version as Obj).version_number, (read.version as Obj).version_name, ((read.version as Obj).base_template as Obj).id], [n, `v${n}`, base.id]);
          versions.push(read);
        }
        assert.equal((await list(`/templates?search=name%3Dver-${tag}`, T.Template)).length, 3);
        // A version of a version, of Blank, and a second base of the same name are refused.
        await send('POST', '/templates', T.Template, { name: 'x', vm: { id: vm.id }, version: { base_template: { id: versions[0].id } } }, 400);
        await send('POST', '/templates', T.Template, { name: 'x', vm: { id: vm.id }, version: { base_template: { id: blank.id } } }, 400);
        await send('POST', '/templates', T.Template, { name: `ver-${tag}`, vm: { id: vm.id } }, 409);
        const latest = await newVm(`latest-${tag}`, base, { use_latest_template_version: true });
        assert.equal((latest.template as Obj).id, versions[1].id);
        // A template named by name is its latest version, as oVirt looks it up.
        const named = await send('POST', '/vms', T.Vm, { name: `named-${tag}`, cluster: { name: 'Default' }, template: { name: `ver-${tag}` } }, 201);
        assert.equal((named.template as Obj).id, versions[1].id);
        const own = await vmDisks(latest.id);
        const v3disks = await templateDisks(versions[1].id);
        for (const d of own) assert.ok(v3disks.some((b) => qemuInfo(fileOf(d))['backing-filename'] === fileOf(b)), 'thin over the latest version\'s disks');
        assert.match(String((await send('DELETE', `/templates/${String(base.id)}`, T.Template, undefined, 409)).detail), /versions 2, 3/);
        // As in oVirt, the versions keep their base's name: renaming the base renames them, and a version is not renamed.
        assert.match(String((await send('PUT', `/templates/${String(versions[0].id)}`, T.Template, { name: `other-${tag}` }, 409)).detail), /has the name of its base/);
        await send('PUT', `/templates/${String(base.id)}`, T.Template, { name: `renamed-${tag}` }, 200);
        for (const v of versions) assert.equal((await send('GET', `/templates/${String(v.id)}`, T.Template, undefined, 200)).name, `renamed-${tag}`);
        await send('PUT', `/templates/${String(base.id)}`, T.Template, { name: 'Blank' }, 409);
      });
    });
  }
}
