// README.md runs as written: every `sh` block not marked `no-test`, in README order, in one bash
// shell (`set -euo pipefail`), from a directory laid out as a checkout, against an engine started
// as `npm start` starts it (`node dist/main.js` there: ./data, SQLite, the simulated runtime);
// then what the examples say they make is there. The URLs the engine prints at start answer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { EngineProcess, spawnEngine } from './support/engine';
import { exchange } from './support/http';
import { codeBlocks } from './support/markdown';
import { Shell } from './support/shell';

/** The checkout this build was made from (the test runs from dist/test). */
const CHECKOUT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(CHECKOUT, 'README.md'), 'utf8');
const SHELL_BLOCKS = codeBlocks(README).filter((b) => ['sh', 'bash', 'shell'].includes(b.info[0]));
const RUN = SHELL_BLOCKS.filter((b) => !b.info.includes('no-test'));
/** What the README's examples use of a checkout, besides ./data, which the engine makes. */
const CHECKOUT_PARTS = ['package.json', 'node_modules', 'dist'];
/** The ports the README names: the engine's defaults. */
const README_PORTS = { api: 8443, proxy: 54323 };
const GiB = 2 ** 30;

/** The environment without the engine's settings and npm's, which the test's own runner may have set. */
const plainEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HANGAR_|npm_)/i.test(k)));

describe('README.md', function () {
  this.timeout(120000);
  let work: string;
  let engine: EngineProcess;
  let shell: Shell;
  let ports: { api: number; proxy: number };
  let scripts: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-readme-'));
    for (const part of CHECKOUT_PARTS) fs.symlinkSync(path.join(CHECKOUT, part), path.join(work, part));
    // npm start's environment: its malloc setting; hosts and VMs change state 20 times faster.
    const started = await spawnEngine({
      cwd: work,
      env: { ...plainEnv(), GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1073741824', HANGAR_API_PORT: '0', HANGAR_PROXY_PORT: '0', HANGAR_SIM_SPEED: '20' },
      ready: /^Hangar API on https:\/\/localhost:(\d+)\/[\s\S]*^Hangar image proxy on https:\/\/localhost:(\d+)\/images$/m,
      timeoutMs: 60000,
    });
    engine = started;
    ports = { api: Number(started.started[1]), proxy: Number(started.started[2]) };
    scripts = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-readme-scripts-'));
    // Offline: `npx hangar` is this checkout's command, never one from the registry.
    shell = new Shell(work, { ...plainEnv(), XDG_CONFIG_HOME: path.join(work, 'config'), npm_config_offline: 'true' }, scripts);
  });
  after(async () => {
    await shell?.close();
    await engine?.stop();
    for (const dir of [work, scripts]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** An HTTPS request to the engine, checked against `ca` when given. */
  const request = async (url: string, o: { ca?: string; headers?: Record<string, string> } = {}) => {
    const answer = await exchange(https.request(url, { ca: o.ca, rejectUnauthorized: o.ca !== undefined, headers: o.headers, agent: false }));
    return { status: answer.status, type: answer.headers['content-type'] ?? '', text: answer.body.toString() };
  };
  /** An object of the API, read as the admin with the README's password file. */
  const get = async (apiPath: string) => {
    const password = fs.readFileSync(path.join(work, 'data', 'admin-password'), 'utf8').trim();
    const r = await request(`https://localhost:${ports.api}/ovirt-engine/api${apiPath}`, {
      ca: fs.readFileSync(path.join(work, 'data', 'pki', 'ca.pem'), 'utf8'), headers: { Accept: 'application/json', Authorization: `Basic ${Buffer.from(`admin@internal:${password}`).toString('base64')}` },
    });
    assert.equal(r.status, 200, `${apiPath}: ${r.text}`);
    return JSON.parse(r.text) as Record<string, any>;
  };
  /** The one object a search of a collection finds. */
  const only = async (collection: string, member: string, name: string) => {
    const found = (await get(`/${collection}?search=${encodeURIComponent(`name=${name}`)}`))[member] as Record<string, any>[] | undefined;
    assert.equal(found?.length, 1, `${collection} named ${name}`);
    return found[0];
  };

  it('prints at start URLs of this machine that answer: the API, its documentation, the CA certificate, the image proxy', async () => {
    const lines = engine.output().split('\n').filter((l) => l.startsWith('Hangar '));
    const urls = lines.flatMap((l) => l.match(/\bhttps?:\/\/\S+?(?=,|\s|$)/g) ?? []);
    assert.equal(urls.length, 4, lines.join('\n'));
    for (const url of urls) assert.match(url, /^https:\/\/localhost:\d+\//, 'a URL a local user opens, not a wildcard address');
    const [api, docs, caUrl, proxy] = urls;
    const caAnswer = await request(caUrl);
    assert.equal(caAnswer.status, 200);
    assert.match(caAnswer.text, /^-----BEGIN CERTIFICATE-----/);
    const ca = caAnswer.text;
    assert.equal(api, `https://localhost:${ports.api}/ovirt-engine/api`);
    assert.equal((await request(api, { ca })).status, 401, 'the API, which asks for credentials');
    const page = await request(docs, { ca });
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.equal(proxy, `https://localhost:${ports.proxy}/images`);
    assert.equal((await request(`${proxy}/`, { ca })).status, 400, 'the data plane, which wants a ticket');
  });

  it('has shell blocks, each one run or marked no-test', () => {
    assert.ok(RUN.length >= 5, `${RUN.length} blocks to run`);
    for (const b of SHELL_BLOCKS) assert.deepEqual(b.info.slice(1).filter((w) => w !== 'no-test'), [], `README.md:${b.line}: ${b.info.join(' ')}`);
  });

  for (const block of RUN) {
    it(`runs the block at README.md:${block.line}`, async () => {
      // The README's engine listens on its default ports; this one on ports of its own.
      const script = block.code
        .replaceAll(`localhost:${README_PORTS.api}`, `localhost:${ports.api}`)
        .replaceAll(`localhost:${README_PORTS.proxy}`, `localhost:${ports.proxy}`);
      const run = await shell.run(script);
      assert.ok(run.ok, `README.md:${block.line} failed:\n${run.output.slice(-6000)}`);
    });
  }

  it('made what the examples say: a host up, myvm up with a NIC and an 8 GiB disk, a CLI profile, web1 up, an uploaded disk, joe with a role on myvm, a MiB read through a ticket', async () => {
    assert.equal((await only('hosts', 'host', 'myhost')).status, 'up');
    const myvm = await only('vms', 'vm', 'myvm');
    assert.equal(myvm.status, 'up');
    assert.deepEqual(((await get(`/vms/${myvm.id}/nics`)).nic as { name: string }[]).map((n) => n.name), ['mynic']);
    const [attachment] = (await get(`/vms/${myvm.id}/diskattachments?follow=disk`)).disk_attachment as Record<string, any>[];
    assert.equal(attachment.bootable, 'true');
    assert.equal(attachment.disk.name, 'mydisk');
    assert.equal(attachment.disk.format, 'cow');
    assert.equal(Number(attachment.disk.provisioned_size), 8 * GiB);
    const profile = fs.statSync(path.join(work, 'config', 'hangar', 'default.json'));
    assert.equal(profile.mode & 0o777, 0o600, 'the login profile only its owner reads');
    assert.equal((await only('vms', 'vm', 'web1')).status, 'up');
    const uploaded = await only('disks', 'disk', 'disk');
    assert.equal(uploaded.status, 'ok');
    assert.equal(Number(uploaded.provisioned_size), GiB);
    const joe = await only('users', 'user', 'joe');
    const permissions = (await get(`/vms/${myvm.id}/permissions`)).permission as Record<string, any>[];
    assert.ok(permissions.some((p) => p.user?.id === joe.id), 'joe has a role on myvm');
    assert.equal(fs.statSync(path.join(work, 'first-mib.raw')).size, 2 ** 20, 'the data plane served the ticket');
  });

  it('answered no request with a server error', () => {
    const errors = engine.output().split('\n').filter((l) => /^\{.*"level":(50|60)\b/.test(l));
    assert.deepEqual(errors, []);
  });
});
