// An image job whose engine process is killed is failed by another process once its hold lapses,
// as the process itself would have failed it: what it was making goes, what it locked is usable
// again. Several processes share PostgreSQL (a SQLite file has one writer process).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, POSTGRES, Sibling, TestEngine, siblingCalls, spawnSibling } from './support/engine';
import { localDataDomains, volumeFileOf } from './support/domains';
import { until } from './support/until';

const MiB = 1024 * 1024;
/** Processes whose image jobs lapse a second after they stop renewing them. */
const LEASE = { HANGAR_IMAGE_JOB_LEASE: '1' };

describe('image jobs of a killed engine process on PostgreSQL', function () {
  let t: TestEngine;
  let api: ApiClient;
  let dir: string;
  let domains: Record<string, Obj>;
  const via = () => siblingCalls(api);

  before(async () => {
    t = await TestEngine.start(POSTGRES);
    api = await ApiClient.of(t, XML);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-abandoned-'));
    domains = await localDataDomains(api, XML, dir, ['data1']);
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails the template a killed process was making: the template and its disk go, the VM and its disk are usable again', async () => {
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms', '<vm><name>source</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>')).text);
    await api.call('POST', `/vms/${String(vm.id)}/diskattachments`, XML.write(T.DiskAttachment, {
      bootable: true, interface: 'virtio', disk: { name: 'source-disk', format: 'raw', provisioned_size: 4 * MiB, storage_domains: [{ id: domains.data1.id }] },
    }));
    const [a] = XML.readList(T.DiskAttachment, (await api.call('GET', `/vms/${String(vm.id)}/diskattachments`)).text);
    const disk = XML.read(T.Disk, (await api.call('GET', `/disks/${String((a.disk as Obj).id)}`)).text);
    // The copy of a volume no one writes to never ends: it waits for the process to be killed.
    const volume = volumeFileOf(dir, domains, disk);
    fs.rmSync(volume);
    execFileSync('mkfifo', [volume]);

    await t.stopServing();
    const siblings: Sibling[] = [];
    try {
      const doomed = await spawnSibling(t, LEASE);
      siblings.push(doomed);
      const call = via()(doomed);
      const template = XML.read(T.Template, await call('POST', '/templates', `<template><name>stuck</name><vm id="${String(vm.id)}"/></template>`));
      assert.equal(template.status, 'locked');
      const [made] = XML.readList(T.DiskAttachment, await call('GET', `/templates/${String(template.id)}/diskattachments`));
      const job = async () => XML.readList(T.Job, await call('GET', '/jobs')).find((j) => String(j.description).includes('Creating template stuck'))!;
      const { id: jobId } = await job();
      await until(async () => XML.readList(T.Step, await call('GET', `/jobs/${String(jobId)}/steps`)).some((s) => String(s.description).startsWith('Copying')));
      await doomed.kill();
      siblings.pop();

      const next = await spawnSibling(t, LEASE);
      siblings.push(next);
      const after = via()(next);
      await until(async () => XML.readList(T.Template, await after('GET', '/templates?search=name%3Dstuck')).length === 0);
      assert.equal(XML.read(T.Job, await after('GET', `/jobs/${String(jobId)}`)).status, 'failed');
      assert.equal(XML.read(T.Vm, await after('GET', `/vms/${String(vm.id)}`)).status, 'down');
      assert.equal(XML.read(T.Disk, await after('GET', `/disks/${String(disk.id)}`)).status, 'ok');
      const gone = await fetch(`${next.base}/ovirt-engine/api/disks/${String((made.disk as Obj).id)}`, { headers: api.headers() });
      assert.equal(gone.status, 404);
      assert.equal(fs.existsSync(path.join(dir, 'data1', String(domains.data1.id), 'images', String((made.disk as Obj).id))), false);
      const events = XML.readList(T.Event, await after('GET', '/events'));
      assert.ok(events.some((e) => /Failed to create template stuck from VM source: the engine process running it stopped/.test(String(e.description))));
    } finally {
      // The killed process's qemu-img still waits for a writer: one comes, and it ends.
      try {
        fs.closeSync(fs.openSync(volume, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // No reader is left.
      }
      for (const s of siblings) await s.stop();
      await t.serve();
      api = await ApiClient.of(t, XML);
    }
  });
});
