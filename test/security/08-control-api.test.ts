// The ticket control API on its localhost TCP port: a ticket names any file the engine's user
// can open, so a request there must carry the secret kept in the data dir (readable by the
// engine's user alone) and name a loopback Host with the port (against DNS rebinding). The Unix
// socket, in a directory only the engine's user may enter, takes no secret.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { SQLITE, TestEngine, withEngine } from '../support/engine';
import { controlSocketOf } from '../../proxy/server';
import { controlTokenOf } from '../../proxy/control-access';
import { exchange } from '../support/http';

describe('ticket control API on TCP', () => {
  const ctx = withEngine({ backend: SQLITE, overrides: { controlPort: 0 } });
  let t: TestEngine;
  let dir: string;
  let secretFile: string;

  const overSocket = (method: string, id: string) =>
    exchange(http.request({ socketPath: controlSocketOf(t.config.dataDir), method, path: `/tickets/${id}` }));
  const overTcp = (method: string, id: string, headers: Record<string, string>, body?: unknown) =>
    exchange(http.request({ host: '127.0.0.1', port: t.proxy.controlPort, method, path: `/tickets/${id}`, headers }), body === undefined ? undefined : JSON.stringify(body));
  const secret = () => fs.readFileSync(controlTokenOf(controlSocketOf(t.config.dataDir)), 'utf8').trim();
  /** A ticket for a file only the engine's user may read, as an attacker would ask for. */
  const ticket = () => {
    const uuid = randomUUID();
    return { uuid, size: 4096, ops: ['read', 'write'], timeout: 300, url: `file://${secretFile}`, inactivity_timeout: 60 };
  };

  before(() => {
    t = ctx.t;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-control-'));
    secretFile = path.join(dir, 'private');
    fs.writeFileSync(secretFile, Buffer.alloc(4096, 7), { mode: 0o600 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps its secret in the data dir, readable by the engine user alone', () => {
    const file = controlTokenOf(controlSocketOf(t.config.dataDir));
    assert.ok(file.startsWith(t.config.dataDir + path.sep));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.ok(secret().length >= 32);
  });

  it('refuses requests without the secret, or with another, and changes nothing', async () => {
    for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer wrong' }, { Authorization: `Basic ${Buffer.from('admin:guess').toString('base64')}` }]) {
      const spec = ticket();
      const put = await overTcp('PUT', spec.uuid, headers, spec);
      assert.equal(put.status, 401, put.body.toString());
      assert.match(String(put.headers['www-authenticate']), /^Bearer/);
      assert.equal((await overSocket('GET', spec.uuid)).status, 404, 'no ticket was installed');
    }
  });

  it('refuses a Host other than a loopback name with its port, even with the secret', async () => {
    const port = t.proxy.controlPort as number;
    for (const host of [`rebind.example:${port}`, `localhost:${port + 1}`, 'localhost', `127.0.0.2:${port}`]) {
      const spec = ticket();
      const put = await overTcp('PUT', spec.uuid, { Host: host, Authorization: `Bearer ${secret()}` }, spec);
      assert.equal(put.status, 403, `${host}: ${put.body.toString()}`);
      assert.equal((await overSocket('GET', spec.uuid)).status, 404, 'no ticket was installed');
    }
  });

  it('serves a request with the secret and a loopback Host', async () => {
    const port = t.proxy.controlPort as number;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const spec = ticket();
      const headers = { Host: host, Authorization: `Bearer ${secret()}` };
      assert.equal((await overTcp('PUT', spec.uuid, headers, spec)).status, 200, host);
      assert.equal((await overTcp('DELETE', spec.uuid, headers)).status, 204, host);
    }
  });

  it('keeps the secret across restarts', async () => {
    const before = secret();
    await t.restart();
    assert.equal(secret(), before);
    const spec = ticket();
    assert.equal((await overTcp('PUT', spec.uuid, { Authorization: `Bearer ${before}` }, spec)).status, 200);
  });
});
