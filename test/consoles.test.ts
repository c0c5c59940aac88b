// Graphical consoles of VMs: one per protocol, changed only while the VM is down; where a running
// VM's console listens; tickets that open it until they expire; remote-viewer files; and who may
// do what; in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';
import { until } from './support/until';
import { addUser, clientOf, give } from './support/users';
import { admitsConsole } from '../services/consoles';

const VNC = '766e63';
const SPICE = '7370696365';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`consoles on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      let host: Obj;
      let vm: Obj;

      const { post, get, list, remove, act } = restCalls(() => api);
      const vmPath = () => `/vms/${String(vm.id)}`;
      // What the VM's host checks when a console client connects.
      const admits = async (protocol: string, password: string) => admitsConsole(t.engine.db, await get(vmPath(), T.Vm), protocol, password);
      const running = async (path: string, want: string) => until(async () => (await get(path, T.Vm)).status === want);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        host = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'up');
        vm = await post('/vms', T.Vm, { name: 'c1', cluster: { name: 'Default' }, template: { name: 'Blank' }, os: { boot: { devices: ['network'] } } });
      });
      after(async () => t?.stop());

      it('gives a new VM a console of its display type, one per protocol, changed only while it is down', async () => {
        const [vnc] = await list(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole);
        assert.deepEqual([vnc.id, vnc.protocol, vnc.address, vnc.port], [VNC, 'vnc', undefined, undefined]);
        await post(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole, { protocol: 'vnc' }, 409);
        const spice = await post(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole, { protocol: 'spice' });
        assert.equal(spice.id, SPICE);
        assert.deepEqual((await list(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole)).map((c) => c.protocol).sort(), ['spice', 'vnc']);
        await post(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole, {}, 400);
        // A VM with SPICE for display gets a SPICE console.
        const spiced = await post('/vms', T.Vm, { name: 'c2', cluster: { name: 'Default' }, template: { name: 'Blank' }, display: { type: 'spice' }, os: { boot: { devices: ['network'] } } });
        assert.deepEqual((await list(`/vms/${String(spiced.id)}/graphicsconsoles`, T.GraphicsConsole)).map((c) => c.id), [SPICE]);
        await remove(`/vms/${String(spiced.id)}/graphicsconsoles/${SPICE}`, 200);
        assert.equal((await list(`/vms/${String(spiced.id)}/graphicsconsoles`, T.GraphicsConsole)).length, 0);
        await remove(`/vms/${String(spiced.id)}/graphicsconsoles/${SPICE}`, 404);
        // With no console, the VM's ticket has nothing to open.
        await act(`/vms/${String(spiced.id)}`, 'start');
        await running(`/vms/${String(spiced.id)}`, 'up');
        await act(`/vms/${String(spiced.id)}`, 'ticket', {}, 409);
        await post(`/vms/${String(spiced.id)}/graphicsconsoles`, T.GraphicsConsole, { protocol: 'vnc' }, 409);
      });

      it('shows where a running VM\'s consoles listen, and refuses tickets once it stops', async () => {
        await act(vmPath(), 'ticket', {}, 409);
        await act(vmPath(), 'start');
        await running(vmPath(), 'up');
        const vnc = await get(`${vmPath()}/graphicsconsoles/${VNC}`, T.GraphicsConsole);
        assert.equal(vnc.address, 'h1.example.com');
        assert.ok(Number(vnc.port) >= 5900 && vnc.tls_port === undefined);
        const spice = await get(`${vmPath()}/graphicsconsoles/${SPICE}`, T.GraphicsConsole);
        assert.equal(spice.tls_port, Number(spice.port) + 1);
        // The VM's ticket is its first console's, with the value given and oVirt's 120 s.
        const given = await act(vmPath(), 'ticket', { ticket: { value: 'let-me-in' } });
        assert.deepEqual(given.ticket, { value: 'let-me-in', expiry: 120 });
        const first = (await list(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole))[0];
        assert.equal(await admits(String(first.protocol), 'let-me-in'), true);
        assert.equal(await admits(String(first.protocol), 'wrong'), false);
        await act(`${vmPath()}/graphicsconsoles/${VNC}`, 'ticket', { ticket: { expiry: 0 } }, 400);
      });

      it('keeps a console ticket until it expires', async () => {
        const made = await act(`${vmPath()}/graphicsconsoles/${SPICE}`, 'ticket', { ticket: { expiry: 1 } });
        const value = String((made.ticket as Obj).value);
        assert.ok(value.length >= 12);
        assert.equal(await admits('spice', value), true);
        await until(async () => !(await admits('spice', value)), 5000);
      });

      it('answers remote-viewer files with a new ticket', async () => {
        const spice = String((await act(`${vmPath()}/graphicsconsoles/${SPICE}`, 'remoteviewerconnectionfile')).remote_viewer_connection_file);
        const console = await get(`${vmPath()}/graphicsconsoles/${SPICE}`, T.GraphicsConsole);
        const lines = spice.split('\n');
        assert.equal(lines[0], '[virt-viewer]');
        for (const line of ['type=spice', 'host=h1.example.com', `port=${String(console.port)}`, `tls-port=${String(console.tls_port)}`, 'delete-this-file=1', 'title=c1:%d', '[ovirt]', `vm-guid=${String(vm.id)}`]) {
          assert.ok(lines.includes(line), `${line} in ${spice}`);
        }
        assert.match(spice, /^ca=-----BEGIN CERTIFICATE-----\\n/m);
        const password = lines.find((l) => l.startsWith('password='))!.slice('password='.length);
        assert.equal(await admits('spice', password), true);
        const vnc = String((await act(`${vmPath()}/graphicsconsoles/${VNC}`, 'remoteviewerconnectionfile')).remote_viewer_connection_file);
        assert.match(vnc, /^type=vnc$/m);
        assert.doesNotMatch(vnc, /tls-port/);
      });

      it('lets a user with a role on the VM open its consoles, and no one else', async () => {
        const admin = new ApiClient(t, XML, api.token);
        const joe = await addUser(admin, `joe-${format.name}`, 'joe-password-1');
        await addUser(admin, `ann-${format.name}`, 'ann-password-1');
        await give(admin, vmPath(), 'UserRole', joe);
        const asJoe = await clientOf(t, `joe-${format.name}@internal`, 'joe-password-1');
        const asAnn = await clientOf(t, `ann-${format.name}@internal`, 'ann-password-1');
        const ticket = await asJoe.call('POST', `${vmPath()}/graphicsconsoles/${VNC}/ticket`, '<action/>');
        assert.equal(ticket.status, 200, ticket.text);
        assert.equal((await asJoe.call('GET', `${vmPath()}/graphicsconsoles`)).status, 200);
        // Changing the consoles is editing the VM, which UserRole does not allow.
        assert.equal((await asJoe.call('DELETE', `${vmPath()}/graphicsconsoles/${SPICE}`)).status, 403);
        assert.equal((await asAnn.call('POST', `${vmPath()}/ticket`, '<action/>')).status, 403);
        assert.equal((await asAnn.call('POST', `${vmPath()}/graphicsconsoles/${VNC}/remoteviewerconnectionfile`, '<action/>')).status, 403);
      });

      it('refuses tickets of a VM that stopped', async () => {
        const made = await act(vmPath(), 'ticket');
        await act(vmPath(), 'stop');
        await running(vmPath(), 'down');
        assert.equal(await admits('vnc', String((made.ticket as Obj).value)), false);
        await act(`${vmPath()}/graphicsconsoles/${VNC}`, 'remoteviewerconnectionfile', {}, 409);
        const [vnc] = await list(`${vmPath()}/graphicsconsoles`, T.GraphicsConsole);
        assert.equal(vnc.address, undefined);
      });
    });
  }
}
