// File-system work runs outside the database transaction, each step within a time bound: storage
// that blocks or never answers leaves the engine answering, and the request gets a fault.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as T from '../../model/types';
import { ADMIN_USER_ID } from '../../services/store/seed';
import { Obj, XML } from '../../model/codec';
import { BACKENDS, Reply, withEngine } from '../support/engine';

const HEALTH = '/ovirt-engine/services/health';

/** Resolves after the event loop has run timers once more: the step between two polls. */
const tick = () => new Promise((r) => setTimeout(r, 10));

/**
 * Waits until a process opens the FIFO at `file` for reading, then holds it open for writing (the
 * reader stays blocked until something is written). Answers undefined if none did once `settled()`.
 */
async function readerOf(file: string, settled: () => boolean): Promise<number | undefined> {
  for (;;) {
    try {
      return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      // No reader yet, or (when the engine removes it without reading) no FIFO.
      if (!['ENXIO', 'ENOENT'].includes(String((e as NodeJS.ErrnoException).code))) throw e;
    }
    if (settled()) return undefined;
    await tick();
  }
}

/** A request whose answer is watched for, not waited on. */
function pending(request: Promise<Reply>): { answer: Promise<Reply>; settled: () => boolean } {
  let done = false;
  const answer = request.finally(() => (done = true));
  return { answer, settled: () => done };
}

for (const backend of BACKENDS) describe(`security: blocking file-system work on ${backend.name}`, () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-blocking-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Makes a domain under the root whose metadata is then a FIFO: reading it blocks until written. */
  async function domainOnFifo(api: { call(m: string, p: string, b?: string): Promise<Reply> }, name: string): Promise<{ sd: Obj; fifo: string; metadata: string }> {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    const r = await api.call('POST', '/storagedomains', `<storage_domain><name>${name}</name><type>data</type><storage><type>posixfs</type><path>${dir}</path></storage></storage_domain>`);
    assert.equal(r.status, 201, r.text);
    const sd = XML.read(T.StorageDomain, r.text);
    const fifo = path.join(dir, String(sd.id), 'dom_md', 'metadata');
    const metadata = fs.existsSync(fifo) ? fs.readFileSync(fifo, 'utf8') : '';
    fs.rmSync(fifo, { force: true });
    fs.mkdirSync(path.dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
    return { sd, fifo, metadata };
  }

  describe('a path under /proc, where mkdir -p never ends', () => {
    const ctx = withEngine({ backend, overrides: { storageRoots: ['/proc'] } });

    it('is refused with a fault, and the engine answers meanwhile', async () => {
      const adding = pending(ctx.api.call('POST', '/storagedomains', '<storage_domain><name>proc</name><type>data</type><storage><type>posixfs</type><path>/proc</path></storage></storage_domain>'));
      assert.equal((await ctx.t.request('GET', HEALTH)).status, 200);
      const r = await adding.answer;
      assert.equal(r.status, 400, r.text);
      assert.match(String(XML.read(T.Fault, r.text, 'fault').detail), /Cannot make the domain's directory in storage.path '\/proc': ENOENT/);
      const names = XML.readList(T.StorageDomain, (await ctx.api.call('GET', '/storagedomains')).text).map((d) => d.name);
      assert.equal(names.includes('proc'), false, 'nothing is kept');
    });
  });

  describe('a step under way', () => {
    // Long enough that the step is still under way whatever the machine's load.
    const ctx = withEngine({ backend, overrides: { storageRoots: [root], fsTimeout: 600 } });

    it('holds no transaction: health and other changes are answered until it ends', async () => {
      const { sd, fifo, metadata } = await domainOnFifo(ctx.api, 'slow');
      const formatting = pending(ctx.api.call('DELETE', `/storagedomains/${sd.id}?format=true`));
      const writer = await readerOf(fifo, formatting.settled);
      if (writer === undefined) assert.fail(`the format did not wait on the storage: it answered ${(await formatting.answer).status}`);
      try {
        assert.equal((await ctx.t.request('GET', HEALTH)).status, 200);
        assert.equal((await ctx.api.call('POST', '/datacenters', '<data_center><name>meanwhile</name></data_center>')).status, 201);
        assert.equal(formatting.settled(), false, 'the format is still under way');
        fs.writeSync(writer, metadata);
      } finally {
        fs.closeSync(writer);
      }
      const r = await formatting.answer;
      assert.equal(r.status, 200, r.text);
      assert.equal((await ctx.api.call('GET', `/storagedomains/${sd.id}`)).status, 404);
    });
  });

  describe('a step that does not end in time', () => {
    const ctx = withEngine({ backend, overrides: { storageRoots: [root], fsTimeout: 0.5 } });

    it('fails the request with a fault naming the step, and undoes its change', async () => {
      const { sd, fifo } = await domainOnFifo(ctx.api, 'hung');
      const r = await ctx.api.call('DELETE', `/storagedomains/${sd.id}?format=true`);
      // Lets the step blocked in open(2), if any, go on (to find no metadata).
      const writer = await readerOf(fifo, () => true);
      if (writer !== undefined) fs.closeSync(writer);
      assert.equal(r.status, 409, r.text);
      assert.match(r.text, /did not answer: formatting storage domain hung took longer than 0.5 s/);
      assert.equal((await ctx.api.call('GET', `/storagedomains/${sd.id}`)).status, 200, 'the domain is kept');
      assert.equal((await ctx.t.request('GET', HEALTH)).status, 200);
    });
  });

  describe('a disk volume step that does not end in time', () => {
    const ctx = withEngine({ backend, overrides: { storageRoots: [root] } });

    it('answers a fault naming the step and keeps no disk', async () => {
      const dir = path.join(root, 'volumes');
      fs.mkdirSync(dir);
      const added = await ctx.api.call('POST', '/storagedomains', `<storage_domain><name>volumes</name><type>data</type><storage><type>posixfs</type><path>${dir}</path></storage></storage_domain>`);
      assert.equal(added.status, 201, added.text);
      const sd = XML.read(T.StorageDomain, added.text);
      // A bound shorter than any qemu-img run: the volume step is always late.
      const config = ctx.t.engine.config as { fsTimeout: number };
      config.fsTimeout = 0.001;
      const r = await ctx.api.call('POST', '/disks', `<disk><name>late</name><provisioned_size>1048576</provisioned_size><format>cow</format><storage_domains><storage_domain id="${sd.id}"/></storage_domains></disk>`);
      config.fsTimeout = 30;
      assert.equal(r.status, 409, r.text);
      assert.match(r.text, /did not answer: creating the volume of disk late took longer than 0.001 s/);
      const names = XML.readList(T.Disk, (await ctx.api.call('GET', '/disks')).text).map((d) => d.name);
      assert.equal(names.includes('late'), false, 'no disk is kept');
      assert.equal((await ctx.t.request('GET', HEALTH)).status, 200);
    });

    it('brings a disk whose volume removal is late back illegal, with what it owned', async () => {
      const dir = path.join(root, 'removals');
      fs.mkdirSync(dir);
      const sd = XML.read(T.StorageDomain, (await ctx.api.call('POST', '/storagedomains', `<storage_domain><name>removals</name><type>data</type><storage><type>posixfs</type><path>${dir}</path></storage></storage_domain>`)).text);
      const made = await ctx.api.call('POST', '/disks', `<disk><name>slow-to-go</name><provisioned_size>1048576</provisioned_size><format>raw</format><storage_domains><storage_domain id="${sd.id}"/></storage_domains></disk>`);
      assert.equal(made.status, 201, made.text);
      const disk = XML.read(T.Disk, made.text);
      const given = await ctx.api.call('POST', `/disks/${disk.id}/permissions`, `<permission><role><name>DiskOperator</name></role><user id="${ADMIN_USER_ID}"/></permission>`);
      assert.equal(given.status, 201, given.text);
      // Thousands of files in the disk's directory: removing it takes longer than the bound.
      const images = path.join(dir, String(sd.id), 'images', String(disk.id));
      for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(images, `f${i}`), '');
      const config = ctx.t.engine.config as { fsTimeout: number };
      config.fsTimeout = 0.001;
      const r = await ctx.api.call('DELETE', `/disks/${disk.id}`);
      config.fsTimeout = 30;
      assert.equal(r.status, 409, r.text);
      assert.match(r.text, /removing the volume of disk slow-to-go took longer than 0.001 s/);
      const back = XML.read(T.Disk, (await ctx.api.call('GET', `/disks/${disk.id}`)).text);
      assert.equal(back.status, 'illegal');
      const permissions = XML.readList(T.Permission, (await ctx.api.call('GET', `/disks/${disk.id}/permissions`)).text);
      assert.deepEqual(permissions.map((p) => p.id), [XML.read(T.Permission, given.text).id], 'the permission on the disk is back');
      assert.equal((await ctx.api.call('DELETE', `/disks/${disk.id}`)).status, 200, 'removed again once the storage answers');
      assert.equal(fs.existsSync(images), false);
    });
  });
});
