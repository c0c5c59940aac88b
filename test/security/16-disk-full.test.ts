// Out of space: a data-plane write that finds its storage full answers 507 with a clear message
// (not a reset connection), and a database that refuses writes for lack of space makes any call
// that writes answer 507 "the engine's database is out of space", with no SQL text; nothing is
// changed by the refused call, and everything works again once there is space.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { XML } from '../../model/codec';
import { controlSocketOf } from '../../proxy/server';
import { ADMIN_PASSWORD, ApiClient, BACKENDS, SQLITE, withEngine } from '../support/engine';
import { exchange } from '../support/http';

const KiB = 1024;

for (const backend of BACKENDS) {
  describe(`security: the image proxy out of space (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let ca: string;
    before(async () => {
      ca = (await ctx.t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    });

    const control = (method: string, id: string, body?: unknown) =>
      exchange(http.request({ socketPath: controlSocketOf(ctx.t.config.dataDir), method, path: `/tickets/${id}`, headers: { 'Content-Type': 'application/json' } }), body === undefined ? undefined : JSON.stringify(body));
    const data = (method: string, id: string, headers: Record<string, string | number>, body?: Buffer) =>
      exchange(https.request(`https://localhost:${ctx.t.config.proxyPort}/images/${id}`, { method, ca, headers, agent: false }), body);

    it('answers 507 to a PUT or a zero on a full device, closes the connection, and the ticket goes on', async () => {
      const id = randomUUID();
      // /dev/full takes no write: each one fails with ENOSPC.
      const installed = await control('PUT', id, { uuid: id, size: 1024 * KiB, ops: ['write'], timeout: 300, url: 'file:///dev/full', inactivity_timeout: 60 });
      assert.equal(installed.status, 200, installed.body.toString());
      for (const size of [64 * KiB, 1024 * KiB]) {
        const put = await data('PUT', id, { 'Content-Length': size }, Buffer.alloc(size, 7));
        assert.equal(put.status, 507, put.body.toString());
        assert.match(put.body.toString(), /out of space/);
        assert.equal(put.headers.connection, 'close');
      }
      const zero = await data('PATCH', id, { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ op: 'zero', size: 4096, offset: 0 })));
      assert.equal(zero.status, 507, zero.body.toString());
      const status = JSON.parse((await control('GET', id)).body.toString()) as Record<string, unknown>;
      assert.equal(status.active, false);
      assert.equal(status.transferred, 0, 'no byte counts as moved');
      assert.equal((await data('OPTIONS', id, {})).status, 200);
    });
  });
}

describe('security: the engine database out of space (SQLite)', () => {
  const ctx = withEngine({ backend: SQLITE, overrides: { loginMaxFailures: 1000 } });
  let api: ApiClient;
  before(() => (api = ctx.api));

  const db = () => ctx.t.engine.db;
  const pragma = async (text: string) => ((await db().raw(`pragma ${text}`)) as Record<string, unknown>[])[0];
  /** From now on the database file may not grow: SQLite refuses writes that need a page more. */
  const fill = async () => pragma(`max_page_count = ${Number((await pragma('page_count')).page_count)}`);
  const makeRoom = () => pragma('max_page_count = 1073741823');

  it("answers 507 \"the engine's database is out of space\" to an add, changes nothing, and takes it once there is room", async () => {
    await fill();
    let refused: { name: string; text: string } | undefined;
    try {
      // Rows fill the pages there are; an add that needs a new page is refused.
      for (let i = 0; i < 500 && !refused; i++) {
        const name = `full-${i}`;
        const r = await api.call('POST', '/datacenters', `<data_center><name>${name}</name><description>${'d'.repeat(2000)}</description></data_center>`);
        if (r.status === 507) refused = { name, text: r.text };
        else assert.equal(r.status, 201, r.text);
      }
    } finally {
      await makeRoom();
    }
    assert.ok(refused, 'an add was refused');
    const fault = XML.read(T.Fault, refused.text, 'fault');
    assert.equal(fault.reason, 'Insufficient Storage');
    assert.match(String(fault.detail), /^The engine's database is out of space/);
    assert.doesNotMatch(refused.text, /insert|SQLITE|data_centers/i);
    assert.equal((await pragma('integrity_check')).integrity_check, 'ok');
    const found = XML.readList(T.DataCenter, (await api.call('GET', `/datacenters?search=name%3D${refused.name}`)).text);
    assert.deepEqual(found, [], 'the refused add left nothing');
    assert.equal((await api.call('POST', '/datacenters', `<data_center><name>${refused.name}</name></data_center>`)).status, 201);
  });

  it('answers a login with 507 and no SQL text when its writes are refused', async () => {
    await fill();
    let refused: { status: number; text: string } | undefined;
    try {
      for (let i = 0; i < 500 && !refused; i++) {
        const r = await ctx.t.request('POST', '/ovirt-engine/sso/oauth/token', {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          body: new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username: `nobody-${i}-${'n'.repeat(200)}@internal`, password: 'wrong' }).toString(),
        });
        if (r.status !== 400 && r.status !== 401) refused = r;
      }
    } finally {
      await makeRoom();
    }
    assert.ok(refused, 'a login was refused');
    assert.equal(refused.status, 507, refused.text);
    const body = JSON.parse(refused.text) as { error: string; error_description: string };
    assert.equal(body.error, 'server_error');
    assert.match(body.error_description, /^The engine's database is out of space/);
    assert.doesNotMatch(refused.text, /insert|SQLITE|login_failures/i);
    assert.equal((await pragma('integrity_check')).integrity_check, 'ok');
    assert.ok(await ctx.t.token('admin@internal', ADMIN_PASSWORD));
  });
});
