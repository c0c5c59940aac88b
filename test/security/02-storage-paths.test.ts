// Storage paths: ids a client gives are UUIDs; a domain lives only under the data dir's exports or a
// storage root, never elsewhere in the data dir; formatting removes only what the engine made.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { XML } from '../../model/codec';
import { BACKENDS, withEngine } from '../support/engine';

/** A directory `make` may create; removed after the tests. */
const scratch = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

for (const backend of BACKENDS) describe(`security: storage paths on ${backend.name}`, () => {
  const root = scratch('hangar-root-');
  const outside = scratch('hangar-outside-');
  const ctx = withEngine({ backend, overrides: { storageRoots: [root] } });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const domainBody = (name: string, storage: string, id?: string) =>
    `<storage_domain${id === undefined ? '' : ` id="${id}"`}><name>${name}</name><type>data</type><storage>${storage}</storage></storage_domain>`;
  const local = (target: string) => `<type>localfs</type><path>${target}</path>`;
  const domainNames = async () => XML.readList(T.StorageDomain, (await ctx.api.call('GET', '/storagedomains')).text).map((d) => String(d.name));
  /** Adds a data domain in a new directory under the root. */
  const addDomain = async (name: string) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    const r = await ctx.api.call('POST', '/storagedomains', domainBody(name, local(dir)));
    assert.equal(r.status, 201, r.text);
    const sd = XML.read(T.StorageDomain, r.text);
    return { sd, dir: path.join(dir, String(sd.id)) };
  };

  it('refuses an id that is not a UUID, for every type a client may add with an id', async () => {
    const victim = path.join(outside, 'victim');
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(victim, 'precious'), 'data');
    const target = path.join(root, 'ids');
    fs.mkdirSync(target);
    const bad = path.relative(target, victim);
    const refused = [
      ['/storagedomains', domainBody('by-id', local(target), bad)],
      ['/datacenters', `<data_center id="${bad}"><name>by-id</name></data_center>`],
      ['/groups', '<group id="not-a-uuid"><name>by-id</name></group>'],
    ];
    for (const [url, body] of refused) {
      const r = await ctx.api.call('POST', url, body);
      assert.equal(r.status, 400, `${url}: ${r.text}`);
      assert.match(r.text, /must be a UUID/);
      const list = await ctx.api.call('GET', url);
      assert.equal(list.status, 200);
      assert.equal(list.text.includes('<name>by-id</name>'), false, `${url} kept it`);
    }
    assert.deepEqual(fs.readdirSync(victim), ['precious']);
    assert.deepEqual(fs.readdirSync(target), []);

    // A UUID of the client's choice is kept, once.
    const id = randomUUID();
    assert.equal((await ctx.api.call('POST', '/datacenters', `<data_center id="${id.toUpperCase()}"><name>chosen</name></data_center>`)).status, 201);
    assert.equal((await ctx.api.call('GET', `/datacenters/${id}`)).status, 200);
    assert.equal((await ctx.api.call('POST', '/datacenters', `<data_center id="${id}"><name>again</name></data_center>`)).status, 409);
  });

  it('refuses a domain outside the storage roots or inside the data dir, and keeps nothing', async () => {
    const dataDir = ctx.t.config.dataDir;
    const before = fs.readdirSync(dataDir).sort();
    const away = fs.mkdtempSync(path.join(outside, 'away-'));
    const link = path.join(root, 'link-out');
    fs.symlinkSync(away, link);
    const refused = [
      local(away),
      local(`${root}/../${path.relative(path.dirname(root), away)}`),
      local('/'),
      local('/etc'),
      local(link),
      local(dataDir),
      local(path.join(dataDir, 'pki')),
      '<type>posixfs</type><path>/proc</path>',
      '<type>nfs</type><address>..</address><path>/pki</path>',
      '<type>nfs</type><address>.</address><path>/</path>',
      '<type>nfs</type><address>../..</address><path>/</path>',
    ];
    for (const storage of refused) {
      const r = await ctx.api.call('POST', '/storagedomains', domainBody('misplaced', storage));
      assert.equal(r.status, 400, `${storage}: ${r.text}`);
    }
    assert.equal((await domainNames()).includes('misplaced'), false);
    assert.deepEqual(fs.readdirSync(away), []);
    assert.deepEqual(fs.readdirSync(dataDir).sort(), before);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'pki')).some((f) => /^[0-9a-f-]{36}$/.test(f)), false);
  });

  it('formats a domain by removing its metadata and images only, keeping what the engine did not make', async () => {
    const { sd, dir } = await addDomain('formatted');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not the engine\'s');
    fs.writeFileSync(path.join(path.dirname(dir), 'beside.txt'), 'not the engine\'s');
    assert.equal((await ctx.api.call('DELETE', `/storagedomains/${sd.id}?format=true`)).status, 200);
    assert.deepEqual(fs.existsSync(dir) && fs.readdirSync(dir), ['notes.txt']);
    assert.deepEqual(fs.readdirSync(path.dirname(dir)).sort(), [String(sd.id), 'beside.txt'].sort());
  });

  it('does not format a directory that holds no metadata of the domain, and keeps the domain', async () => {
    const { sd, dir } = await addDomain('foreign');
    fs.rmSync(path.join(dir, 'dom_md'), { recursive: true, force: true });
    fs.writeFileSync(path.join(dir, 'images', 'kept'), 'data');
    const r = await ctx.api.call('DELETE', `/storagedomains/${sd.id}?format=true`);
    assert.equal(r.status, 409, r.text);
    assert.match(r.text, /holds no metadata of the domain/);
    assert.equal((await ctx.api.call('GET', `/storagedomains/${sd.id}`)).status, 200);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'images')), ['kept']);
  });
});
