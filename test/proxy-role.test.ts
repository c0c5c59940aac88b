// A process started with HANGAR_ROLE=proxy serves images and loads none of the engine's own
// modules: no behaviours, no background work, no API or SSO, no hapi.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { exchange } from './support/http';
import { controlSocketOf } from '../proxy/server';
import { connect } from '../services/store/connect';
import { prepareStore } from '../services/store/prepare';

const DIST = path.join(__dirname, '..');

/** Runs main.js as a proxy and answers, once it serves, the modules it has loaded. */
const script = `
  const log = console.log;
  console.log = (...a) => {
    log(...a);
    if (String(a[0]).startsWith('Hangar ticket control API')) log('LOADED ' + JSON.stringify(Object.keys(require.cache)));
  };
  require(${JSON.stringify(path.join(DIST, 'main.js'))});`;

describe('a process of the proxy role', () => {
  let dir: string;
  let child: ReturnType<typeof spawn>;
  let loaded: string[];
  let port: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-proxy-role-'));
    // Engine processes prepare the database the proxies share.
    const db = await connect({ url: path.join(dir, 'hangar.sqlite') });
    await prepareStore(db);
    await db.destroy();
    child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, HANGAR_ROLE: 'proxy', HANGAR_DATA_DIR: dir, HANGAR_DB: path.join(dir, 'hangar.sqlite'), HANGAR_PROXY_PORT: '0', HANGAR_BIND: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    loaded = await new Promise<string[]>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /image proxy on https:\/\/[^:]+:(\d+)\/images[\s\S]*^LOADED (.*)$/m.exec(out);
        if (!m) return;
        port = Number(m[1]);
        resolve(JSON.parse(m[2]) as string[]);
      });
      child.once('exit', (code) => reject(new Error(`the proxy exited (${code}): ${out}`)));
    });
  });
  after(async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads no module of the engine, its API or its SSO', () => {
    const ours = loaded.filter((m) => m.startsWith(DIST)).map((m) => path.relative(DIST, m));
    assert.ok(ours.includes(path.join('proxy', 'server.js')), ours.join(' '));
    const engineOnly = ours.filter((m) => /^(api|sso|agent)\//.test(m) || /^services\/(engine|behaviour|background|transfers|vms|runtime\/)/.test(m));
    assert.deepEqual(engineOnly, []);
    assert.deepEqual(loaded.filter((m) => /node_modules\/@hapi\//.test(m)), []);
  });

  it('serves an upload through a ticket of its control API', async () => {
    const image = path.join(dir, 'image.raw');
    fs.writeFileSync(image, Buffer.alloc(1024 * 1024));
    const uuid = randomUUID();
    const control = http.request({ socketPath: controlSocketOf(dir), method: 'PUT', path: `/tickets/${uuid}` });
    assert.equal((await exchange(control, JSON.stringify({ uuid, size: 1024 * 1024, ops: ['write'], timeout: 300, url: `file://${image}` }))).status, 200);
    // Where OPTIONS says local clients may reach the images without TLS.
    const ca = fs.readFileSync(path.join(dir, 'pki', 'ca.pem'));
    const options = await exchange(https.request(`https://localhost:${port}/images/*`, { method: 'OPTIONS', ca, agent: false }));
    const socket = (JSON.parse(options.body.toString()) as { unix_socket: string }).unix_socket;
    const data = randomBytes(1024 * 1024);
    const put = await exchange(http.request({ socketPath: socket, method: 'PUT', path: `/images/${uuid}`, headers: { 'Content-Length': data.length } }), data);
    assert.equal(put.status, 200, put.body.toString());
    assert.ok(fs.readFileSync(image).equals(data));
  });
});

