// The SDK's image transfers against an in-process engine: sparse qcow2 images move only their
// data, over several connections, come back identical (`qemu-img compare`); an upload goes on
// across a restart of the image proxy, and across a lost ticket (resumed), without sending again
// what was already written; a failed upload is cancelled.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ADMIN_PASSWORD, ApiClient, TestEngine, withEngine } from './support/engine';
import { localDataDomains } from './support/domains';
import { exchange } from './support/http';
import { until } from './support/until';
import { controlSocketOf } from '../proxy/server';
import { downloadImage, uploadImage } from '../sdk/imageio';
import { Connection, ImageioError, download, upload } from '../sdk';

const MiB = 1024 * 1024;

describe('SDK image transfers', function () {
  // Images move through qemu-nbd at both ends: slow on a loaded machine.
  this.timeout(120_000);
  const ctx = withEngine();
  let t: TestEngine;
  let api: ApiClient;
  let ca: string;
  let dir: string;

  const ok = async (method: string, p: string, body?: string, status = 200) => {
    const r = await api.call(method, p, body);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    return r.text;
  };
  const disk = async (name: string, format: 'raw' | 'cow', size: number) =>
    XML.read(T.Disk, await ok('POST', '/disks', `<disk><name>${name}</name><format>${format}</format><provisioned_size>${size}</provisioned_size><storage_domains><storage_domain><name>images</name></storage_domain></storage_domains></disk>`, 201));
  const phase = async (x: Obj, wanted: string) => {
    let now: Obj = x;
    await until(async () => (now = XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${x.id}`))).phase === wanted);
    return now;
  };
  /** A transfer of guest data (format=raw), once it is transferring. */
  const transfer = async (d: Obj, direction: string) =>
    phase(XML.read(T.ImageTransfer, await ok('POST', '/imagetransfers', `<image_transfer><disk id="${d.id}"/><direction>${direction}</direction><format>raw</format></image_transfer>`, 201)), 'transferring');
  const finalize = async (x: Obj) => {
    await ok('POST', `/imagetransfers/${x.id}/finalize`, '<action/>');
    await phase(x, 'finished_success');
  };

  /** A sparse qcow2 image of `size` bytes with data written by qemu-io at each [offset, length]. */
  function sparseQcow2(name: string, size: number, writes: [number, number, number][]): string {
    const file = path.join(dir, name);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', file, String(size)]);
    for (const [pattern, offset, length] of writes) execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} ${offset} ${length}`, file]);
    return file;
  }

  /** Downloads the disk's guest data into a local qcow2 and checks it is the image's. */
  async function downloadsAs(d: Obj, image: string) {
    const down = await transfer(d, 'download');
    const copy = path.join(dir, `${String(d.name)}-copy.qcow2`);
    const stats = await downloadImage(String(down.proxy_url), copy, { ca });
    await finalize(down);
    execFileSync('qemu-img', ['compare', '-q', image, copy]);
    assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', copy]).toString()).format, 'qcow2');
    return stats;
  }

  before(async () => {
    ({ t, api } = ctx);
    ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-sdk-transfers-'));
    await localDataDomains(api, XML, dir, ['images']);
    const host = XML.read(T.Host, await ok('POST', '/hosts', '<host><name>sdk-host</name><address>sdk-host.example.com</address><root_password>secret-pw</root_password></host>', 201));
    await until(async () => XML.read(T.Host, await ok('GET', `/hosts/${host.id}`)).status === 'up');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves only the data of a sparse qcow2 image, up and back down, identical', async () => {
    const image = sparseQcow2('sparse.qcow2', 64 * MiB, [[0xab, MiB, 64 * 1024]]);
    const d = await disk('sparse', 'cow', 64 * MiB);
    const up = await transfer(d, 'upload');
    const seen: [number, number][] = [];
    const stats = await uploadImage(String(up.proxy_url), image, { ca, fresh: true, progress: (done, total) => seen.push([done, total]) });
    await finalize(up);
    // The 64 KiB written went, not the 64 MiB the image stands for.
    assert.deepEqual(seen[seen.length - 1], [64 * 1024, 64 * 1024]);
    assert.equal(stats.dataBytes, 64 * 1024);
    assert.equal(stats.bytesSent, 64 * 1024);
    assert.ok(stats.local, "on the proxy's machine, data goes over the Unix socket it offers");
    const down = await downloadsAs(d, image);
    assert.equal(down.bytesReceived, 64 * 1024, 'the download fetches the data extents alone');
    assert.ok(down.local);
  });

  it('moves data over several connections at once (over TLS when told not to take the Unix socket)', async () => {
    const image = sparseQcow2('spread.qcow2', 32 * MiB, [[0x11, 0, 3 * MiB], [0x22, 8 * MiB, 3 * MiB], [0x33, 20 * MiB, 3 * MiB]]);
    const d = await disk('spread', 'cow', 32 * MiB);
    const up = await transfer(d, 'upload');
    let accepted = 0;
    const count = () => accepted++;
    t.proxy.server.on('secureConnection', count);
    try {
      const stats = await uploadImage(String(up.proxy_url), image, { ca, fresh: true, workers: 4, requestSize: MiB, unixSocket: false });
      assert.equal(stats.workers, 4);
      assert.equal(stats.local, false);
      assert.equal(stats.connections, 5, 'one connection per worker, and one for OPTIONS and flush');
    } finally {
      t.proxy.server.off('secureConnection', count);
    }
    assert.equal(accepted, 5, 'the proxy took as many connections');
    await finalize(up);
    const down = await downloadsAs(d, image);
    assert.equal(down.workers, 4);
    assert.equal(down.dataBytes, 9 * MiB);
  });

  it('zeroes what reads as zeros when the disk held data before', async () => {
    const d = await disk('reused', 'cow', 8 * MiB);
    const full = sparseQcow2('full.qcow2', 8 * MiB, [[0x77, 0, 8 * MiB]]);
    const first = await transfer(d, 'upload');
    await uploadImage(String(first.proxy_url), full, { ca, fresh: true });
    await finalize(first);
    const image = sparseQcow2('over.qcow2', 8 * MiB, [[0x55, 2 * MiB, MiB]]);
    const second = await transfer(d, 'upload');
    const stats = await uploadImage(String(second.proxy_url), image, { ca });
    await finalize(second);
    assert.equal(stats.dataBytes, MiB);
    assert.equal(stats.zeroedBytes, 7 * MiB);
    await downloadsAs(d, image);
  });

  it('goes on after the image proxy restarts mid-upload, sending again only what was under way', async () => {
    const image = sparseQcow2('restarted.qcow2', 64 * MiB, [[0x41, 0, 16 * MiB], [0x42, 32 * MiB, 16 * MiB]]);
    const d = await disk('restarted', 'cow', 64 * MiB);
    const up = await transfer(d, 'upload');
    const requestSize = MiB;
    let retried = 0;
    let restarting: Promise<void> | undefined;
    const stats = await uploadImage(String(up.proxy_url), image, {
      ca, fresh: true, workers: 2, requestSize, retryForMs: 30_000,
      // A third of the way in, the proxy goes down, its connections with it, until the client has seen it gone.
      progress: (done) => void (done >= 10 * MiB && (restarting ??= t.restartProxy(() => until(async () => retried > 0)))),
      onRetry: () => retried++,
    });
    await restarting;
    assert.ok(stats.retries > 0);
    assert.equal(stats.dataBytes, 32 * MiB);
    assert.ok(stats.bytesSent <= 32 * MiB + stats.retries * requestSize, `${stats.bytesSent} bytes sent in ${stats.retries} retries: only requests under way went again`);
    await finalize(up);
    await downloadsAs(d, image);
  });

  describe('through a connection', () => {
    let conn: Connection;
    /** Waits on the control plane poll often: the test engine moves in milliseconds. */
    const quick = { intervalMs: 20 };
    before(async () => {
      conn = await Connection.open({ url: t.httpsBase, username: 'admin@internal', password: ADMIN_PASSWORD, ca });
    });
    after(() => conn.close());

    it('uploads a sparse qcow2 into a disk it makes, and downloads it back identical', async () => {
      const image = sparseQcow2('sdk.qcow2', 64 * MiB, [[0xab, MiB, 64 * 1024]]);
      const seen: [number, number][] = [];
      const up = await upload(conn, image, { storageDomain: 'images', ...quick }, (done, total) => seen.push([done, total]));
      assert.equal(up.transfer.phase, 'finished_success');
      assert.equal(up.disk.status, 'ok');
      assert.equal(up.disk.name, 'sdk');
      assert.equal(up.disk.format, 'cow');
      assert.equal(Number(up.disk.provisioned_size), 64 * MiB);
      assert.deepEqual(seen[seen.length - 1], [64 * 1024, 64 * 1024], 'the data went, not the virtual size');
      const copy = path.join(dir, 'sdk-copy.qcow2');
      const down = await download(conn, String(up.disk.id), copy, quick);
      assert.equal(down.stats.bytesReceived, 64 * 1024);
      assert.equal(down.disk.status, 'ok');
      execFileSync('qemu-img', ['compare', '-q', image, copy]);
      const raw = path.join(dir, 'sdk-copy.raw');
      await download(conn, String(up.disk.id), raw, quick);
      assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', raw]).toString()).format, 'raw', 'named .raw, it is raw');
      execFileSync('qemu-img', ['compare', '-q', image, raw]);
    });

    it('resumes an upload the system paused when its ticket went, and sends the rest to the new one', async () => {
      const image = sparseQcow2('paused.qcow2', 64 * MiB, [[0x61, 0, 8 * MiB], [0x62, 16 * MiB, 24 * MiB]]);
      const refused: number[] = [];
      let removing: Promise<void> | undefined;
      // Once the first request is answered, the ticket goes (as a host losing it): the data plane
      // refuses it, the engine pauses the upload. Most of the data is still to come then, so the
      // removal lands before the upload ends however slow the machine is.
      const removeTicket = async () => {
        const [x] = XML.readList(T.ImageTransfer, await ok('GET', '/imagetransfers')).filter((x) => x.phase === 'transferring');
        const gone = await exchange(http.request({ socketPath: controlSocketOf(t.config.dataDir), method: 'DELETE', path: `/tickets/${String(x.proxy_url).split('/images/')[1]}` }));
        assert.equal(gone.status, 204);
      };
      const up = await upload(conn, image, {
        storageDomain: 'images', workers: 1, requestSize: MiB, retryForMs: 30_000, ...quick,
        onRetry: (e) => void (e instanceof ImageioError && e.status !== undefined && refused.push(e.status)),
      }, (done) => void (done >= MiB && (removing ??= removeTicket())));
      await removing;
      assert.ok(refused.length > 0 && refused.every((s) => s === 403), `refusals: ${refused.join(', ')}`);
      assert.equal(up.stats.dataBytes, 32 * MiB);
      assert.ok(up.stats.bytesSent <= 32 * MiB + up.stats.retries * MiB, `${up.stats.bytesSent} bytes sent in ${up.stats.retries} retries`);
      await downloadsAs(up.disk, image);
    });

    it('cancels an upload that fails, and the engine removes its disk', async () => {
      const small = await disk('small', 'cow', MiB);
      const image = sparseQcow2('large.qcow2', 8 * MiB, [[0x71, 4 * MiB, MiB]]);
      await assert.rejects(upload(conn, image, { disk: String(small.id), ...quick }), (e: unknown) => e instanceof ImageioError && e.status === 416);
      await until(async () => (await api.call('GET', `/disks/${small.id}`)).status === 404);
      const [x] = XML.readList(T.ImageTransfer, await ok('GET', '/imagetransfers')).filter((x) => (x.disk as Obj | undefined)?.id === small.id);
      assert.equal(x.phase, 'finished_failure');
    });
  });
});
