// imageio's ticket control API (/tickets/{id} on the proxy's control socket): installing,
// extending, inspecting and removing tickets, and what the data plane then does with them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { BACKENDS, TestEngine, withEngine } from './support/engine';
import { until } from './support/until';
import { controlSocketOf } from '../proxy/server';
import { controlTokenOf } from '../proxy/control-access';
import { exchange } from './support/http';
import { ensureNbdServer, stopNbdServer } from '../services/nbd-server';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const backend of BACKENDS) describe(`ticket control API on ${backend.name}`, () => {
  // Removing a ticket waits a second for operations under way (imageio waits a minute).
  const ctx = withEngine({ backend, overrides: { ticketRemoveTimeout: 1, controlPort: 0 } });
  let t: TestEngine;
  let ca: string;
  let dir: string;
  let image: string;
  const data = randomBytes(8 * MiB);

  /** A request to the control API, over its Unix socket. */
  const control = (method: string, id: string, body?: unknown) =>
    exchange(http.request({ socketPath: controlSocketOf(t.config.dataDir), method, path: `/tickets/${id}`, headers: { 'Content-Type': 'application/json' } }), body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  const status = async (id: string) => {
    const r = await control('GET', id);
    assert.equal(r.status, 200, r.body.toString());
    return JSON.parse(r.body.toString()) as Record<string, unknown>;
  };
  const dataUrl = (id: string) => `https://localhost:${t.config.proxyPort}/images/${id}`;
  const data_ = (method: string, id: string, o: { headers?: Record<string, string>; body?: Buffer; agent?: https.Agent } = {}) =>
    exchange(https.request(dataUrl(id), { method, ca, headers: o.headers, agent: o.agent ?? false }), o.body);
  const ticket = (extra: Record<string, unknown> = {}) => {
    const uuid = randomUUID();
    return { uuid, size: data.length, ops: ['read'], timeout: 300, url: `file://${image}`, inactivity_timeout: 60, ...extra };
  };

  before(async () => {
    t = ctx.t;
    ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-tickets-'));
    image = path.join(dir, 'image.raw');
    fs.writeFileSync(image, data);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('listens where only this user can reach it', () => {
    assert.equal(fs.statSync(path.dirname(controlSocketOf(t.config.dataDir))).mode & 0o777, 0o700);
  });

  it('installs a ticket the data plane then serves, and reports it', async () => {
    const spec = ticket({ transfer_id: 'transfer-1', filename: 'disk.raw' });
    assert.equal((await control('PUT', spec.uuid, spec)).status, 200);
    const agent = new https.Agent({ keepAlive: true });
    const options = await data_('OPTIONS', spec.uuid, { agent });
    assert.deepEqual(JSON.parse(options.body.toString()).features, ['checksum', 'extents']);
    // Two overlapping ranges: transferred counts their union once.
    const first = await data_('GET', spec.uuid, { agent, headers: { Range: `bytes=0-${MiB - 1}` } });
    const second = await data_('GET', spec.uuid, { agent, headers: { Range: `bytes=${MiB / 2}-${2 * MiB - 1}` } });
    assert.equal(sha(Buffer.concat([first.body, second.body.subarray(MiB / 2)])), sha(data.subarray(0, 2 * MiB)));
    assert.equal(first.headers['content-disposition'], 'attachment; filename="disk.raw"');
    // The data plane records a read as its last byte goes out: the report may lag a moment.
    await until(async () => (await status(spec.uuid)).active === false);
    const now = Number(process.hrtime.bigint() / 1_000_000_000n);
    const report = await status(spec.uuid);
    const { expires, idle_time: idle, ...rest } = report;
    assert.deepEqual(rest, { ...spec, sparse: false, dirty: false, active: false, canceled: false, connections: 1, transferred: 2 * MiB });
    assert.ok(Math.abs(Number(expires) - (now + 300)) <= 2, `expires ${String(expires)} is on the monotonic clock, 300 s from ${now}`);
    assert.ok(Number(idle) >= 0 && Number(idle) <= 2);
    agent.destroy();
    await until(async () => (await status(spec.uuid)).connections === 0);
    assert.equal((await data_('PUT', spec.uuid, { body: Buffer.alloc(10), headers: { 'Content-Range': 'bytes 0-9/*' } })).status, 403, 'a read ticket takes no write');
    // A ticket that reads and writes reports no transferred count.
    const both = ticket({ ops: ['read', 'write'] });
    assert.equal((await control('PUT', both.uuid, both)).status, 200);
    assert.equal((await status(both.uuid)).transferred, undefined);
  });

  it('refuses a ticket it cannot take, and keeps none', async () => {
    const cases: [string, (s: ReturnType<typeof ticket>) => unknown, RegExp][] = [
      ['not JSON', () => '{"uuid":', /not valid JSON/],
      ['no size', ({ size: _size, ...s }) => s, /size/],
      ['a negative timeout', (s) => ({ ...s, timeout: -1 }), /timeout/],
      ['unknown ops', (s) => ({ ...s, ops: ['delete'] }), /ops/],
      ['an unsupported scheme', (s) => ({ ...s, url: 'https://host:54322/images/x' }), /Unsupported url scheme/],
      ['another uuid', (s) => ({ ...s, uuid: randomUUID() }), /is not the id in the path/],
      ['a filename for no header', (s) => ({ ...s, filename: 'a"b' }), /filename/],
    ];
    for (const [what, make, reason] of cases) {
      const spec = ticket();
      const r = await control('PUT', spec.uuid, make(spec));
      assert.equal(r.status, 400, what);
      assert.match(r.body.toString(), reason, what);
      assert.equal((await control('GET', spec.uuid)).status, 404, `${what}: nothing installed`);
    }
    assert.equal((await control('GET', randomUUID())).status, 404);
  });

  it('answers 404 for a ticket whose image file does not exist, as a fault of the ticket and not of the server', async () => {
    const spec = ticket({ url: `file://${path.join(dir, 'missing.raw')}`, ops: ['read', 'write'] });
    assert.equal((await control('PUT', spec.uuid, spec)).status, 200);
    const before = t.log.read().length;
    const answers = [
      await data_('GET', spec.uuid, { headers: { Range: 'bytes=0-1023' } }),
      await data_('GET', `${spec.uuid}/extents`),
      await data_('PUT', spec.uuid, { body: Buffer.alloc(10), headers: { 'Content-Range': 'bytes 0-9/*' } }),
    ];
    for (const r of answers) {
      assert.equal(r.status, 404, r.body.toString());
      assert.equal(r.body.toString(), "The ticket's image does not exist\n");
    }
    assert.ok(!fs.existsSync(path.join(dir, 'missing.raw')), 'a write makes no file');
    assert.deepEqual(t.log.read().slice(before).filter((l) => l.level >= 50), []);
    assert.equal((await control('DELETE', spec.uuid)).status, 204);
  });

  it('lets a ticket expire without removing it, and extends it after expiry', async () => {
    const spec = ticket();
    assert.equal((await control('PUT', spec.uuid, spec)).status, 200);
    assert.equal((await control('PATCH', spec.uuid, { timeout: 0 })).status, 200);
    const expired = await data_('GET', spec.uuid, { headers: { Range: 'bytes=0-0' } });
    assert.equal(expired.status, 403);
    assert.match(expired.body.toString(), /expired/);
    assert.equal((await status(spec.uuid)).timeout, 300, 'the base timeout stays');
    assert.equal((await control('PATCH', spec.uuid, { timeout: 120 })).status, 200);
    assert.equal((await data_('GET', spec.uuid, { headers: { Range: 'bytes=0-0' } })).status, 206);
    for (const bad of [{}, { timeout: -5 }, 'x']) assert.equal((await control('PATCH', spec.uuid, bad)).status, 400);
    assert.equal((await control('PATCH', randomUUID(), { timeout: 10 })).status, 404);
  });

  it('removes a ticket once what is under way stops, at once for new requests, and again without error', async () => {
    const spec = ticket({ ops: ['write'], url: `file://${path.join(dir, 'upload.raw')}` });
    fs.writeFileSync(path.join(dir, 'upload.raw'), Buffer.alloc(data.length));
    assert.equal((await control('PUT', spec.uuid, spec)).status, 200);
    let answered: (status: number) => void = () => undefined;
    const put = new Promise<number>((resolve) => (answered = resolve));
    const req = https.request(dataUrl(spec.uuid), { method: 'PUT', ca, agent: false, headers: { 'Content-Length': data.length } }, (res) => {
      res.resume();
      answered(res.statusCode ?? 0);
    });
    req.on('error', () => answered(0));
    req.write(data.subarray(0, 4 * MiB + 1));
    // The first piece is on disk before the removal.
    await until(async () => sha(fs.readFileSync(path.join(dir, 'upload.raw')).subarray(0, 4 * MiB)) === sha(data.subarray(0, 4 * MiB)));
    const removal = control('DELETE', spec.uuid);
    await until(async () => (await control('GET', spec.uuid)).status === 404 || (await status(spec.uuid)).canceled === true);
    req.end(data.subarray(4 * MiB + 1));
    assert.equal((await removal).status, 204);
    assert.ok([0, 403].includes(await put), 'the request under way stopped at its next piece');
    assert.equal((await control('GET', spec.uuid)).status, 404);
    assert.equal((await data_('OPTIONS', spec.uuid)).status, 403);
    assert.equal((await control('DELETE', spec.uuid)).status, 204, 'removing is idempotent');
    const written = fs.readFileSync(path.join(dir, 'upload.raw'));
    assert.equal(sha(written.subarray(0, 4 * MiB)), sha(data.subarray(0, 4 * MiB)));
    assert.ok(written.subarray(4 * MiB).equals(Buffer.alloc(4 * MiB)));
  });

  it('answers 409 when an operation is still under way after the removal timeout', async () => {
    fs.writeFileSync(path.join(dir, 'stalled.raw'), Buffer.alloc(data.length));
    const spec = ticket({ ops: ['write'], url: `file://${path.join(dir, 'stalled.raw')}` });
    assert.equal((await control('PUT', spec.uuid, spec)).status, 200);
    // A PUT whose client stops sending halfway through its first piece stays under way.
    const stalled = https.request(dataUrl(spec.uuid), { method: 'PUT', ca, agent: false, headers: { 'Content-Length': data.length } });
    stalled.on('error', () => undefined);
    stalled.write(data.subarray(0, MiB));
    await until(async () => (await status(spec.uuid)).active === true);
    const started = Date.now();
    assert.equal((await control('DELETE', spec.uuid)).status, 409);
    assert.ok(Date.now() - started >= 900, 'it waited for the removal timeout');
    assert.equal((await status(spec.uuid)).canceled, true, 'the ticket stays, cancelled');
    assert.equal((await data_('OPTIONS', spec.uuid)).status, 403);
    stalled.destroy();
    await until(async () => (await control('DELETE', spec.uuid)).status === 204);
    assert.equal((await control('GET', spec.uuid)).status, 404);
  });

  it('also listens on localhost TCP when a control port is set', async () => {
    const spec = ticket();
    // On TCP the control API takes the secret kept beside its socket.
    const secret = fs.readFileSync(controlTokenOf(controlSocketOf(t.config.dataDir)), 'utf8').trim();
    const overTcp = (method: string, body?: string) =>
      exchange(http.request({ host: '127.0.0.1', port: t.proxy.controlPort, method, path: `/tickets/${spec.uuid}`, headers: { Authorization: `Bearer ${secret}` } }), body);
    assert.equal((await overTcp('PUT', JSON.stringify(spec))).status, 200);
    assert.equal(JSON.parse((await overTcp('GET')).body.toString()).uuid, spec.uuid);
    assert.equal((await overTcp('DELETE')).status, 204);
  });

  it("zeroes an NBD export as the ticket's sparse flag says: deallocating, or keeping the blocks", async () => {
    for (const sparse of [true, false]) {
      const file = path.join(dir, `nbd-${sparse}.raw`);
      fs.writeFileSync(file, '');
      fs.truncateSync(file, 4 * MiB);
      const server = `zero-test-${randomUUID()}`;
      const socket = await ensureNbdServer(server, { image: file, format: 'raw', readOnly: false });
      try {
        const spec = ticket({ ops: ['write'], size: 4 * MiB, url: `nbd:unix:${socket}`, sparse });
        assert.equal((await control('PUT', spec.uuid, spec)).status, 200);
        assert.equal((await data_('PUT', spec.uuid, { body: data.subarray(0, 4 * MiB), headers: { 'Content-Range': `bytes 0-${4 * MiB - 1}/*` } })).status, 200);
        const before = fs.statSync(file).blocks * 512;
        const zero = await data_('PATCH', spec.uuid, { body: Buffer.from(JSON.stringify({ op: 'zero', offset: MiB, size: MiB, flush: true })) });
        assert.equal(zero.status, 200, zero.body.toString());
        assert.equal(before - fs.statSync(file).blocks * 512, sparse ? MiB : 0, sparse ? 'the range was deallocated' : 'the range stayed allocated');
        assert.ok(fs.readFileSync(file).subarray(MiB, 2 * MiB).equals(Buffer.alloc(MiB)));
      } finally {
        await stopNbdServer(server);
      }
    }
  });

  it('removes every ticket at once', async () => {
    const [a, b] = [ticket(), ticket()];
    for (const s of [a, b]) assert.equal((await control('PUT', s.uuid, s)).status, 200);
    assert.equal((await control('DELETE', '')).status, 204);
    for (const s of [a, b]) assert.equal((await control('GET', s.uuid)).status, 404);
  });
});
