// The SDK against an in-process engine over HTTPS, for every kind of service: a top-level
// collection, a sub-collection, an action, faults; and the connection's login, token renewal
// and logout.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_PASSWORD, TestEngine, withEngine } from './support/engine';
import { until } from './support/until';
import { ApiError, AuthError, ConflictError, Connection, NotFoundError, RootLocator, WaitTimeout, accessorOf, apiUrlOf, jobDone, waitFor } from '../sdk';
import type { Readable } from '../sdk/locators';
import { pauses } from '../sdk/wait';
import { collectionRoutes } from '../model/tree';

describe('sdk', () => {
  const ctx = withEngine();
  // Inner hooks run before the engine's: the connection closes while the engine still serves.
  describe('against an engine', () => {
    let t: TestEngine;
    let caFile: string;
    let conn: Connection;

    /** Whether the engine takes `token` for an API call. */
    const accepted = async (token: string) =>
      (await fetch(`${t.base}/ovirt-engine/api`, { headers: { Authorization: `Bearer ${token}` } })).status === 200;

    const open = (o: { password?: string; token?: string } = {}) =>
      Connection.open({ url: `${t.httpsBase}/ovirt-engine/api`, username: 'admin@internal', password: ADMIN_PASSWORD, caFile, ...o });

    before(async () => {
      t = ctx.t;
      const ca = await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA');
      caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-sdk-')), 'ca.pem');
      fs.writeFileSync(caFile, ca.text);
      conn = await open();
    });
    after(async () => {
      await conn?.close();
      if (caFile) fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
    });

    describe('connection', () => {
      it('logs in with a password over TLS verified by the CA file, from the engine base URL too', async () => {
        const c = await Connection.open({ url: t.httpsBase, username: 'admin@internal', password: ADMIN_PASSWORD, caFile });
        assert.equal(c.url, `${t.httpsBase}/ovirt-engine/api`);
        assert.ok(await accepted(c.token));
        assert.ok(Array.isArray(await c.system().datacenters().list()));
        await c.close();
      });

      it('takes the CA as text, or no verification when told to be insecure', async () => {
        const withText = await Connection.open({ url: t.httpsBase, username: 'admin@internal', password: ADMIN_PASSWORD, ca: fs.readFileSync(caFile, 'utf8') });
        assert.ok(Array.isArray(await withText.system().clusters().list()));
        await withText.close();
        const insecure = await Connection.open({ url: t.httpsBase, username: 'admin@internal', password: ADMIN_PASSWORD, insecure: true });
        assert.ok(Array.isArray(await insecure.system().clusters().list()));
        await insecure.close();
      });

      it('refuses an engine whose certificate the CA does not verify', async () => {
        await assert.rejects(Connection.open({ url: t.httpsBase, username: 'admin@internal', password: ADMIN_PASSWORD }), /self-signed|unable to verify|certificate/);
      });

      it('answers a bad password with an AuthError', async () => {
        await assert.rejects(open({ password: 'wrong' }), (e: unknown) => e instanceof AuthError && /invalid/i.test(e.message));
      });

      it('logs in again once when the token it holds is refused, and retries the call', async () => {
        const c = await open();
        const first = c.token;
        // The token is revoked behind the connection's back, as an expiry would end it.
        await fetch(`${t.base}/ovirt-engine/services/sso-logout`, { method: 'POST', body: new URLSearchParams({ token: first }) });
        assert.equal(await accepted(first), false);
        assert.ok(Array.isArray(await c.system().clusters().list()));
        assert.notEqual(c.token, first);
        assert.ok(await accepted(c.token));
        await c.close();
      });

      it('uses a token given instead of a password, keeps it on a close without logout, and fails with AuthError when it is refused and there is no password', async () => {
        const c = await Connection.open({ url: t.httpsBase, token: conn.token, caFile });
        assert.ok(Array.isArray(await c.system().clusters().list()));
        await c.close({ logout: false });
        assert.ok(await accepted(conn.token));
        const bad = await Connection.open({ url: t.httpsBase, token: 'not-a-token', caFile });
        await assert.rejects(bad.system().clusters().list(), (e: unknown) => e instanceof AuthError && e.status === 401);
        await bad.close({ logout: false });
      });

      it('revokes its token on close', async () => {
        const c = await open();
        assert.ok(await accepted(c.token));
        await c.close();
        assert.equal(await accepted(c.token), false);
      });

      it('sends JSON relative to the API root', async () => {
        const dc = (await conn.send('GET', '/datacenters', undefined, { search: 'name=Default' })) as { data_center: { name: string }[] };
        assert.deepEqual(dc.data_center.map((d) => d.name), ['Default']);
      });
    });

    describe('locators', () => {
      const vms = () => conn.system().vms();
      // The VMs boot from the network: a VM without a disk or CD to boot from does not start.
      const addVm = (name: string) => vms().add({ name, cluster: { name: 'Default' }, template: { name: 'Blank' }, os: { boot: { devices: ['network'] } } });

      it('adds, lists with search, max and follow, gets (whole or some fields, hrefs kept), updates and removes in a top-level collection', async () => {
        const a = await addVm('sdk-a');
        await addVm('sdk-b');
        assert.ok(a.id);
        assert.deepEqual((await vms().list({ search: 'name=sdk-a' })).map((v) => v.name), ['sdk-a']);
        assert.equal((await vms().list({ search: 'name=sdk-*', max: 1 })).length, 1);
        const [followed] = await vms().list({ search: 'name=sdk-a', follow: 'cluster' });
        assert.equal(followed.cluster?.name, 'Default');
        const vm = vms().vm(a.id);
        const read = await vm.get();
        assert.equal(read.name, 'sdk-a');
        // Objects and their links keep the href they were answered with, as the oVirt SDKs' do.
        assert.equal(read.href, `/ovirt-engine/api/vms/${a.id}`);
        assert.equal(a.href, read.href);
        assert.match(String(read.cluster?.href), /^\/ovirt-engine\/api\/clusters\/[^/]+$/);
        const projected = await vm.get({ fields: 'name' });
        assert.deepEqual([projected.id, projected.name, projected.description, projected.memory], [a.id, 'sdk-a', undefined, undefined]);
        assert.equal((await vm.update({ description: 'changed' })).description, 'changed');
        assert.equal((await vm.get()).description, 'changed');
        await vm.remove();
        await assert.rejects(vm.get(), NotFoundError);
      });

      it('streams a list object by object, with search and max', async () => {
        for (const name of ['sdk-s1', 'sdk-s2', 'sdk-s3']) await addVm(name);
        const names: string[] = [];
        for await (const vm of vms().stream({ search: 'name=sdk-s*' })) names.push(vm.name!);
        assert.deepEqual(names.sort(), ['sdk-s1', 'sdk-s2', 'sdk-s3']);
        let seen = 0;
        for await (const vm of vms().stream({ search: 'name=sdk-s*', max: 2 })) seen += vm.name ? 1 : 0;
        assert.equal(seen, 2);
        // Stopping early leaves the connection able to serve the next call.
        for await (const vm of vms().stream({ search: 'name=sdk-s*' })) if (vm.name) break;
        assert.equal((await vms().list({ search: 'name=sdk-s1' })).length, 1);
      });

      it('adds, lists and removes in a sub-collection', async () => {
        const vm = vms().vm((await addVm('sdk-nics')).id!);
        const nic = await vm.nics().add({ name: 'nic1' });
        assert.equal(nic.name, 'nic1');
        assert.deepEqual((await vm.nics().list()).map((n) => n.name), ['nic1']);
        assert.equal((await vm.nics().nic(nic.id!).get()).name, 'nic1');
        await vm.nics().nic(nic.id!).remove();
        assert.deepEqual(await vm.nics().list(), []);
      });

      it('calls actions, waits for the state they lead to, and tells a conflict as ConflictError', async () => {
        const host = await conn.system().hosts().add({ name: 'sdk-host', address: 'sdk-host.example.com', root_password: 'secret-pw' });
        assert.equal((await waitFor(host, (h) => h.status === 'up', { intervalMs: 20, timeoutMs: 30000 })).status, 'up');
        const vm = vms().vm((await addVm('sdk-run')).id!);
        const started = await vm.start();
        assert.equal(started.status, 'complete');
        assert.equal((await waitFor(vm, (v) => v.status === 'up', { intervalMs: 20, timeoutMs: 30000 })).status, 'up');
        await assert.rejects(vm.remove(), (e: unknown) => e instanceof ConflictError && e.status === 409 && /not down/.test(e.detail));
      });

      it('waits for the job an action answered', async () => {
        const hosts = conn.system().hosts();
        const added = await hosts.add({ name: 'sdk-job-host', address: 'sdk-job-host.example.com', root_password: 'secret-pw' });
        const host = hosts.host(added.id!);
        await waitFor(host, (h) => h.status === 'up', { intervalMs: 20, timeoutMs: 30000 });
        const job = await jobDone(conn, await host.deactivate(), { intervalMs: 20, timeoutMs: 30000 });
        assert.equal(job.status, 'finished');
        assert.equal((await host.get()).status, 'maintenance');
      });

      it('fails a wait that outlasts its timeout with what it read last', async () => {
        const vm = await addVm('sdk-never');
        await assert.rejects(waitFor(vm, (v) => v.status === 'up', { intervalMs: 10, timeoutMs: 50 }), (e: unknown) =>
          e instanceof WaitTimeout && (e.last as typeof vm).name === 'sdk-never');
      });

      it('reads again soon at first, then less often, up to its interval', async () => {
        const first = pauses(1000);
        assert.deepEqual(Array.from({ length: 7 }, () => first.next().value), [100, 200, 400, 800, 1000, 1000, 1000]);
        // A state reached by the second read is seen within a timeout shorter than the interval.
        let reads = 0;
        const soon: Readable<{ reads: number }> = { path: '/soon', get: async () => ({ reads: ++reads }) };
        assert.equal((await waitFor(soon, (o) => o.reads === 2, { intervalMs: 10_000, timeoutMs: 2000 })).reads, 2);
      });

      it('tells a fault as an ApiError with its status, reason and detail', async () => {
        await assert.rejects(vms().vm('00000000-0000-0000-0000-00000000beef').get(), (e: unknown) =>
          e instanceof NotFoundError && e instanceof ApiError && e.status === 404 && e.reason !== '' && e.detail !== '');
        await assert.rejects(vms().add({ name: 'no-cluster' }), (e: unknown) => e instanceof ApiError && e.status === 400 && /cluster/.test(e.detail));
      });

      it('types objects and calls from the model', () => {
        // Compiled, never run: each line must fail to compile.
        const unused = () => {
          // @ts-expect-error a misspelled attribute
          void vms().add({ nmae: 'x' });
          // @ts-expect-error an action VMs do not have
          void vms().vm('x').strat();
          // @ts-expect-error a collection without add
          void conn.system().clusterlevels().add({});
          // @ts-expect-error a list parameter VMs do not take
          void vms().list({ serach: 'x' });
        };
        assert.equal(typeof unused, 'function');
      });
    });
  });
});

describe('sdk locators of the whole tree', () => {
  it('reach every collection by its segment and its members by their type name, typed for each', async () => {
    const conn = await Connection.open({ url: 'https://engine.example', token: 'unused' });
    type Step = Record<string, (id?: string) => Step> & { path: string };
    for (const r of collectionRoutes) {
      let loc = conn.system() as unknown as Step;
      let k = 0;
      for (const segment of r.segments) loc = segment === null ? loc[accessorOf(r.chain[k - 1].type())]('x') : (k++, loc[segment]());
      assert.equal(loc.path, r.segments.map((s) => `/${s ?? 'x'}`).join(''));
    }
    await conn.close({ logout: false });
    // At compile time: every top-level collection has its member accessor (no type lost its name).
    type Methods<K extends keyof RootLocator> = keyof ReturnType<RootLocator[K]>;
    type WithoutAccessor = { [K in keyof RootLocator]: Exclude<Methods<K>, 'path' | 'list' | 'stream' | 'add'> extends never ? K : never }[keyof RootLocator];
    const none: [WithoutAccessor] extends [never] ? true : false = true;
    assert.ok(none);
  });
});

describe('sdk API URL', () => {
  it('is the API root for the API URL or the engine base URL given', () => {
    for (const given of ['https://e.example/ovirt-engine/api', 'https://e.example/ovirt-engine/api/', 'https://e.example/ovirt-engine', 'https://e.example', 'https://e.example/']) {
      assert.equal(apiUrlOf(given), 'https://e.example/ovirt-engine/api', given);
    }
    assert.equal(apiUrlOf('https://e.example:8443/prefix/ovirt-engine'), 'https://e.example:8443/prefix/ovirt-engine/api');
  });
});

describe('sdk against a silent server', () => {
  it('gives up a call after timeoutMs without an answer', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const conn = await Connection.open({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, token: 'x', timeoutMs: 100 });
      await assert.rejects(conn.system().vms().list(), /sent nothing for 100 ms/);
      await conn.close({ logout: false });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

describe('sdk with short-lived tokens', () => {
  const ctx = withEngine({ overrides: { tokenLifetime: 1 } });

  it('logs in again when its token expires, and the call goes through', async () => {
    const conn = await Connection.open({ url: ctx.t.base, username: 'admin@internal', password: ADMIN_PASSWORD });
    const first = conn.token;
    const accepted = async () => (await fetch(`${ctx.t.base}/ovirt-engine/api`, { headers: { Authorization: `Bearer ${first}` } })).status === 200;
    await until(async () => !(await accepted()), 10000);
    assert.ok(Array.isArray(await conn.system().datacenters().list()));
    assert.notEqual(conn.token, first);
    await conn.close();
  });
});
