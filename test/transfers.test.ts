// Image transfers: the control plane (/imagetransfers, phases, actions) and the data plane
// (/images/{ticket} on the proxy), moving real bytes in chunks, checked by checksums.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { blake2b } from 'hash-wasm';
import { execFileSync } from 'node:child_process';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, POSTGRES, Sibling, TestEngine, siblingCalls, spawnSibling, withEngine } from './support/engine';
import { until } from './support/until';
import { Repo } from '../services/store/repo';
import { exchange } from './support/http';
import { recordedPid } from '../services/nbd-server';
import { ALIGNMENT, AlignedPool } from '../proxy/aligned';
import { controlSocketOf } from '../proxy/server';
import { Tickets } from '../services/tickets';
import { StoredTransfer } from '../services/transfers';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const backend of BACKENDS) describe(`image transfers on ${backend.name}`, () => {
  const ctx = withEngine({ backend });
  let t: TestEngine;
  let api: ApiClient;
  let ca: string;
  let dir: string;

  /** One request to the image proxy, trusting the engine's CA. */
  const image = (method: string, url: string, o: { headers?: Record<string, string>; body?: Buffer | string } = {}) =>
    exchange(https.request(url, { method, ca, headers: o.headers }), o.body);

  const ok = async (method: string, p: string, body?: string, status = 200) => {
    const r = await api.call(method, p, body);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    return r.text;
  };
  const disk = async (name: string, format: 'raw' | 'cow', size = 8 * MiB) =>
    XML.read(T.Disk, await ok('POST', '/disks', `<disk><name>${name}</name><format>${format}</format><provisioned_size>${size}</provisioned_size><storage_domains><storage_domain><name>transfers</name></storage_domain></storage_domains></disk>`, 201));
  const transfer = async (d: Obj, direction: string, extra = '') => {
    const created = XML.read(T.ImageTransfer, await ok('POST', '/imagetransfers', `<image_transfer><disk id="${d.id}"/><direction>${direction}</direction>${extra}</image_transfer>`, 201));
    assert.equal(created.phase, 'initializing');
    return phase(created, 'transferring');
  };
  const phase = async (x: Obj, wanted: string) => {
    let now: Obj = x;
    try {
      await until(async () => (now = XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${x.id}`))).phase === wanted);
    } catch {
      assert.fail(`transfer ${String(x.id)} stayed ${String(now.phase)}, waiting for ${wanted}`);
    }
    return now;
  };
  const act = (x: Obj, name: string, status = 200) => ok('POST', `/imagetransfers/${x.id}/${name}`, '<action/>', status);
  const diskStatus = async (d: Obj) => XML.read(T.Disk, await ok('GET', `/disks/${d.id}`)).status;

  /** Uploads `data` in chunks of `chunk` bytes, deferring flushes to one PATCH flush. */
  async function upload(url: string, data: Buffer, chunk = 2 * MiB) {
    for (let offset = 0; offset < data.length; offset += chunk) {
      const piece = data.subarray(offset, offset + chunk);
      const r = await image('PUT', `${url}?flush=n`, { body: piece, headers: { 'Content-Range': `bytes ${offset}-${offset + piece.length - 1}/*` } });
      assert.equal(r.status, 200, r.body.toString());
    }
    assert.equal((await image('PATCH', url, { body: JSON.stringify({ op: 'flush' }), headers: { 'Content-Type': 'application/json' } })).status, 200);
  }

  async function download(url: string, size: number, chunk = 3 * MiB): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let offset = 0; offset < size; offset += chunk) {
      const end = Math.min(size, offset + chunk) - 1;
      const r = await image('GET', url, { headers: { Range: `bytes=${offset}-${end}` } });
      assert.equal(r.status, 206);
      assert.equal(r.headers['content-range'], `bytes ${offset}-${end}/${size}`);
      parts.push(r.body);
    }
    return Buffer.concat(parts);
  }

  before(async () => {
    ({ t, api } = ctx);
    ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-transfers-'));
    await ok('POST', '/storagedomains', `<storage_domain><name>transfers</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`, 201);
    const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters'));
    await ok('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>transfers</name></storage_domain>', 201);
    const host = XML.read(T.Host, await ok('POST', '/hosts', '<host><name>th</name><address>th.example.com</address><root_password>secret-pw</root_password></host>', 201));
    await until(async () => XML.read(T.Host, await ok('GET', `/hosts/${host.id}`)).status === 'up');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uploads and downloads a raw disk in chunks, byte for byte', async () => {
    const d = await disk('raw-up', 'raw');
    const data = randomBytes(8 * MiB);
    const up = await transfer(d, 'upload');
    assert.equal(await diskStatus(d), 'locked');
    assert.match(String(up.proxy_url), /^https:\/\/localhost:\d+\/images\/[0-9a-f-]+$/);
    const options = await image('OPTIONS', String(up.proxy_url));
    const offered = JSON.parse(options.body.toString()) as { unix_socket: string };
    assert.match(offered.unix_socket, /\/hangar-imageio\/\d+\.sock$/);
    assert.deepEqual(offered, { unix_socket: offered.unix_socket, features: ['checksum', 'extents', 'flush', 'zero'], max_readers: 8, max_writers: 1 });
    assert.equal(options.headers.allow, 'OPTIONS,GET,PUT,PATCH');
    await upload(String(up.proxy_url), data);
    await until(async () => Number(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).transferred) === data.length);
    await act(up, 'finalize');
    const done = await phase(up, 'finished_success');
    assert.equal(done.proxy_url, undefined, 'the URLs go with the ticket');
    assert.equal(done.transfer_url, undefined);
    assert.equal(await diskStatus(d), 'ok');

    const down = await transfer(d, 'download');
    const read = await image('OPTIONS', String(down.proxy_url));
    assert.equal(read.headers.allow, 'OPTIONS,GET');
    assert.equal(sha(await download(String(down.proxy_url), data.length)), sha(data));
    const whole = await image('GET', String(down.proxy_url));
    assert.equal(whole.status, 200);
    assert.equal(sha(whole.body), sha(data));
    // A client on this machine may take the Unix socket OPTIONS offers: plain HTTP, same protocol.
    const viaSocket = await exchange(http.request({ socketPath: offered.unix_socket, path: new URL(String(down.proxy_url)).pathname, headers: { Range: `bytes=${MiB}-${2 * MiB - 1}` } }));
    assert.equal(viaSocket.status, 206);
    assert.equal(sha(viaSocket.body), sha(data.subarray(MiB, 2 * MiB)));
    await act(down, 'finalize');
    await phase(down, 'finished_success');
    assert.equal((await image('GET', String(down.proxy_url), { headers: { Range: 'bytes=0-0' } })).status, 403, 'the ticket is gone');
  });

  it('moves aligned pieces of a file with direct I/O, past the page cache, where the file system allows it', async () => {
    const cachedPages = (file: string) => Number(execFileSync('fincore', ['--raw', '--noheadings', '--output', 'PAGES', file]).toString().trim());
    // Whether a direct write here bypasses the page cache (tmpfs, for one, keeps files in it).
    const direct = (() => {
      const probe = path.join(dir, 'direct-probe');
      try {
        const fd = fs.openSync(probe, fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_DIRECT);
        try {
          fs.writeSync(fd, new AlignedPool(ALIGNMENT).take()[0], 0, ALIGNMENT, 0);
        } finally {
          fs.closeSync(fd);
        }
        return cachedPages(probe) === 0;
      } catch {
        return false;
      }
    })();
    const d = await disk('direct', 'raw', 16 * MiB);
    const data = randomBytes(16 * MiB);
    const up = await transfer(d, 'upload');
    // 12 MiB in aligned pieces, then 4 MiB sent in two parts whose edges are not aligned.
    await upload(String(up.proxy_url), data.subarray(0, 12 * MiB), 12 * MiB);
    for (const [from, to] of [[12 * MiB, 12 * MiB + 1000], [12 * MiB + 1000, 16 * MiB]]) {
      const r = await image('PUT', String(up.proxy_url), { body: data.subarray(from, to), headers: { 'Content-Range': `bytes ${from}-${to - 1}/*` } });
      assert.equal(r.status, 200, r.body.toString());
    }
    await act(up, 'finalize');
    await phase(up, 'finished_success');
    // With direct I/O, of the volume's 4096 pages only the page the unaligned edges share went
    // through the page cache (and the few qemu-img reads to check the upload); without, all did.
    const cached = (when: string) => {
      const n = cachedPages(volumeOf(d));
      assert.ok(direct ? n < 16 : n === 4096, `${n} pages of the volume are cached ${when}, direct I/O ${direct ? 'available' : 'unavailable'}`);
    };
    cached('after the upload');
    const down = await transfer(d, 'download');
    assert.equal(sha((await image('GET', String(down.proxy_url))).body), sha(data));
    const [from, to] = [1000, 9 * MiB + 7];
    const part = await image('GET', String(down.proxy_url), { headers: { Range: `bytes=${from}-${to - 1}` } });
    assert.equal(sha(part.body), sha(data.subarray(from, to)));
    cached('after the downloads');
    await act(down, 'finalize');
    await phase(down, 'finished_success');
  });

  it('moves a qcow2 disk as it is, and checks an uploaded qcow2 on finalize', async () => {
    const local = path.join(dir, 'local.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', local, String(8 * MiB)]);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 1M', local]);
    const bytes = fs.readFileSync(local);
    const d = await disk('cow-up', 'cow');
    const up = await transfer(d, 'upload');
    await upload(String(up.proxy_url), bytes, MiB);
    await act(up, 'finalize');
    await phase(up, 'finished_success');
    const down = await transfer(d, 'download');
    // Extents cover the image: their end is its size, found without moving data.
    const extents = JSON.parse((await image('GET', `${String(down.proxy_url)}/extents`)).body.toString()) as { start: number; length: number }[];
    const size = extents[extents.length - 1].start + extents[extents.length - 1].length;
    assert.equal(size, bytes.length);
    const got = await download(String(down.proxy_url), size);
    assert.equal(sha(got), sha(bytes), 'the qcow2 file comes back as it went');
    const copy = path.join(dir, 'copy.qcow2');
    fs.writeFileSync(copy, got);
    execFileSync('qemu-io', ['-r', '-f', 'qcow2', '-c', 'read -P 0x5a 1M 1M', copy]);
    await act(down, 'finalize');
    await phase(down, 'finished_success');
  });

  /** A qcow2 image file of 4 MiB with some data, made with `options`, naming `backing` if given. */
  function qcow2File(name: string, options: string[], backing?: string): Buffer {
    const file = path.join(dir, name);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', ...options, file, String(4 * MiB)]);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x33 0 64k', file]);
    // Named only now, unchecked: the backing file is a volume of the engine's, not here.
    if (backing) execFileSync('qemu-img', ['rebase', '-q', '-u', '-f', 'qcow2', '-b', backing, '-F', 'qcow2', file]);
    return fs.readFileSync(file);
  }

  /** Uploads a qcow2 image as it is, finalizes, and answers the phase the transfer ends in. */
  async function uploadQcow2(d: Obj, bytes: Buffer): Promise<string> {
    const up = await transfer(d, 'upload');
    await upload(String(up.proxy_url), bytes, MiB);
    await act(up, 'finalize');
    await until(async () => String(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase).startsWith('finished'));
    return String(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase);
  }

  it("checks an uploaded qcow2's compat level against its domain's format, and records it on the disk", async () => {
    const oldDir = fs.mkdtempSync(path.join(dir, 'v3-'));
    await ok('POST', '/storagedomains', `<storage_domain><name>v3</name><type>data</type><storage_format>v3</storage_format><storage><type>localfs</type><path>${oldDir}</path></storage></storage_domain>`, 201);
    const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters'));
    await ok('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>v3</name></storage_domain>', 201);
    const inOld = async (name: string) => XML.read(T.Disk, await ok('POST', '/disks', `<disk><name>${name}</name><format>cow</format><provisioned_size>${4 * MiB}</provisioned_size><storage_domains><storage_domain><name>v3</name></storage_domain></storage_domains></disk>`, 201));
    const made = await inOld('v3-made');
    assert.equal(made.qcow_version, 'qcow2_v2');
    assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', volumeOf(made)]).toString())['format-specific'].data.compat, '0.10', 'new volumes follow the domain');

    const refused = await inOld('v3-refused');
    assert.equal(await uploadQcow2(refused, qcow2File('v3.qcow2', ['-o', 'compat=1.1'])), 'finished_failure');
    assert.equal((await api.call('GET', `/disks/${refused.id}`)).status, 404, 'the failed upload removed its disk');

    const taken = await inOld('v3-taken');
    assert.equal(await uploadQcow2(taken, qcow2File('v2.qcow2', ['-o', 'compat=0.10'])), 'finished_success');
    assert.equal(XML.read(T.Disk, await ok('GET', `/disks/${taken.id}`)).qcow_version, 'qcow2_v2');
    const modern = await disk('v5-taken', 'cow', 4 * MiB);
    assert.equal(await uploadQcow2(modern, qcow2File('v3-in-v5.qcow2', ['-o', 'compat=1.1'])), 'finished_success');
    assert.equal(XML.read(T.Disk, await ok('GET', `/disks/${modern.id}`)).qcow_version, 'qcow2_v3');
  });

  it('checks the backing file of a qcow2 uploaded onto a volume with a parent', async () => {
    /** A VM's disk after a snapshot: its volume has the snapshot's volume as parent. */
    const snapshotted = async (name: string) => {
      const vm = XML.read(T.Vm, await ok('POST', '/vms', `<vm><name>${name}</name><memory>536870912</memory><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>`, 201));
      const attachment = XML.read(T.DiskAttachment, await ok('POST', `/vms/${vm.id}/diskattachments`,
        `<disk_attachment><interface>virtio</interface><disk><name>${name}</name><format>cow</format><provisioned_size>${4 * MiB}</provisioned_size><storage_domains><storage_domain><name>transfers</name></storage_domain></storage_domains></disk></disk_attachment>`, 201));
      const before = XML.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`));
      await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>base</description></snapshot>', 201);
      return { disk: XML.read(T.Disk, await ok('GET', `/disks/${before.id}`)), parent: String(before.image_id) };
    };
    const none = await snapshotted('no-backing');
    assert.equal(await uploadQcow2(none.disk, qcow2File('none.qcow2', [])), 'finished_failure', 'no backing file, but the volume has a parent');
    assert.equal(await diskStatus(none.disk), 'illegal');
    const other = await snapshotted('other-backing');
    assert.equal(await uploadQcow2(other.disk, qcow2File('other.qcow2', [], randomUUID())), 'finished_failure', 'a backing file other than the parent');
    const right = await snapshotted('right-backing');
    assert.equal(await uploadQcow2(right.disk, qcow2File('right.qcow2', [], right.parent)), 'finished_success');
    assert.equal(await diskStatus(right.disk), 'ok');
  });

  /** The guest data of an image, and where it holds data, as a client reads them locally. */
  function guestView(image: string): { bytes: Buffer; data: [number, number][] } {
    const raw = `${image}.raw`;
    execFileSync('qemu-img', ['convert', '-O', 'raw', image, raw]);
    const map = JSON.parse(execFileSync('qemu-img', ['map', '--output=json', image]).toString()) as { start: number; length: number; data: boolean }[];
    const bytes = fs.readFileSync(raw);
    fs.rmSync(raw);
    return { bytes, data: map.filter((e) => e.data).map((e) => [e.start, e.start + e.length]) };
  }

  const volumeOf = (d: Obj) => {
    const found = execFileSync('find', [dir, '-path', `*/images/${String(d.id)}/${String(d.image_id)}`]).toString().trim();
    assert.ok(found, `the volume of disk ${String(d.id)} exists`);
    return found;
  };

  it('moves guest data of a qcow2 disk with format=raw, as the SDK does', async () => {
    // A qcow2 image with data in two places, made the way users make theirs.
    const guest = Buffer.alloc(16 * MiB);
    randomBytes(2 * MiB).copy(guest, MiB);
    randomBytes(MiB).copy(guest, 8 * MiB);
    const rawImage = path.join(dir, 'guest.raw');
    const qcow = path.join(dir, 'guest.qcow2');
    fs.writeFileSync(rawImage, guest);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawImage, qcow]);
    const local = guestView(qcow);
    assert.equal(sha(local.bytes), sha(guest));

    const d = await disk('guest-up', 'cow', guest.length);
    const up = await transfer(d, 'upload', '<format>raw</format>');
    const url = String(up.proxy_url);
    const options = JSON.parse((await image('OPTIONS', url)).body.toString()) as { max_writers: number };
    assert.equal(options.max_writers, 8, 'an NBD export takes several writers');
    // qemu-nbd keeps its request buffers for reuse rather than mapping them anew for each request
    // (glibc cuts the variable at each ':' as it reads it, so each setting is looked for alone).
    const environ = fs.readFileSync(`/proc/${recordedPid(String(up.id))}/environ`, 'utf8');
    for (const setting of [/GLIBC_TUNABLES=/, /(=|[\0:])glibc\.malloc\.mmap_threshold=\d+/, /(=|[\0:])glibc\.malloc\.trim_threshold=\d+/]) assert.match(environ, setting, 'qemu-nbd runs with the malloc settings');
    // Two writers at once, each with its own data extent, as the imageio client's workers go.
    await Promise.all(local.data.map(async ([start, end]) => {
      const r = await image('PUT', `${url}?flush=n`, { body: local.bytes.subarray(start, end), headers: { 'Content-Range': `bytes ${start}-${end - 1}/*` } });
      assert.equal(r.status, 200, r.body.toString());
    }));
    assert.equal((await image('PATCH', url, { body: JSON.stringify({ op: 'flush' }) })).status, 200);
    // Reads through the upload ticket are guest data too; zeroing makes a range read as zeros.
    const back = await image('GET', url, { headers: { Range: `bytes=${MiB}-${3 * MiB - 1}` } });
    assert.equal(sha(back.body), sha(guest.subarray(MiB, 3 * MiB)));
    assert.equal((await image('GET', url, { headers: { Range: `bytes=0-${guest.length}` } })).status, 416);
    await image('PUT', url, { body: Buffer.alloc(MiB, 7), headers: { 'Content-Range': `bytes ${12 * MiB}-${13 * MiB - 1}/*` } });
    assert.equal((await image('PATCH', url, { body: JSON.stringify({ op: 'zero', offset: 12 * MiB, size: MiB, flush: true }) })).status, 200);
    assert.ok((await image('GET', url, { headers: { Range: `bytes=${12 * MiB}-${13 * MiB - 1}` } })).body.equals(Buffer.alloc(MiB)));
    await act(up, 'finalize');
    await phase(up, 'finished_success');
    assert.equal(await diskStatus(d), 'ok');

    // On storage the disk is qcow2, sound, with the same guest data as the image sent.
    const volume = volumeOf(d);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', volume]).toString()) as { format: string };
    assert.equal(info.format, 'qcow2');
    execFileSync('qemu-img', ['check', '-q', volume]);
    execFileSync('qemu-img', ['compare', '-q', qcow, volume]);

    const down = await transfer(d, 'download', '<format>raw</format>');
    const extents = JSON.parse((await image('GET', `${String(down.proxy_url)}/extents`)).body.toString()) as { start: number; length: number; zero: boolean }[];
    assert.deepEqual(extents.filter((e) => !e.zero).map((e) => [e.start, e.start + e.length]), local.data);
    assert.equal(extents[extents.length - 1].start + extents[extents.length - 1].length, guest.length);
    assert.equal((await image('PUT', String(down.proxy_url), { body: 'x' })).status, 403);
    assert.equal(sha(await download(String(down.proxy_url), guest.length, 5 * MiB)), sha(guest));
    const guestChecksum = JSON.parse((await image('GET', `${String(down.proxy_url)}/checksum`)).body.toString()) as { checksum: string };
    assert.equal(guestChecksum.checksum, await blockListChecksum(guest, 4 * MiB, blake2b256), 'the checksum is of guest data');
    await act(down, 'finalize');
    await phase(down, 'finished_success');
    assert.equal(await diskStatus(d), 'ok');
    assert.equal((await image('GET', String(down.proxy_url), { headers: { Range: 'bytes=0-0' } })).status, 403, 'the ticket is gone');
  });

  it('downloads guest data of a disk snapshot, of the disk over its chain, and of its top volume alone (shallow)', async () => {
    const vm = XML.read(T.Vm, await ok('POST', '/vms', '<vm><name>snapped</name><memory>536870912</memory><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>', 201));
    const attachment = XML.read(T.DiskAttachment, await ok('POST', `/vms/${vm.id}/diskattachments`,
      `<disk_attachment><interface>virtio</interface><disk><name>chain</name><format>cow</format><provisioned_size>${4 * MiB}</provisioned_size><storage_domains><storage_domain><name>transfers</name></storage_domain></storage_domains></disk></disk_attachment>`, 201));
    const base = XML.read(T.Disk, await ok('GET', `/disks/${(attachment.disk as Obj).id}`));
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x41 0 1M', '-c', 'write -P 0x44 2M 1M', volumeOf(base)]);
    await ok('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>before</description></snapshot>', 201);
    const top = XML.read(T.Disk, await ok('GET', `/disks/${base.id}`));
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x42 0 1M', volumeOf(top)]);
    const expect = (first: number) => Buffer.concat([Buffer.alloc(MiB, first), Buffer.alloc(MiB), Buffer.alloc(MiB, 0x44), Buffer.alloc(MiB)]);

    const created = XML.read(T.ImageTransfer, await ok('POST', '/imagetransfers', `<image_transfer><snapshot id="${String(base.image_id)}"/><direction>download</direction><format>raw</format></image_transfer>`, 201));
    const ofSnapshot = await phase(created, 'transferring');
    assert.equal(sha(await download(String(ofSnapshot.proxy_url), 4 * MiB)), sha(expect(0x41)), 'the snapshot reads as it was taken');
    await act(ofSnapshot, 'finalize');
    await phase(ofSnapshot, 'finished_success');
    const ofDisk = await transfer(top, 'download', '<format>raw</format>');
    assert.equal(sha(await download(String(ofDisk.proxy_url), 4 * MiB)), sha(expect(0x42)), 'the disk reads its top volume over the snapshot');
    type Extent = { start: number; length: number; zero: boolean; hole: boolean };
    const extentsOf = async (x: Obj) => JSON.parse((await image('GET', `${String(x.proxy_url)}/extents`)).body.toString()) as Extent[];
    assert.ok((await extentsOf(ofDisk)).every((e) => !e.hole), 'the whole chain has no holes');
    await act(ofDisk, 'finalize');
    await phase(ofDisk, 'finished_success');

    // shallow: the top volume alone; what it does not hold is a hole, not the snapshot's data.
    const shallow = await transfer(top, 'download', '<format>raw</format><shallow>true</shallow>');
    assert.deepEqual((await extentsOf(shallow)).map((e) => [e.start, e.length, e.zero, e.hole]), [[0, MiB, false, false], [MiB, 3 * MiB, true, true]]);
    assert.equal(sha(await download(String(shallow.proxy_url), 4 * MiB)), sha(Buffer.concat([Buffer.alloc(MiB, 0x42), Buffer.alloc(3 * MiB)])));
    await act(shallow, 'finalize');
    await phase(shallow, 'finished_success');
    assert.equal(await diskStatus(top), 'ok');
  });

  it('leaves a guest-data transfer to the machine that runs its NBD server', async () => {
    const d = await disk('pinned', 'cow', MiB);
    const up = await transfer(d, 'upload', '<format>raw</format>');
    const repo = new Repo(t.engine.db);
    const pin = async (host: string) => {
      const pinned: StoredTransfer = { ...(await repo.get(T.ImageTransfer, String(up.id)))!, nbd_host: host };
      await repo.update(T.ImageTransfer, pinned);
    };
    await pin('another-machine');
    await act(up, 'finalize');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase, 'finalizing_success', 'not driven from here');
    await pin(os.hostname());
    await phase(up, 'finished_success');
  });

  it('fails an upload whose data is not what the disk holds, and removes the disk', async () => {
    const d = await disk('cow-wrong', 'cow');
    const up = await transfer(d, 'upload');
    await upload(String(up.proxy_url), randomBytes(MiB));
    await act(up, 'finalize');
    await phase(up, 'finished_failure');
    assert.equal((await api.call('GET', `/disks/${d.id}`)).status, 404);
  });

  it('answers the data plane errors of the protocol', async () => {
    const d = await disk('errors', 'raw', 4 * MiB);
    const up = await transfer(d, 'upload');
    const url = String(up.proxy_url);
    const beyond = await image('GET', url, { headers: { Range: `bytes=0-${4 * MiB}` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${4 * MiB}`);
    assert.equal((await image('GET', url, { headers: { Range: 'bytes=-5' } })).status, 416);
    const tooLong = await image('PUT', url, { body: Buffer.alloc(10), headers: { 'Content-Range': `bytes ${4 * MiB - 5}-${4 * MiB + 4}/*` } });
    assert.equal(tooLong.status, 416);
    assert.equal((await image('PUT', url, { body: 'x', headers: { 'Content-Range': 'bytes 9-1/*' } })).status, 400);
    assert.equal((await image('PUT', `${url}?flush=maybe`, { body: 'x' })).status, 400);
    assert.equal((await image('PUT', url, { headers: { 'Transfer-Encoding': 'chunked' }, body: 'x' })).status, 400, 'Content-Length is required');
    assert.equal((await image('PATCH', url, { body: '{"op":"shred"}' })).status, 400);
    assert.equal((await image('PATCH', url, { body: 'not json' })).status, 400);
    assert.equal((await image('PATCH', url, { body: JSON.stringify({ op: 'zero', offset: 0 }) })).status, 400, 'size is required');
    const unknown = await image('GET', url.replace(/[0-9a-f-]+$/, '00000000-0000-0000-0000-000000000000'));
    assert.equal(unknown.status, 403);
    assert.match(unknown.body.toString(), /^You are not allowed to access this resource: no such ticket\n$/);
    assert.equal(unknown.headers.connection, 'close');
    assert.equal((await image('DELETE', url)).status, 405);
    const long = await image('GET', `${url}?${'x'.repeat(5000)}`);
    assert.equal(long.status, 414);
    assert.equal(long.headers.connection, 'close');
    const preflight = await image('OPTIONS', url, { headers: { Origin: 'https://admin.example.com', 'Access-Control-Request-Method': 'PUT' } });
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.equal(preflight.headers['access-control-allow-methods'], 'OPTIONS,GET,PUT');
    assert.equal(preflight.headers['access-control-max-age'], '86400');
    assert.equal((await image('GET', url, { headers: { Origin: 'https://admin.example.com', Range: 'bytes=0-0' } })).headers['access-control-allow-origin'], '*');
    assert.equal((await image('GET', url, { headers: { Range: 'bytes=0-0' } })).headers['access-control-allow-origin'], undefined);
    assert.equal((await image('GET', url.replace(/\/images\/.*/, '/images/'))).status, 400);

    // Zero: the range reads as zeros afterwards; extents cover the image.
    await upload(url, randomBytes(4 * MiB));
    assert.equal((await image('PATCH', url, { body: JSON.stringify({ op: 'zero', offset: MiB, size: MiB, flush: true }) })).status, 200);
    const middle = await image('GET', url, { headers: { Range: `bytes=${MiB}-${2 * MiB - 1}` } });
    assert.ok(middle.body.equals(Buffer.alloc(MiB)));
    const extents = JSON.parse((await image('GET', `${url}/extents`)).body.toString()) as { start: number; length: number; zero: boolean }[];
    assert.equal(extents[extents.length - 1].start + extents[extents.length - 1].length, 4 * MiB);
    assert.deepEqual(extents.filter((e) => e.zero).map((e) => [e.start, e.length]), [[MiB, MiB]], 'zeroing left a zero range, not written zeros');
    assert.equal((await image('GET', `${url}/extents?context=dirty`)).status, 404);

    const down = await transfer(await disk('readonly', 'raw', MiB), 'download');
    const write = await image('PUT', String(down.proxy_url), { body: 'x' });
    assert.equal(write.status, 403);
    assert.match(write.body.toString(), /transfer forbids write/);
    await act(down, 'pause', 400);
    await act(down, 'finalize');
    await act(up, 'finalize');
  });

  /** GETs one byte through `agent`; answers whether the request reused an open connection. */
  const reused = (agent: https.Agent, x: Obj) => new Promise<boolean>((resolve, reject) => {
    const req = https.request(String(x.proxy_url), { agent, headers: { Range: 'bytes=0-0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(req.reusedSocket));
    });
    req.on('error', reject);
    req.end();
  });

  it('zeroes a thin disk by deallocating, and a preallocated one keeping its blocks', async () => {
    for (const sparse of [true, false]) {
      const d = XML.read(T.Disk, await ok('POST', '/disks', `<disk><name>zero-${sparse}</name><format>raw</format><sparse>${sparse}</sparse><provisioned_size>${4 * MiB}</provisioned_size><storage_domains><storage_domain><name>transfers</name></storage_domain></storage_domains></disk>`, 201));
      const up = await transfer(d, 'upload');
      await upload(String(up.proxy_url), randomBytes(4 * MiB));
      const before = fs.statSync(volumeOf(d)).blocks * 512;
      assert.equal((await image('PATCH', String(up.proxy_url), { body: JSON.stringify({ op: 'zero', offset: MiB, size: MiB, flush: true }) })).status, 200);
      const after = fs.statSync(volumeOf(d)).blocks * 512;
      assert.equal(before - after, sparse ? MiB : 0, sparse ? 'the range was deallocated' : 'the range stayed allocated');
      assert.ok((await image('GET', String(up.proxy_url), { headers: { Range: `bytes=${MiB}-${2 * MiB - 1}` } })).body.equals(Buffer.alloc(MiB)));
      await act(up, 'finalize');
      await phase(up, 'finished_success');
    }
  });

  it('prefers AES-128-GCM for TLS, whatever the client lists first', async () => {
    // OpenSSL clients, curl's among them, list AES-256-GCM first.
    const cipher = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: 'localhost', port: t.config.proxyPort, ca, ciphers: 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256' }, () => {
        resolve(socket.getCipher().name);
        socket.end();
      });
      socket.on('error', reject);
    });
    assert.equal(cipher, 'TLS_AES_128_GCM_SHA256');
  });

  it('keeps an idle connection open between requests, as imageio clients expect', async function () {
    this.timeout(20_000);
    const d = await disk('idle-connection', 'raw', MiB);
    const down = await transfer(d, 'download');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    const get = (x: Obj) => reused(agent, x);
    try {
      assert.equal(await get(down), false);
      // Longer than Node's default keep-alive of 5 s.
      await new Promise((r) => setTimeout(r, 6000));
      assert.equal(await get(down), true, 'the second request went over the first connection');
    } finally {
      agent.destroy();
    }
    await act(down, 'finalize');
  });

  it("closes a connection idle for longer than its ticket's inactivity timeout", async () => {
    const d = await disk('short-idle', 'raw', MiB);
    const up = await transfer(d, 'upload', '<inactivity_timeout>1</inactivity_timeout><timeout_policy>pause</timeout_policy>');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    try {
      assert.equal(await reused(agent, up), false);
      assert.equal(await reused(agent, up), true);
      await new Promise((r) => setTimeout(r, 2000));
      // The ticket stays (a paused upload keeps it); the connection does not.
      assert.equal(await reused(agent, up), false, 'the idle connection was closed');
    } finally {
      agent.destroy();
    }
    await act(up, 'cancel');
  });

  it('reports sparse images through extents', async () => {
    const d = await disk('sparse', 'raw', 16 * MiB);
    const up = await transfer(d, 'upload');
    const data = randomBytes(MiB);
    const r = await image('PUT', String(up.proxy_url), { body: data, headers: { 'Content-Range': `bytes ${8 * MiB}-${9 * MiB - 1}/*` } });
    assert.equal(r.status, 200);
    await act(up, 'finalize');
    await phase(up, 'finished_success');
    const down = await transfer(d, 'download');
    const extents = JSON.parse((await image('GET', `${String(down.proxy_url)}/extents`)).body.toString()) as { start: number; length: number; zero: boolean }[];
    const data8 = extents.filter((e) => !e.zero);
    assert.deepEqual(data8.map((e) => [e.start, e.length]), [[8 * MiB, MiB]]);
    await act(down, 'finalize');
  });

  it('stops a request under way at its next piece when finalizing, and takes no new one', async () => {
    const d = await disk('in-flight', 'raw', 8 * MiB);
    const up = await transfer(d, 'upload');
    const data = randomBytes(8 * MiB);
    let answered: (status: number) => void = () => undefined;
    const status = new Promise<number>((resolve) => (answered = resolve));
    const put = https.request(String(up.proxy_url), { method: 'PUT', ca, headers: { 'Content-Length': data.length } }, (res) => {
      res.resume();
      answered(res.statusCode ?? 0);
    });
    // The server may close the connection while the body is still being sent.
    put.on('error', () => answered(0));
    // One whole piece (4 MiB) and a byte: the first piece is written.
    put.write(data.subarray(0, 4 * MiB + 1));
    await until(async () => XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).active === true);
    // The first piece is on disk before finalizing.
    await until(async () => sha(fs.readFileSync(volumeOf(d)).subarray(0, 4 * MiB)) === sha(data.subarray(0, 4 * MiB)));
    await act(up, 'finalize');
    await until(async () => (await image('OPTIONS', String(up.proxy_url))).status === 403);
    assert.equal(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase, 'finalizing_success', 'finalizing waits for the request');
    assert.match((await image('GET', String(up.proxy_url), { headers: { Range: 'bytes=0-0' } })).body.toString(), /transfer cancelled/);
    put.end(data.subarray(4 * MiB + 1));
    assert.ok([0, 403].includes(await status), 'the request under way was stopped');
    await phase(up, 'finished_success');
    const down = await transfer(d, 'download');
    const read = await download(String(down.proxy_url), data.length);
    assert.equal(sha(read.subarray(0, 4 * MiB)), sha(data.subarray(0, 4 * MiB)), 'the piece written before finalizing is there');
    assert.ok(read.subarray(4 * MiB).equals(Buffer.alloc(4 * MiB)), 'nothing after it was written');
    await act(down, 'finalize');
  });

  /** imageio's checksum, computed here from the data: the hash of the list of block hashes. */
  async function blockListChecksum(data: Buffer, blockSize: number, hash: (b: Buffer) => Promise<Buffer>): Promise<string> {
    const digests: Buffer[] = [];
    for (let at = 0; at < data.length; at += blockSize) digests.push(await hash(data.subarray(at, at + blockSize)));
    return (await hash(Buffer.concat(digests))).toString('hex');
  }
  const blake2b256 = async (b: Buffer) => Buffer.from(await blake2b(b, 256), 'hex');
  const sha256 = async (b: Buffer) => createHash('sha256').update(b).digest();

  it('answers the checksum of an image, as imageio computes it', async () => {
    // 10 MiB: two whole 4 MiB blocks and a short one; data, zeros, and data again.
    const data = Buffer.alloc(10 * MiB);
    randomBytes(MiB).copy(data, 0);
    randomBytes(MiB / 2).copy(data, 9 * MiB);
    const d = await disk('checksummed', 'raw', data.length);
    const up = await transfer(d, 'upload');
    await upload(String(up.proxy_url), data);
    const url = `${String(up.proxy_url)}/checksum`;
    const byDefault = JSON.parse((await image('GET', url)).body.toString()) as Record<string, unknown>;
    assert.deepEqual(byDefault, { algorithm: 'blake2b', block_size: 4 * MiB, checksum: await blockListChecksum(data, 4 * MiB, blake2b256) });
    const bySha = JSON.parse((await image('GET', `${url}?algorithm=sha256&block_size=${MiB}`)).body.toString()) as Record<string, unknown>;
    assert.deepEqual(bySha, { algorithm: 'sha256', block_size: MiB, checksum: await blockListChecksum(data, MiB, sha256) });
    for (const bad of ['block_size=1000', `block_size=${64 * MiB}`, `block_size=${MiB + 512}`, 'block_size=lots', 'algorithm=crc0']) {
      assert.equal((await image('GET', `${url}?${bad}`)).status, 400, bad);
    }
    const known = JSON.parse((await image('GET', `${url.replace(/[0-9a-f-]+\/checksum$/, 'no-such-ticket/checksum')}/algorithms`)).body.toString()) as { algorithms: string[] };
    assert.ok(known.algorithms.includes('blake2b') && known.algorithms.includes('sha256'));
    await act(up, 'finalize');
  });

  it('keeps the ticket usable after a client drops a PUT halfway, and the range can be sent again', async () => {
    const d = await disk('dropped', 'raw', 2 * MiB);
    const up = await transfer(d, 'upload');
    const data = randomBytes(2 * MiB);
    const put = https.request(String(up.proxy_url), { method: 'PUT', ca, headers: { 'Content-Length': data.length } });
    put.on('error', () => undefined);
    put.write(data.subarray(0, MiB));
    await until(async () => XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).active === true);
    put.destroy();
    // The proxy lets go of the request: the transfer is idle again, nothing hangs.
    await until(async () => XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).active === false);
    await upload(String(up.proxy_url), data);
    await act(up, 'finalize');
    await phase(up, 'finished_success');
    const down = await transfer(d, 'download');
    assert.equal(sha(await download(String(down.proxy_url), data.length)), sha(data));
    await act(down, 'finalize');
  });

  it('pauses, resumes and cancels an upload; cancelling removes its disk', async () => {
    const d = await disk('paused', 'raw');
    const up = await transfer(d, 'upload');
    await act(up, 'resume', 409);
    await act(up, 'pause');
    assert.equal(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase, 'paused_user');
    await act(up, 'finalize', 409);
    await act(up, 'resume');
    await phase(up, 'transferring');
    await act(up, 'cancel');
    await phase(up, 'finished_failure');
    assert.equal((await api.call('GET', `/disks/${d.id}`)).status, 404);
  });

  it('stops a transfer whose ticket is removed through the ticket control API; a resumed upload gets a new one', async () => {
    const removeTicket = async (x: Obj) =>
      (await exchange(http.request({ socketPath: controlSocketOf(t.config.dataDir), method: 'DELETE', path: `/tickets/${String(x.proxy_url).split('/images/')[1]}` }))).status;
    const d = await disk('ticket-removed', 'raw', 2 * MiB);
    const data = randomBytes(2 * MiB);
    const up = await transfer(d, 'upload');
    await upload(String(up.proxy_url), data.subarray(0, MiB));
    assert.equal(await removeTicket(up), 204);
    await phase(up, 'paused_system');
    await act(up, 'resume');
    const resumed = await phase(up, 'transferring');
    assert.notEqual(resumed.proxy_url, up.proxy_url, 'a new ticket');
    await upload(`${String(resumed.proxy_url)}`, data, 2 * MiB);
    await act(up, 'finalize');
    await phase(up, 'finished_success');

    const down = await transfer(d, 'download');
    assert.equal(await removeTicket(down), 204);
    await phase(down, 'finished_failure');
    assert.equal(await diskStatus(d), 'ok', 'a download leaves its disk as it was');
  });

  it('refuses an expired ticket until extending or resuming renews it; extend keeps a transfer as it is', async () => {
    const d = await disk('expiring', 'raw', MiB);
    const up = await transfer(d, 'upload');
    await act(up, 'extend');
    assert.equal(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase, 'transferring');
    // Paused, nothing renews the ticket: it runs out (here at once) and is refused, not deleted.
    await act(up, 'pause');
    await phase(up, 'paused_user');
    const ticket = String(up.proxy_url).split('/images/')[1];
    const expire = () => new Tickets(t.engine.db).extend(ticket, 0);
    const readFirstByte = () => image('GET', String(up.proxy_url), { headers: { Range: 'bytes=0-0' } });
    await expire();
    const expired = await readFirstByte();
    assert.equal(expired.status, 403);
    assert.match(expired.body.toString(), /transfer expired/);
    assert.equal(expired.headers.connection, 'close');
    await act(up, 'extend');
    assert.equal((await readFirstByte()).status, 206, 'extend renewed the ticket');
    assert.equal(XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${up.id}`)).phase, 'paused_user', 'extend keeps the phase');
    await expire();
    assert.equal((await readFirstByte()).status, 403);
    await act(up, 'resume');
    const resumed = await phase(up, 'transferring');
    assert.equal(resumed.proxy_url, up.proxy_url, 'the URL does not change');
    assert.equal((await readFirstByte()).status, 206);
    await act(up, 'cancel');
  });

  it('locks the disk, and refuses what it cannot serve', async () => {
    const d = await disk('locked', 'raw');
    const down = await transfer(d, 'download');
    const again = await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${d.id}"/><direction>download</direction></image_transfer>`);
    assert.equal(again.status, 409);
    await act(down, 'finalize');
    await phase(down, 'finished_success');
    assert.equal(await diskStatus(d), 'ok');
    const raw = await disk('raw-as-cow', 'raw');
    const asCow = await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${raw.id}"/><direction>download</direction><format>cow</format></image_transfer>`);
    assert.equal(asCow.status, 409);
    assert.match(XML.read(T.Fault, asCow.text, 'fault').detail as string, /cannot be transferred in cow format/);
    assert.equal(await diskStatus(raw), 'ok', 'a refused transfer leaves the disk as it was');
    assert.equal((await api.call('POST', '/imagetransfers', '<image_transfer><direction>download</direction></image_transfer>')).status, 400);
    const backup = await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${d.id}"/><backup id="00000000-0000-0000-0000-000000000001"/><direction>download</direction></image_transfer>`);
    assert.equal(backup.status, 400);
    assert.equal(await diskStatus(d), 'ok', 'a refused transfer leaves the disk as it was');
  });

  it('brings an interrupted upload back paused after a restart, with its flushed bytes intact', async () => {
    const d = await disk('restarted', 'raw', 4 * MiB);
    const up = await transfer(d, 'upload');
    const first = randomBytes(2 * MiB);
    assert.equal((await image('PUT', String(up.proxy_url), { body: first, headers: { 'Content-Range': `bytes 0-${2 * MiB - 1}/*` } })).status, 200);
    await t.restart();
    api = await ApiClient.of(t, XML);
    const paused = await phase(up, 'paused_system');
    assert.equal(await diskStatus(d), 'locked');
    await act(paused, 'resume');
    const resumed = await phase(up, 'transferring');
    const second = randomBytes(2 * MiB);
    assert.equal((await image('PUT', `${String(resumed.proxy_url)}?flush=y`, { body: second, headers: { 'Content-Range': `bytes ${2 * MiB}-${4 * MiB - 1}/*` } })).status, 200);
    assert.equal(sha(await download(String(resumed.proxy_url), 4 * MiB)), sha(Buffer.concat([first, second])));
    await act(resumed, 'finalize');
    await phase(up, 'finished_success');
  });

  it('resumes an upload of guest data after a restart that also stopped its NBD server', async () => {
    const d = await disk('guest-restarted', 'cow', 4 * MiB);
    const up = await transfer(d, 'upload', '<format>raw</format>');
    const first = randomBytes(2 * MiB);
    assert.equal((await image('PUT', `${String(up.proxy_url)}?flush=y`, { body: first, headers: { 'Content-Range': `bytes 0-${2 * MiB - 1}/*` } })).status, 200);
    await t.restart();
    api = await ApiClient.of(t, XML);
    // The machine went down too: its NBD server is gone.
    const pidFile = path.join(os.tmpdir(), 'hangar-nbd', `${String(up.id)}.pid`);
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    const paused = await phase(up, 'paused_system');
    await act(paused, 'resume');
    const resumed = await phase(up, 'transferring');
    const second = randomBytes(2 * MiB);
    assert.equal((await image('PUT', String(resumed.proxy_url), { body: second, headers: { 'Content-Range': `bytes ${2 * MiB}-${4 * MiB - 1}/*` } })).status, 200);
    assert.equal(sha(await download(String(resumed.proxy_url), 4 * MiB)), sha(Buffer.concat([first, second])));
    await act(resumed, 'finalize');
    await phase(up, 'finished_success');
    execFileSync('qemu-img', ['check', '-q', volumeOf(d)]);
  });

  // Several engine processes share PostgreSQL (a SQLite file has one writer process).
  if (backend === POSTGRES) it('pauses an upload whose proxy process was killed, and leaves uploads other processes serve alone', async () => {
    const d = await disk('killed', 'raw', 4 * MiB);
    const via = siblingCalls(api);
    const phaseVia = async (s: Sibling, id: unknown, wanted: string) => {
      let now: Obj = {};
      await until(async () => (now = XML.read(T.ImageTransfer, await via(s)('GET', `/imagetransfers/${String(id)}`))).phase === wanted);
      return now;
    };
    // Only sibling processes run: the one serving the upload dies without warning.
    await t.stopServing();
    const doomed = await spawnSibling(t);
    const others: Sibling[] = [];
    try {
      const created = XML.read(T.ImageTransfer, await via(doomed)('POST', '/imagetransfers', `<image_transfer><disk id="${d.id}"/><direction>upload</direction></image_transfer>`));
      const up = await phaseVia(doomed, created.id, 'transferring');
      assert.equal(new URL(String(up.proxy_url)).port, String(doomed.proxyPort));
      const flushed = randomBytes(2 * MiB);
      assert.equal((await image('PUT', String(up.proxy_url), { body: flushed, headers: { 'Content-Range': `bytes 0-${2 * MiB - 1}/*` } })).status, 200);
      await doomed.kill();
      const next = await spawnSibling(t);
      others.push(next);
      const paused = await phaseVia(next, up.id, 'paused_system');
      await via(next)('POST', `/imagetransfers/${String(paused.id)}/resume`, '<action/>');
      const resumed = await phaseVia(next, up.id, 'transferring');
      assert.equal(new URL(String(resumed.proxy_url)).port, String(next.proxyPort), 'a live proxy serves it now');
      // Another process starting now leaves the upload alone: its proxy answers.
      others.push(await spawnSibling(t));
      const rest = randomBytes(2 * MiB);
      assert.equal((await image('PUT', String(resumed.proxy_url), { body: rest, headers: { 'Content-Range': `bytes ${2 * MiB}-${4 * MiB - 1}/*` } })).status, 200);
      assert.equal(XML.read(T.ImageTransfer, await via(next)('GET', `/imagetransfers/${String(up.id)}`)).phase, 'transferring');
      assert.equal(sha(await download(String(resumed.proxy_url), 4 * MiB)), sha(Buffer.concat([flushed, rest])));
      await via(next)('POST', `/imagetransfers/${String(up.id)}/finalize`, '<action/>');
      await phaseVia(next, up.id, 'finished_success');
    } finally {
      for (const s of others) await s.stop();
      await t.serve();
      api = await ApiClient.of(t, XML);
    }
  });

  it('applies the timeout policy to an idle transfer', async () => {
    const d = await disk('idle', 'raw');
    const up = await transfer(d, 'upload', '<inactivity_timeout>1</inactivity_timeout><timeout_policy>cancel</timeout_policy>');
    await phase(up, 'finished_failure');
    assert.equal((await api.call('GET', `/disks/${d.id}`)).status, 404, 'a cancelled upload loses its disk');
    const d2 = await disk('idle2', 'raw');
    const up2 = await transfer(d2, 'upload', '<inactivity_timeout>1</inactivity_timeout>');
    await phase(up2, 'paused_system');
    await act(up2, 'resume');
    await phase(up2, 'transferring');
    await act(up2, 'cancel');
  });
});
