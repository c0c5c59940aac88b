// List controls: `fields=` keeps only the named attributes (and id, href, the named links), in XML
// and JSON, on lists and entities; `Accept: application/x-ndjson` answers a list one JSON object a
// line; and lists are read from the database a page at a time and streamed, in order, none lost or
// twice, in the user view too.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { JSON_FORMAT, Obj, XML } from '../model/codec';
import { Repo } from '../services/store/repo';
import { ApiClient, BACKENDS, FORMATS, withEngine } from './support/engine';
import { addUser, clientOf, give, vmBody } from './support/users';
import { rowsRead } from './support/statements';

/** More than two pages of a list. */
const MANY = 1200;
/** More than one page of a list follows, fewer than all of it. */
const FOLLOW_MAX = 700;

for (const backend of BACKENDS) describe(`list controls on ${backend.name}`, () => {
  const ctx = withEngine({ backend, overrides: { followMaxObjects: FOLLOW_MAX } });
  let vm: Obj;

  const ok = async (api: ApiClient, path: string, extra?: Record<string, string>) => {
    const r = await api.call('GET', path, undefined, extra);
    assert.equal(r.status, 200, `GET ${path}: ${r.text}`);
    return r;
  };
  const json = () => new ApiClient(ctx.t, JSON_FORMAT, ctx.api.token);

  before(async () => {
    const r = await ctx.api.call('POST', '/vms', vmBody('first'));
    assert.equal(r.status, 201, r.text);
    vm = XML.read(T.Vm, r.text);
  });

  for (const format of FORMATS) {
    it(`answers only the named fields, with id, href and the named links (${format.name})`, async () => {
      const api = new ApiClient(ctx.t, format, ctx.api.token);
      const [listed] = format.readList(T.Vm, (await ok(api, '/vms?fields=name,status,cluster')).text);
      assert.deepEqual(Object.keys(listed).sort(), ['cluster', 'id', 'name', 'status']);
      const text = (await ok(api, `/vms/${vm.id}?fields=name,nics,cpu.topology`)).text;
      const got = format.read(T.Vm, text);
      assert.deepEqual(Object.keys(got).sort(), ['cpu', 'id', 'name']);
      assert.deepEqual(Object.keys(got.cpu as Obj), ['topology']);
      // The sub-collection named keeps its link, no other link or action is written.
      const links = format === XML ? [...text.matchAll(/<link href="[^"]*" rel="([^"]*)"/g)].map((m) => m[1])
        : (JSON.parse(text) as { link: { rel: string }[] }).link.map((l) => l.rel);
      assert.deepEqual(links, ['nics']);
      assert.ok(!text.includes('actions'), text);
      assert.ok(text.includes(`/ovirt-engine/api/vms/${String(vm.id)}`), text);
    });
  }

  it('refuses an unknown field with 400 naming the fields there are', async () => {
    for (const path of ['/vms?fields=name,colour', `/vms/${vm.id}?fields=colour`, '/vms?fields=cpu.colour', '/vms?fields=name.first']) {
      const r = await ctx.api.call('GET', path);
      assert.equal(r.status, 400, `${path}: ${r.text}`);
    }
    const r = await ctx.api.call('GET', '/vms?fields=colour');
    assert.match(r.text, /colour/);
    assert.match(r.text, /name, description, comment/);
  });

  it('answers a list as one JSON object a line with Accept: application/x-ndjson', async () => {
    const r = await ok(ctx.api, '/vms', { Accept: 'application/x-ndjson' });
    assert.match(String(r.headers.get('content-type')), /^application\/x-ndjson/);
    const lines = r.text.split('\n');
    assert.equal(lines.pop(), '');
    const asJson = JSON.parse((await ok(json(), '/vms')).text) as { vm: unknown[] };
    assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), asJson.vm);
    // An empty list is no line at all, and `{}` in JSON as before.
    assert.equal((await ok(ctx.api, '/vms?search=name%3Dnone', { Accept: 'application/x-ndjson' })).text, '');
    assert.equal((await ok(json(), '/vms?search=name%3Dnone')).text, '{}');
    // What is not a list answers JSON to it.
    const one = await ok(ctx.api, `/vms/${vm.id}`, { Accept: 'application/x-ndjson' });
    assert.match(String(one.headers.get('content-type')), /^application\/json/);
    assert.equal(JSON_FORMAT.read(T.Vm, one.text).id, vm.id);
  });

  describe(`a list of ${MANY} VMs`, () => {
    const names: string[] = [];
    let own: string;
    /** The most rows one query of the vms table answered while `work` ran. */
    const largestRead = async (work: () => Promise<unknown>) => Math.max(0, ...(await rowsRead(ctx.t.engine.db, 'vms', work)));

    before(async () => {
      const [cluster] = await new Repo(ctx.t.engine.db).list(T.Cluster, {}, { where: { name: 'Default' } });
      await ctx.t.engine.db.transaction(async (trx) => {
        const repo = new Repo(trx);
        for (let i = 0; i < MANY; i++) {
          const name = `big-${String(i).padStart(4, '0')}`;
          names.push(name);
          await repo.insert(T.Vm, { id: randomUUID(), name, status: 'down', cluster: { id: cluster.id }, template: { id: '00000000-0000-0000-0000-000000000000' } });
        }
      });
      const userId = await addUser(ctx.api, 'lister', 'lister-pw-1');
      own = names[MANY - 7];
      const [mine] = XML.readList(T.Vm, (await ok(ctx.api, `/vms?search=name%3D${own}`)).text);
      await give(ctx.api, `/vms/${mine.id}`, 'UserRole', userId);
    });

    const bigNames = (objs: Obj[]) => objs.map((o) => String(o.name)).filter((n) => n.startsWith('big-'));

    it('streams every VM in order, none twice, reading the database a page at a time', async () => {
      let text = '';
      const most = await largestRead(async () => (text = (await ok(ctx.api, '/vms')).text));
      assert.deepEqual(bigNames(XML.readList(T.Vm, text)), names);
      assert.ok(most > 0 && most < MANY, `one query read ${most} rows`);
      const lines = (await ok(ctx.api, '/vms', { Accept: 'application/x-ndjson' })).text.trim().split('\n');
      assert.deepEqual(bigNames(lines.map((l) => JSON_FORMAT.read(T.Vm, l))), names);
      assert.deepEqual(bigNames(JSON_FORMAT.readList(T.Vm, (await ok(json(), '/vms')).text)), names);
    });

    it('keeps max, search and sorting across pages', async () => {
      assert.deepEqual(bigNames(XML.readList(T.Vm, (await ok(ctx.api, '/vms?max=700')).text)), names.slice(0, 699));
      const found = XML.readList(T.Vm, (await ok(ctx.api, `/vms?search=${encodeURIComponent('name=big-*')}`)).text);
      assert.deepEqual(bigNames(found), names);
      const sorted = XML.readList(T.Vm, (await ok(ctx.api, `/vms?search=${encodeURIComponent('name=big-* sortby name desc')}`)).text);
      assert.deepEqual(bigNames(sorted), [...names].reverse());
      const paged = XML.readList(T.Vm, (await ok(ctx.api, `/vms?max=600&search=${encodeURIComponent('name=big-* sortby name desc page 2')}`)).text);
      assert.deepEqual(bigNames(paged), [...names].reverse().slice(600, 1200));
    });

    it('shows a user only his VM, in the user view', async () => {
      const user = await clientOf(ctx.t, 'lister@internal', 'lister-pw-1');
      assert.deepEqual(XML.readList(T.Vm, (await ok(user, '/vms')).text).map((v) => v.name), [own]);
      const lines = (await ok(user, '/vms', { Accept: 'application/x-ndjson' })).text.trim().split('\n');
      assert.deepEqual(lines.map((l) => (JSON.parse(l) as Obj).name), [own]);
    });

    it('answers a fault when a page past the first passes the follow limit', async () => {
      const r = await ctx.api.call('GET', '/vms?follow=cluster');
      assert.equal(r.status, 400, r.text.slice(0, 200));
      assert.match(r.text, new RegExp(`follow may put at most ${FOLLOW_MAX} objects`));
      assert.equal(XML.readList(T.Vm, (await ok(ctx.api, `/vms?follow=cluster&max=${FOLLOW_MAX}`)).text).length, FOLLOW_MAX);
    });

    it('is sent chunked, with no length known in advance', async () => {
      for (const accept of ['application/xml', 'application/x-ndjson']) {
        const r = await ok(ctx.api, '/vms', { Accept: accept, 'Accept-Encoding': 'identity' });
        assert.equal(r.headers.get('content-length'), null);
        assert.equal(r.headers.get('transfer-encoding'), 'chunked');
      }
    });
  });
});
