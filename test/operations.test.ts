// Operations: the structured log (a request's id and access line, on the API and the image
// proxy, with no credential in it), the Prometheus endpoint, and a process stopping on SIGTERM
// with an upload under way.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ADMIN_PASSWORD, ApiClient, BACKENDS, TestEngine, siblingCalls, spawnSibling, withEngine } from './support/engine';
import { LogLine } from './support/log';
import { addUser, clientOf } from './support/users';
import { exchange } from './support/http';
import { until } from './support/until';
import { connect } from '../services/store/connect';
import { Repo } from '../services/store/repo';

const MiB = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('operations: logs and metrics', () => {
  const ctx = withEngine();
  let ca: string;
  before(async () => {
    ca = (await ctx.t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
  });

  /** The lines logged for a request id, once its access line is there. */
  async function linesOf(id: string): Promise<LogLine[]> {
    let lines: LogLine[] = [];
    await until(async () => (lines = ctx.t.log.read().filter((l) => l.reqId === id)).some((l) => l.route !== undefined));
    return lines;
  }

  it('takes a safe request id from the client, echoes it in both headers and logs one access line under it', async () => {
    const r = await ctx.api.call('GET', '/vms', undefined, { 'X-Request-Id': 'trace-42.a' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-request-id'), 'trace-42.a');
    assert.equal(r.headers.get('correlation-id'), 'trace-42.a');
    const [line, ...more] = await linesOf('trace-42.a');
    assert.deepEqual(more, [], 'one line per request');
    assert.equal(line.msg, 'GET /ovirt-engine/api/vms 200');
    assert.equal(line.level, 30);
    assert.deepEqual({ method: line.method, route: line.route, path: line.path, status: line.status, user: line.user }, {
      method: 'GET', route: '/ovirt-engine/api/vms', path: '/ovirt-engine/api/vms', status: 200, user: 'admin@internal-authz',
    });
    assert.ok(typeof line.ms === 'number' && line.ms >= 0);
    assert.ok(Number(line.bytes) > r.text.length, `bytes ${String(line.bytes)} count the answer sent, head and body`);

    // The route is the template; Correlation-Id names the request too.
    const [dc] = XML.readList(T.DataCenter, (await ctx.api.call('GET', '/datacenters')).text);
    const byCorrelation = await ctx.api.call('GET', `/datacenters/${String(dc.id)}`, undefined, { 'Correlation-Id': 'corr-7' });
    assert.equal(byCorrelation.headers.get('x-request-id'), 'corr-7');
    assert.equal((await linesOf('corr-7'))[0].route, '/ovirt-engine/api/datacenters/{p0}');
  });

  it('makes a new id for a request without one or with an unsafe one, and logs no credential', async () => {
    for (const given of [undefined, 'x'.repeat(129), 'a b', '<script>']) {
      const r = await ctx.api.call('GET', '/clusters', undefined, given === undefined ? {} : { 'X-Request-Id': given });
      const id = String(r.headers.get('x-request-id'));
      assert.match(id, UUID, `for ${String(given)}`);
      assert.equal(r.headers.get('correlation-id'), id);
      assert.equal((await linesOf(id)).length, 1);
    }
    // A refused login and a Basic request: neither the password nor the token is logged.
    const wrong = await fetch(`${ctx.t.base}/ovirt-engine/api`, { headers: { Authorization: `Basic ${Buffer.from('admin@internal:not-the-password').toString('base64')}` } });
    const refused = await linesOf(String(wrong.headers.get('x-request-id')));
    assert.equal(refused[0].status, 401);
    assert.equal(refused[0].user, undefined);
    const basic = await fetch(`${ctx.t.base}/ovirt-engine/api`, { headers: { Authorization: `Basic ${Buffer.from(`admin@internal:${ADMIN_PASSWORD}`).toString('base64')}` } });
    assert.equal((await linesOf(String(basic.headers.get('x-request-id'))))[0].user, 'admin@internal-authz');
    const everything = JSON.stringify(ctx.t.log.read());
    for (const secret of [ctx.api.token, ADMIN_PASSWORD, 'not-the-password']) assert.ok(!everything.includes(secret), 'a credential was logged');
  });

  it('logs the image proxy\'s requests by route template, never with the ticket', async () => {
    const ticket = randomUUID();
    const r = await exchange(https.request(`https://localhost:${ctx.t.proxy.port}/images/${ticket}`, { method: 'GET', ca, headers: { 'X-Request-Id': 'image-1' } }));
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-request-id'], 'image-1');
    const [line] = await linesOf('image-1');
    assert.deepEqual({ msg: line.msg, method: line.method, route: line.route, status: line.status }, { msg: 'GET /images/{ticket} 403', method: 'GET', route: '/images/{ticket}', status: 403 });
    assert.ok(!JSON.stringify(ctx.t.log.read()).includes(ticket), 'the ticket was logged');
  });

  it('serves the metrics to administrators of the whole system only', async () => {
    const metrics = '/ovirt-engine/services/metrics';
    assert.equal((await ctx.t.request('GET', metrics)).status, 401);
    await addUser(ctx.api, 'metrics-reader', 'metrics-reader-pw');
    const user = await clientOf(ctx.t, 'metrics-reader@internal', 'metrics-reader-pw', false);
    assert.equal((await ctx.t.request('GET', metrics, { headers: { Authorization: `Bearer ${user.token}` } })).status, 403);
    const basic = await ctx.t.request('GET', metrics, { headers: { Authorization: `Basic ${Buffer.from(`admin@internal:${ADMIN_PASSWORD}`).toString('base64')}` } });
    assert.equal(basic.status, 200, basic.text);
    assert.match(String(basic.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
  });

  it('exposes requests by route template and status class, transfer bytes, the database pool, event-loop lag and tickets', async () => {
    await ctx.api.call('GET', '/vms');
    await ctx.api.call('GET', '/vms/00000000-0000-0000-0000-00000000abcd');
    const r = await ctx.t.request('GET', '/ovirt-engine/services/metrics', { headers: { Authorization: `Bearer ${ctx.api.token}` } });
    assert.equal(r.status, 200);
    const series = (name: string) => r.text.split('\n').filter((l) => l.startsWith(name));
    const count = (labels: string) => Number(series(`hangar_http_request_duration_seconds_count{${labels}}`)[0]?.split(' ')[1]);
    assert.ok(count('server="api",method="GET",route="/ovirt-engine/api/vms",status="2xx"') >= 1, r.text);
    assert.ok(count('server="api",method="GET",route="/ovirt-engine/api/vms/{p0}",status="4xx"') >= 1, r.text);
    assert.ok(count('server="proxy",method="GET",route="/images/{ticket}",status="4xx"') >= 1, 'the proxy\'s requests, from the test before');
    assert.ok(series('hangar_http_request_duration_seconds_bucket{').length > 0);
    assert.match(r.text, /^# TYPE hangar_transfer_bytes_total counter$/m);
    for (const state of ['used', 'free', 'pending', 'max']) assert.equal(series(`hangar_db_pool_connections{state="${state}"}`).length, 1, state);
    assert.match(r.text, /^hangar_nodejs_eventloop_lag_seconds \d/m);
    assert.match(r.text, /^hangar_nodejs_eventloop_lag_p99_seconds \d/m);
    assert.match(r.text, /^hangar_transfer_tickets\{state="live"\} \d+$/m);
    assert.match(r.text, /^hangar_transfer_tickets\{state="active"\} \d+$/m);
    assert.match(r.text, /^hangar_process_resident_memory_bytes \d/m);
  });
});

describe('operations: stopping the API', () => {
  const ctx = withEngine();

  it('closes event streams as it stops, so that they do not hold the drain', async () => {
    const res = await fetch(`${ctx.t.base}/ovirt-engine/api/events/stream`, { headers: { Authorization: `Bearer ${ctx.api.token}` } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    assert.match(Buffer.from((await reader.read()).value ?? []).toString(), /stream of events/);
    // A drain far longer than any test: only the stream's closing lets the stop end.
    const stopped = ctx.t.servers.stop(3_600_000);
    const ended = async (): Promise<void> => {
      for (;;) if ((await reader.read()).done) return;
    };
    await ended().catch(() => undefined);
    await stopped;
  });
});

for (const backend of BACKENDS) describe(`operations: stopping on SIGTERM (${backend.name})`, () => {
  let t: TestEngine;
  let api: ApiClient;
  let ca: string;
  let dir: string;
  before(async () => {
    t = await TestEngine.start(backend);
    api = await ApiClient.of(t, XML);
    ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-stopping-'));
    const ok = async (p: string, body: string) => assert.equal((await api.call('POST', p, body)).status, 201);
    await ok('/storagedomains', `<storage_domain><name>stopping</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`);
    const [dc] = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text);
    await ok(`/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>stopping</name></storage_domain>');
    const host = XML.read(T.Host, (await api.call('POST', '/hosts', '<host><name>sh</name><address>sh.example.com</address><root_password>secret-pw</root_password></host>')).text);
    await until(async () => XML.read(T.Host, (await api.call('GET', `/hosts/${host.id}`)).text).status === 'up');
  });
  after(async () => {
    await t?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts an upload on its metrics port; drains what is under way within its bound, leaves the upload paused_system with its flushed bytes, and exits 0', async () => {
    const d = XML.read(T.Disk, (await api.call('POST', '/disks', '<disk><name>stopping</name><format>raw</format><provisioned_size>6291456</provisioned_size><storage_domains><storage_domain><name>stopping</name></storage_domain></storage_domains></disk>')).text);
    // The upload is served by a process of its own, the only one on the database.
    await t.stopServing();
    const sibling = await spawnSibling(t, { HANGAR_SHUTDOWN_TIMEOUT: '3', HANGAR_METRICS_PORT: '0' });
    const via = siblingCalls(api)(sibling);
    const db = await connect({ url: t.config.db, schema: t.config.dbSchema });
    const [flushed, drained, cut] = [randomBytes(2 * MiB), randomBytes(2 * MiB), randomBytes(2 * MiB)];
    let id = '';
    try {
      const created = XML.read(T.ImageTransfer, await via('POST', '/imagetransfers', `<image_transfer><disk id="${d.id}"/><direction>upload</direction></image_transfer>`));
      let up: Obj = created;
      await until(async () => (up = XML.read(T.ImageTransfer, await via('GET', `/imagetransfers/${String(created.id)}`))).phase === 'transferring');
      const url = new URL(String(up.proxy_url));
      assert.equal(url.port, String(sibling.proxyPort));
      id = String(up.id);
      const put = (offset: number, length: number) => https.request(url, { method: 'PUT', ca, headers: { 'Content-Range': `bytes ${offset}-${offset + length - 1}/*`, 'Content-Length': length } });
      assert.equal((await exchange(put(0, 2 * MiB), flushed)).status, 200);
      // The process's metrics port (for every role, without credentials) counts the bytes.
      const metricsUrl = /Hangar metrics on (http:\S+)/.exec(sibling.output())?.[1];
      const metrics = await (await fetch(String(metricsUrl))).text();
      assert.match(metrics, /^hangar_transfer_bytes_total\{direction="upload"\} 2097152$/m);
      assert.match(metrics, /^hangar_http_request_duration_seconds_count\{server="proxy",method="PUT",route="\/images\/\{ticket\}",status="2xx"\} 1$/m);

      // Two uploads under way: one finishes while the process drains, the other never does.
      const finishing = put(2 * MiB, 2 * MiB);
      const answered = new Promise<number>((resolve, reject) => finishing.on('response', (res) => resolve(res.statusCode ?? 0)).on('error', reject));
      finishing.write(drained.subarray(0, MiB));
      const stalled = put(4 * MiB, 2 * MiB);
      const dropped = new Promise<string>((resolve) => stalled.on('response', (res) => resolve(`answered ${res.statusCode}`)).on('error', (e) => resolve(e.message)));
      stalled.write(cut.subarray(0, MiB));
      const active = async () => Number((await db('transfer_tickets').where('transfer_id', String(up.id)).first('active'))?.active);
      await until(async () => (await active()) === 2);

      const code = sibling.stop();
      await until(async () => sibling.output().includes('Hangar stopping on SIGTERM'));
      const refused = await exchange(https.request(url, { method: 'OPTIONS', ca })).then(() => 'answered', (e: Error) => e.message);
      assert.match(refused, /ECONNREFUSED/, 'no new connection is taken');
      finishing.end(drained.subarray(MiB));
      assert.equal(await answered, 200, 'a request under way finishes within the bound');
      assert.equal(await code, 0, sibling.output());
      assert.match(await dropped, /socket hang up|ECONNRESET/, 'a request still under way at the bound is cut');

      const lines = sibling.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
      const stopped = lines.find((l) => l.msg.startsWith('Hangar stopped'));
      assert.deepEqual(stopped?.paused_uploads, [String(up.id)], sibling.output());
      // Read before any engine starts again: it is the stopping process that paused the upload.
      assert.equal((await new Repo(db).get(T.ImageTransfer, String(up.id)))?.phase, 'paused_system');
      assert.equal((await new Repo(db).get(T.Disk, String(d.id)))?.status, 'locked');
    } finally {
      await db.destroy();
      await t.serve();
      api = await ApiClient.of(t, XML);
    }

    // Resumed through a live proxy, the upload goes on from its flushed bytes; the cut range is sent again.
    await api.call('POST', `/imagetransfers/${id}/resume`, '<action/>');
    let resumed: Obj = {};
    await until(async () => (resumed = XML.read(T.ImageTransfer, (await api.call('GET', `/imagetransfers/${id}`)).text)).phase === 'transferring');
    const url = String(resumed.proxy_url);
    const again = await exchange(https.request(url, { method: 'PUT', ca, headers: { 'Content-Range': `bytes ${4 * MiB}-${6 * MiB - 1}/*` } }), cut);
    assert.equal(again.status, 200);
    const whole = await exchange(https.request(url, { method: 'GET', ca }));
    assert.equal(sha(whole.body), sha(Buffer.concat([flushed, drained, cut])));
    assert.equal((await api.call('POST', `/imagetransfers/${id}/finalize`, '<action/>')).status, 200);
    await until(async () => XML.read(T.ImageTransfer, (await api.call('GET', `/imagetransfers/${id}`)).text).phase === 'finished_success');
  });
});
