// A write that reads files reads them before its transaction: on SQLite, whose one connection
// that transaction would hold, other writes go on while the read waits on storage that does not
// answer (a FIFO no one has opened for writing yet), and the write completes once it answers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, SQLITE, TestEngine } from './support/engine';
import { localDataDomains } from './support/domains';
import { restCalls } from './support/rest';
import { until } from './support/until';

const MiB = 1024 * 1024;

/** Whether `work` settles within `ms`. */
const within = <R>(ms: number, work: Promise<R>) =>
  Promise.race([work.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** Whether a thread of this process (the engine's, in tests) waits in the open of a FIFO for a writer. */
const waitingOnFifo = () => fs.readdirSync('/proc/self/task')
  .some((task) => fs.readFileSync(`/proc/self/task/${task}/wchan`, 'utf8') === 'wait_for_partner');

describe('file reads of a write on SQLite', function () {
  let t: TestEngine;
  let api: ApiClient;
  let dir: string;
  const domains: Record<string, Obj> = {};
  const { get } = restCalls(() => api);

  before(async () => {
    t = await TestEngine.start(SQLITE);
    api = await ApiClient.of(t, XML);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-file-reads-'));
    Object.assign(domains, await localDataDomains(api, XML, dir, ['data1']));
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adds a tag while a disk register waits on the OVF store, then registers the disk once the store answers', async () => {
    const domainDir = path.join(dir, 'data1', String(domains.data1.id));
    const diskId = randomUUID();
    const volume = path.join(domainDir, 'images', diskId, randomUUID());
    fs.mkdirSync(path.dirname(volume));
    execFileSync('qemu-img', ['create', '-f', 'qcow2', volume, String(8 * MiB)]);
    const store = path.join(domainDir, 'dom_md', 'ovf_store.tar');
    fs.rmSync(store, { force: true });
    execFileSync('mkfifo', [store]);

    const registering = api.call('POST', `/storagedomains/${String(domains.data1.id)}/disks?unregistered=true`, XML.write(T.Disk, { id: diskId }));
    await until(async () => waitingOnFifo());
    try {
      const tagged = api.call('POST', '/tags', XML.write(T.Tag, { name: 'meanwhile' }));
      assert.ok(await within(5000, tagged), 'a tag is added while the register reads');
      assert.equal((await tagged).status, 201);
      assert.equal(await within(200, registering), false);
    } finally {
      // The store answers, empty: it describes no disk.
      fs.closeSync(fs.openSync(store, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    }
    const registered = await registering;
    assert.equal(registered.status, 201, registered.text);
    const disk = await get(`/disks/${diskId}`, T.Disk);
    assert.deepEqual([disk.image_id, disk.format, disk.provisioned_size], [path.basename(volume), 'cow', 8 * MiB]);
  });
});
