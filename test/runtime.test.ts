// Hosts and VMs that live: lifecycle actions through the simulated runtime, the rules a real
// engine enforces, capacity, maintenance, jobs and events, the event stream, and restarts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { StructType } from '../model/meta';
import { Format, JSON_FORMAT, Obj, XML } from '../model/codec';
import { ApiClient, FORMATS, SQLITE, TestEngine, withEngine } from './support/engine';
import { until } from './support/until';

const GiB = 1024 ** 3;

const vmBody = (format: Format, name: string, memory = GiB, boot = 'network') =>
  format.name === 'xml'
    ? `<vm><name>${name}</name><memory>${memory}</memory><cluster><name>Default</name></cluster><template><name>Blank</name></template><os><boot><devices><device>${boot}</device></devices></boot></os></vm>`
    : JSON.stringify({ name, memory: String(memory), cluster: { name: 'Default' }, template: { name: 'Blank' }, os: { boot: { devices: { device: [boot] } } } });

const action = (format: Format, members: Obj = {}) =>
  format.name === 'xml'
    ? `<action>${Object.entries(members).map(([k, v]) => (typeof v === 'object' ? `<${k} id="${String((v as Obj).id)}"/>` : `<${k}>${String(v)}</${k}>`)).join('')}</action>`
    : JSON.stringify(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, typeof v === 'object' ? v : String(v)])));

class Runtime {
  constructor(readonly t: TestEngine, readonly api: ApiClient) {}

  get f(): Format {
    return this.api.format;
  }

  async add(path: string, type: StructType, body: string): Promise<Obj> {
    const r = await this.api.call('POST', path, body);
    assert.equal(r.status, 201, r.text);
    return this.f.read(type, r.text);
  }

  async get(path: string, type: StructType): Promise<Obj> {
    const r = await this.api.call('GET', path);
    assert.equal(r.status, 200, r.text);
    return this.f.read(type, r.text);
  }

  async act(path: string, name: string, members: Obj = {}, expected = 200): Promise<Obj> {
    const r = await this.api.call('POST', `${path}/${name}`, action(this.f, members));
    assert.equal(r.status, expected, `${name}: ${r.text}`);
    return this.f.read(expected < 400 ? T.Action : T.Fault, r.text, expected < 400 ? 'action' : 'fault');
  }

  async status(path: string, type: StructType, wanted: string): Promise<Obj> {
    let last: Obj = {};
    await until(async () => (last = await this.get(path, type)).status === wanted);
    return last;
  }

  async host(name: string): Promise<Obj> {
    const body = this.f.name === 'xml'
      ? `<host><name>${name}</name><address>${name}.example.com</address><root_password>secret-pw</root_password></host>`
      : JSON.stringify({ name, address: `${name}.example.com`, root_password: 'secret-pw' });
    const host = await this.add('/hosts', T.Host, body);
    assert.equal(host.status, 'installing');
    return this.status(`/hosts/${host.id}`, T.Host, 'up');
  }

  async events(): Promise<Obj[]> {
    return this.f.readList(T.Event, (await this.api.call('GET', '/events')).text);
  }
}

for (const format of FORMATS) {
  describe(`runtime in ${format.name.toUpperCase()}`, () => {
    let t: TestEngine;
    let rt: Runtime;
    let h1: Obj;
    let h2: Obj;
    before(async () => {
      t = await TestEngine.start(SQLITE, { simHostMemory: 4 * GiB });
      rt = new Runtime(t, await ApiClient.of(t, format));
      h1 = await rt.host('h1');
      h2 = await rt.host('h2');
    });
    after(async () => t?.stop());

    it('installs hosts with a job, facts from the runtime, and events', async () => {
      assert.equal(h1.memory, 4 * GiB);
      assert.match(String((h1.cpu as Obj).name), /simulated/i, 'the host says it is simulated');
      const jobs = format.readList(T.Job, (await rt.api.call('GET', '/jobs')).text);
      const install = jobs.find((j) => String(j.description).includes('Adding new host h1'));
      assert.equal(install?.status, 'finished');
      const steps = format.readList(T.Step, (await rt.api.call('GET', `/jobs/${install?.id}/steps`)).text);
      assert.deepEqual(steps.map((s) => [s.type, s.status]), [['validating', 'finished'], ['executing', 'finished']]);
      assert.ok((await rt.events()).some((e) => e.code === 9301 && String(e.description).includes('h1')));
      const stats = format.readList(T.Statistic, (await rt.api.call('GET', `/hosts/${h1.id}/statistics`)).text);
      assert.ok(stats.some((s) => s.name === 'memory.total'));
      const nics = format.readList(T.HostNic, (await rt.api.call('GET', `/hosts/${h1.id}/nics`)).text);
      assert.deepEqual(nics.map((n) => [n.name, n.status]), [['eth0', 'up'], ['eth1', 'up'], ['eth2', 'up'], ['eth3', 'up']]);
      assert.ok((nics[0].network as Obj).id, 'the management interface carries ovirtmgmt');
    });

    it('starts a VM and polls it up, then stops, shuts down, reboots, suspends and resumes it', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'life'));
      const p = `/vms/${vm.id}`;
      const started = await rt.act(p, 'start');
      assert.equal(started.status, 'complete');
      assert.ok((started.job as Obj).id, 'the action answers its job');
      assert.ok(['wait_for_launch', 'powering_up', 'up'].includes(String((await rt.get(p, T.Vm)).status)));
      const up = await rt.status(p, T.Vm, 'up');
      assert.ok((up.host as Obj).id);
      const job = await rt.get(`/jobs/${(started.job as Obj).id}`, T.Job);
      assert.equal(job.status, 'finished');
      const vmStats = format.readList(T.Statistic, (await rt.api.call('GET', `${p}/statistics`)).text);
      assert.ok(vmStats.some((s) => s.name === 'memory.used'));
      // A NIC's traffic, as oVirt names it: nothing goes through a simulated guest's NIC.
      const nic = await rt.add(`${p}/nics`, T.Nic, format.write(T.Nic, { name: 'counted' }));
      const nicStats = format.readList(T.Statistic, (await rt.api.call('GET', `${p}/nics/${nic.id}/statistics`)).text);
      assert.deepEqual(nicStats.map((s) => s.name), ['data.current.rx', 'data.current.tx', 'data.current.rx.bps', 'data.current.tx.bps', 'data.total.rx', 'data.total.tx', 'errors.total.rx', 'errors.total.tx']);
      assert.ok(nicStats.every((s) => (s.nic as Obj).id === nic.id && Number((s.values as Obj[])[0].datum) === 0));
      assert.equal((await rt.api.call('GET', `${p}/nics/${nic.id}/statistics/${nicStats[4].id}`)).status, 200);
      assert.equal((await rt.api.call('GET', `${p}/nics/00000000-0000-0000-0000-00000000abcd/statistics`)).status, 404);

      await rt.act(p, 'stop');
      assert.equal((await rt.get(p, T.Vm)).status, 'down');
      await rt.act(p, 'start');
      await rt.status(p, T.Vm, 'up');
      await rt.act(p, 'shutdown');
      await rt.status(p, T.Vm, 'down');
      await rt.act(p, 'start');
      await rt.status(p, T.Vm, 'up');
      await rt.act(p, 'reboot');
      await rt.status(p, T.Vm, 'up');
      await rt.act(p, 'suspend');
      const suspended = await rt.status(p, T.Vm, 'suspended');
      assert.equal(suspended.host, undefined);
      await rt.act(p, 'start');
      await rt.status(p, T.Vm, 'up');
      const codes = new Set((await rt.events()).filter((e) => (e.vm as Obj | undefined)?.id === vm.id).map((e) => e.code));
      for (const code of [9200, 9201, 9202, 9203, 9204, 9205, 9206, 9207]) assert.ok(codes.has(code), `event ${code}`);
      await rt.act(p, 'stop');
    });

    it('starts a VM that boots from its disk though the disk is not marked bootable, as oVirt does', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-boot-'));
      const sdBody = format.name === 'xml'
        ? `<storage_domain><name>boot</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`
        : JSON.stringify({ name: 'boot', type: 'data', storage: { type: 'localfs', path: dir } });
      const sd = await rt.add('/storagedomains', T.StorageDomain, sdBody);
      const [dc] = format.readList(T.DataCenter, (await rt.api.call('GET', '/datacenters?search=name%3DDefault')).text);
      await rt.add(`/datacenters/${dc.id}/storagedomains`, T.StorageDomain, format.name === 'xml' ? `<storage_domain id="${sd.id}"/>` : JSON.stringify({ id: sd.id }));
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'plain-disk', GiB, 'hd'));
      const p = `/vms/${vm.id}`;
      const attachment = { bootable: false, interface: 'virtio', disk: { name: 'plain', format: 'raw', provisioned_size: 1024 * 1024, storage_domains: [{ id: sd.id }] } };
      const added = await rt.add(`${p}/diskattachments`, T.DiskAttachment, format.write(T.DiskAttachment, attachment as Obj));
      const plug = async (active: boolean) => {
        const r = await rt.api.call('PUT', `${p}/diskattachments/${added.id}`, format.write(T.DiskAttachment, { active }));
        assert.equal(r.status, 200, r.text);
        assert.equal(format.read(T.DiskAttachment, r.text).active, active);
      };
      await plug(false);
      assert.match(String((await rt.act(p, 'start', {}, 409)).detail), /no active disk/);
      await plug(true);
      await rt.act(p, 'start');
      await rt.status(p, T.Vm, 'up');
      await rt.act(p, 'stop');
      assert.equal((await rt.api.call('DELETE', p)).status, 200);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('has the serial console off unless asked, and turns it on', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'serial'));
      const p = `/vms/${vm.id}`;
      assert.deepEqual((await rt.get(`${p}?all_content=true`, T.Vm)).console, { enabled: false });
      const r = await rt.api.call('PUT', p, format.write(T.Vm, { console: { enabled: true } }));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await rt.get(`${p}?all_content=true`, T.Vm)).console, { enabled: true });
      assert.equal((await rt.api.call('DELETE', p)).status, 200);
    });

    it('migrates a VM between two hosts, and not to its own host', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'mover'));
      const p = `/vms/${vm.id}`;
      await rt.act(p, 'start', { host: { id: h1.id } });
      assert.equal(((await rt.status(p, T.Vm, 'up')).host as Obj).id, h1.id);
      const same = await rt.act(p, 'migrate', { host: { id: h1.id } }, 409);
      assert.match(String(same.detail), /already runs on host h1/);
      await rt.act(p, 'migrate', { host: { id: h2.id } });
      await until(async () => ((await rt.get(p, T.Vm)).host as Obj).id === h2.id);
      assert.equal((await rt.get(p, T.Vm)).status, 'up');
      assert.ok((await rt.events()).some((e) => e.code === 9209 && (e.vm as Obj)?.id === vm.id));
      await rt.act(p, 'stop');
    });

    it('refuses what a real engine refuses, and changes nothing', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'rules', GiB, 'hd'));
      const p = `/vms/${vm.id}`;
      assert.match(String((await rt.act(p, 'start', {}, 409)).detail), /no active disk and no CD/);
      assert.match(String((await rt.act(p, 'stop', {}, 409)).detail), /already down/);
      assert.match(String((await rt.act(p, 'suspend', {}, 409)).detail), /it is down/);
      assert.match(String((await rt.act(p, 'migrate', {}, 409)).detail), /it is down/);
      assert.equal((await rt.get(p, T.Vm)).status, 'down');

      const net = await rt.add('/vms', T.Vm, vmBody(format, 'running'));
      await rt.act(`/vms/${net.id}`, 'start');
      await rt.status(`/vms/${net.id}`, T.Vm, 'up');
      assert.match(String((await rt.act(`/vms/${net.id}`, 'start', {}, 409)).detail), /it is up/);
      const removal = await rt.api.call('DELETE', `/vms/${net.id}`);
      assert.equal(removal.status, 409);
      assert.match(String(format.read(T.Fault, removal.text, 'fault').detail), /not down/);
      const hostRemoval = await rt.api.call('DELETE', `/hosts/${h1.id}`);
      assert.equal(hostRemoval.status, 409);
      assert.equal((await rt.get(`/vms/${net.id}`, T.Vm)).status, 'up');
      await rt.act(`/vms/${net.id}`, 'stop');
    });

    it('refuses the VM that no host has the memory for', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(String((await rt.add('/vms', T.Vm, vmBody(format, `cap${i}`, 2 * GiB))).id));
      for (const id of ids.slice(0, 4)) await rt.act(`/vms/${id}`, 'start');
      const refused = await rt.act(`/vms/${ids[4]}`, 'start', {}, 409);
      assert.match(String(refused.detail), /no host of its cluster has 2147483648 bytes of memory free/);
      assert.equal((await rt.get(`/vms/${ids[4]}`, T.Vm)).status, 'down');
      for (const id of ids.slice(0, 4)) await rt.act(`/vms/${id}`, 'stop');
    });

    it('moves a host to maintenance after migrating its running VM away', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'evacuee'));
      await rt.act(`/vms/${vm.id}`, 'start', { host: { id: h1.id } });
      await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
      await rt.act(`/hosts/${h1.id}`, 'deactivate');
      await rt.status(`/hosts/${h1.id}`, T.Host, 'maintenance');
      const moved = await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
      assert.equal((moved.host as Obj).id, h2.id);
      await rt.act(`/hosts/${h1.id}`, 'activate');
      await rt.status(`/hosts/${h1.id}`, T.Host, 'up');
      await rt.act(`/vms/${vm.id}`, 'stop');
    });

    it('puts a host without running VMs in maintenance before deactivate answers, so it can be removed at once', async () => {
      const spare = await rt.host('spare');
      await rt.act(`/hosts/${spare.id}`, 'deactivate');
      assert.equal((await rt.get(`/hosts/${spare.id}`, T.Host)).status, 'maintenance');
      assert.equal((await rt.api.call('DELETE', `/hosts/${spare.id}`)).status, 200);
    });

    it('takes run-once boot settings for one run and keeps cloud-init data', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'once', GiB, 'hd'));
      const body = format.name === 'xml'
        ? '<action><use_cloud_init>true</use_cloud_init><vm><os><boot><devices><device>network</device></devices></boot></os><initialization><host_name>once.example.com</host_name></initialization></vm></action>'
        : JSON.stringify({ use_cloud_init: 'true', vm: { os: { boot: { devices: { device: ['network'] } } }, initialization: { host_name: 'once.example.com' } } });
      const r = await rt.api.call('POST', `/vms/${vm.id}/start`, body);
      assert.equal(r.status, 200, 'boots from the network for this run, though it has no disk');
      const up = await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
      assert.equal(up.run_once, true);
      assert.equal(((up.initialization as Obj | undefined)?.host_name), 'once.example.com');
      await rt.act(`/vms/${vm.id}`, 'stop');
      const after = await rt.get(`/vms/${vm.id}`, T.Vm);
      assert.equal(after.run_once, false);
      assert.deepEqual(((after.os as Obj).boot as Obj).devices, ['hd'], 'the boot order of later runs is unchanged');
      await rt.act(`/vms/${vm.id}`, 'start', {}, 409);
    });

    it('answers 202 to async actions', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'async'));
      const r = await rt.api.call('POST', `/vms/${vm.id}/start`, action(format, { async: true }));
      assert.equal(r.status, 202, r.text);
      await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
      await rt.act(`/vms/${vm.id}`, 'stop');
    });

    it('marks a host that stops answering non_responsive and its VMs unknown', async () => {
      const vm = await rt.add('/vms', T.Vm, vmBody(format, 'orphan'));
      await rt.act(`/vms/${vm.id}`, 'start', { host: { id: h2.id } });
      await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
      const flag = path.join(t.config.dataDir, 'sim', 'h2.down');
      fs.mkdirSync(path.dirname(flag), { recursive: true });
      fs.writeFileSync(flag, '');
      await rt.status(`/hosts/${h2.id}`, T.Host, 'non_responsive');
      await rt.status(`/vms/${vm.id}`, T.Vm, 'unknown');
      fs.rmSync(flag);
      await rt.status(`/hosts/${h2.id}`, T.Host, 'up');
      await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
      await rt.act(`/vms/${vm.id}`, 'stop');
    });
  });
}

describe('jobs and events from outside', () => {
  const ctx = withEngine();
  let api: ApiClient;
  before(() => ({ api } = ctx));

  it('adds, ends and clears external jobs', async () => {
    const job = XML.read(T.Job, (await api.call('POST', '/jobs', '<job><description>Nightly backup</description></job>')).text);
    assert.equal(job.external, true);
    assert.equal(job.status, 'started');
    assert.equal((await api.call('POST', `/jobs/${job.id}/clear`, '<action/>')).status, 409, 'a running job stays');
    assert.equal((await api.call('POST', `/jobs/${job.id}/end`, '<action><succeeded>true</succeeded></action>')).status, 200);
    assert.equal(XML.read(T.Job, (await api.call('GET', `/jobs/${job.id}`)).text).status, 'finished');
    assert.equal((await api.call('POST', `/jobs/${job.id}/clear`, '<action/>')).status, 200);
    assert.equal((await api.call('GET', `/jobs/${job.id}`)).status, 404);
  });

  it('adds external events once per custom id, and lists events newest first from an id', async () => {
    const body = '<event><description>Backup done</description><severity>normal</severity><origin>backup-tool</origin><custom_id>7</custom_id></event>';
    const first = XML.read(T.Event, (await api.call('POST', '/events', body)).text);
    const again = XML.read(T.Event, (await api.call('POST', '/events', body)).text);
    assert.equal(again.id, first.id);
    await api.call('POST', '/datacenters', '<data_center><name>after-the-event</name></data_center>');
    const all = XML.readList(T.Event, (await api.call('GET', '/events')).text);
    const ids = all.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const later = XML.readList(T.Event, (await api.call('GET', `/events?from=${first.id}`)).text);
    assert.ok(later.length >= 1 && later.every((e) => Number(e.id) > Number(first.id)));
    assert.ok(later.some((e) => e.code === 9100 && String(e.description).includes('after-the-event')), 'every change is an event');
    assert.equal(XML.readList(T.Event, (await api.call('GET', '/events?max=2')).text).length, 2);
  });
});

describe('event stream', () => {
  const ctx = withEngine({ format: JSON_FORMAT });
  let t: TestEngine;
  let api: ApiClient;
  before(() => ({ t, api } = ctx));

  /** Reads SSE messages until `want` of them arrived. */
  async function read(headers: Record<string, string>, want: number, during: () => Promise<void>): Promise<{ id: number; data: Obj }[]> {
    const controller = new AbortController();
    const res = await fetch(`${t.base}/ovirt-engine/api/events/stream`, { headers: { Authorization: `Bearer ${api.token}`, ...headers }, signal: controller.signal });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const got: { id: number; data: Obj }[] = [];
    let buffer = '';
    await during();
    const deadline = setTimeout(() => controller.abort(), 5000);
    try {
      while (got.length < want) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += Buffer.from(value).toString();
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(message)?.[1];
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (id && data) got.push({ id: Number(id), data: JSON_FORMAT.read(T.Event, data) });
        }
      }
    } finally {
      clearTimeout(deadline);
      controller.abort();
    }
    return got;
  }

  it('delivers a VM start within a second, and resumes from Last-Event-ID', async () => {
    const host = JSON_FORMAT.read(T.Host, (await api.call('POST', '/hosts', JSON.stringify({ name: 'sh', address: 'sh.example.com', root_password: 'secret-pw' }))).text);
    await until(async () => JSON_FORMAT.read(T.Host, (await api.call('GET', `/hosts/${host.id}`)).text).status === 'up');
    const vm = JSON_FORMAT.read(T.Vm, (await api.call('POST', '/vms', vmBody(JSON_FORMAT, 'streamed'))).text);
    let startedAt = 0;
    const seen = await read({}, 1, async () => {
      startedAt = Date.now();
      assert.equal((await api.call('POST', `/vms/${vm.id}/start`, '{}')).status, 200);
    });
    assert.equal(seen[0].data.code, 9200);
    assert.ok(Date.now() - startedAt < 1000, `delivered in ${Date.now() - startedAt} ms`);
    const first = seen[0].id;
    await until(async () => JSON_FORMAT.read(T.Vm, (await api.call('GET', `/vms/${vm.id}`)).text).status === 'up');
    const resumed = await read({ 'Last-Event-ID': String(first) }, 1, async () => undefined);
    assert.ok(resumed[0].id > first, 'resumes after the last id seen');
    assert.equal(resumed[0].data.code, 9201, 'the VM going up came next');
  });
});

describe('restart mid-transition', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start(SQLITE, { simSpeed: 4 });
  });
  after(async () => t?.stop());

  it('settles every transition after a restart', async () => {
    const api = await ApiClient.of(t, XML);
    const host = XML.read(T.Host, (await api.call('POST', '/hosts', '<host><name>r1</name><address>r1.example.com</address><root_password>secret-pw</root_password></host>')).text);
    await until(async () => XML.read(T.Host, (await api.call('GET', `/hosts/${host.id}`)).text).status === 'up');
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms', vmBody(XML, 'interrupted'))).text);
    await api.call('POST', `/vms/${vm.id}/start`, '<action/>');
    assert.equal(XML.read(T.Vm, (await api.call('GET', `/vms/${vm.id}`)).text).status, 'wait_for_launch');
    await t.restart();
    await until(async () => XML.read(T.Vm, (await api.call('GET', `/vms/${vm.id}`)).text).status === 'up', 10000);
    const jobs = XML.readList(T.Job, (await api.call('GET', '/jobs')).text);
    assert.ok(jobs.every((j) => j.status !== 'started'), 'no job is left running');
  });
});

describe('cancelling a migration', () => {
  // Slow enough (a migration takes 1 s) to be cancelled halfway.
  const ctx = withEngine({ overrides: { simSpeed: 4 } });

  it('keeps the VM up on its host, and refreshes a host', async () => {
    const rt = new Runtime(ctx.t, ctx.api);
    const h1 = await rt.host('m1');
    const h2 = await rt.host('m2');
    const vm = await rt.add('/vms', T.Vm, vmBody(XML, 'stay'));
    await rt.act(`/vms/${vm.id}`, 'start', { host: { id: h1.id } });
    await rt.status(`/vms/${vm.id}`, T.Vm, 'up');
    await rt.act(`/vms/${vm.id}`, 'migrate', { host: { id: h2.id } });
    assert.equal((await rt.get(`/vms/${vm.id}`, T.Vm)).status, 'migrating');
    await rt.act(`/vms/${vm.id}`, 'cancelmigration');
    const stayed = await rt.get(`/vms/${vm.id}`, T.Vm);
    assert.equal(stayed.status, 'up');
    assert.equal((stayed.host as Obj).id, h1.id);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(((await rt.get(`/vms/${vm.id}`, T.Vm)).host as Obj).id, h1.id, 'the cancelled migration never lands');
    await rt.act(`/vms/${vm.id}`, 'cancelmigration', {}, 409);
    assert.ok((await rt.events()).some((e) => e.code === 9210));
    assert.equal((await rt.act(`/hosts/${h1.id}`, 'refresh')).status, 'complete');
    assert.equal((await rt.get(`/hosts/${h1.id}`, T.Host)).memory, h1.memory);
  });
});
