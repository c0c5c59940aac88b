// Request bodies: a write's permit is checked before its body is read, so a caller without it
// is refused at once, whatever it sends; bodies are read up to the cap of what the route takes
// (an entity, an action's parameters, an SSO form) and refused with 413 beyond it.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { XML } from '../../model/codec';
import { ACTION_BODY_MAX, ENTITY_BODY_MAX, FORM_BODY_MAX } from '../../api/body';
import { ApiClient, BACKENDS, withEngine } from '../support/engine';
import { addUser, vmBody } from '../support/users';
import { allSaid, connect, firstLine } from '../support/http';

/** A raw request's head; the body is for the caller to send, in part or whole. */
const head = (method: string, path: string, headers: Record<string, string | number>) =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

for (const backend of BACKENDS) describe(`security: request bodies (${backend.name})`, () => {
  const ctx = withEngine({ backend });
  let admin: ApiClient;
  let port: number;
  let nobody: string;
  let vmId: string;
  let dcId: string;
  before(async () => {
    admin = ctx.api;
    port = Number(ctx.t.servers.http!.info.port);
    await addUser(admin, 'nobody', 'nobody-password-1');
    nobody = await ctx.t.token('nobody@internal-authz', 'nobody-password-1');
    vmId = String(XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('bodies'))).text).id);
    dcId = String(XML.readList(T.DataCenter, (await admin.call('GET', '/datacenters')).text)[0].id);
  });

  const api = (path: string) => `/ovirt-engine/api${path}`;

  it('refuses a caller without the permit before its body arrives', async () => {
    const writes: [string, string, string][] = [
      ['POST', '/datacenters', '<data_center><name>'],
      // A VM's permit is on the cluster its body names: nobody holds create_vm anywhere.
      ['POST', '/vms', '<vm><name>'],
      ['PUT', `/datacenters/${dcId}`, '<data_center><description>'],
      ['POST', `/vms/${vmId}/start`, '<action>'],
      ['POST', `/vms/${vmId}/nics`, '<nic><name>'],
    ];
    for (const [method, path, start] of writes) {
      const socket = await connect(port);
      // 14 MiB announced, a few bytes sent: the answer comes without the rest.
      socket.write(head(method, api(path), { Authorization: `Bearer ${nobody}`, 'Content-Type': 'application/xml', Version: 4, 'Content-Length': 14 * 1024 * 1024 }) + start);
      const said = allSaid(socket);
      assert.match(await firstLine(socket), /^HTTP\/1\.1 403 /, `${method} ${path}`);
      assert.match(await said, /needs the \w+ permit/);
    }
  });

  async function sendRaw(method: string, path: string, headers: Record<string, string | number>, body: string, chunked: boolean): Promise<string> {
    const socket = await connect(port);
    const said = allSaid(socket);
    if (chunked) {
      socket.write(head(method, path, { ...headers, 'Transfer-Encoding': 'chunked' }));
      // Pieces of 64 KiB, as long as the server reads; it stops reading at the cap.
      for (let at = 0; at < body.length && !socket.destroyed; at += 65536) {
        const piece = body.slice(at, at + 65536);
        socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      }
      if (!socket.destroyed) socket.write('0\r\n\r\n');
    } else {
      socket.write(head(method, path, { ...headers, 'Content-Length': Buffer.byteLength(body) }) + body);
    }
    // The head and the fault are what matters: a body echoed back would swamp a failure's message.
    return (await said).slice(0, 2000);
  }

  const adminHeaders = () => ({ Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/xml', Version: 4 });

  for (const chunked of [false, true]) {
    it(`refuses an entity body over ${ENTITY_BODY_MAX} bytes with 413 naming the cap, and adds nothing (${chunked ? 'chunked' : 'Content-Length'})`, async () => {
      const body = `<data_center><name>too-big</name><description>${'x'.repeat(ENTITY_BODY_MAX)}</description></data_center>`;
      const said = await sendRaw('POST', api('/datacenters'), adminHeaders(), body, chunked);
      assert.match(said, /^HTTP\/1\.1 413 /);
      assert.match(said, new RegExp(`larger than the ${ENTITY_BODY_MAX} bytes this call takes`));
      const found = await admin.call('GET', '/datacenters?search=name%3Dtoo-big');
      assert.deepEqual(XML.readList(T.DataCenter, found.text), []);
    });
  }

  it(`refuses an action body over ${ACTION_BODY_MAX} bytes`, async () => {
    const body = `<action><reason>${'x'.repeat(ACTION_BODY_MAX)}</reason></action>`;
    const said = await sendRaw('POST', api(`/vms/${vmId}/stop`), adminHeaders(), body, false);
    assert.match(said, /^HTTP\/1\.1 413 /);
    assert.match(said, new RegExp(`the ${ACTION_BODY_MAX} bytes`));
  });

  it(`refuses an SSO form over ${FORM_BODY_MAX} bytes`, async () => {
    const body = new URLSearchParams({ grant_type: 'password', scope: 'ovirt-app-api', username: 'x'.repeat(FORM_BODY_MAX), password: 'y' }).toString();
    const said = await sendRaw('POST', '/ovirt-engine/sso/oauth/token', { 'Content-Type': 'application/x-www-form-urlencoded' }, body, true);
    assert.match(said, /^HTTP\/1\.1 413 /);
    assert.match(said, new RegExp(`the ${FORM_BODY_MAX} bytes`));
  });

  it('still takes bodies within the caps', async () => {
    const added = await admin.call('POST', '/datacenters', `<data_center><name>fits</name><description>${'x'.repeat(4000)}</description></data_center>`);
    assert.equal(added.status, 201, added.text);
    const form = await ctx.t.token('nobody@internal-authz', 'nobody-password-1');
    assert.ok(form);
  });
});
