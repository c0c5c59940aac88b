// Faults in oVirt's shape with the right status codes, in XML and in JSON; nothing changes.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { ApiClient, FORMATS, SQLITE, TestEngine } from './support/engine';

describe('faults', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start(SQLITE);
  });
  after(async () => t?.stop());

  for (const format of FORMATS) {
    describe(format.name.toUpperCase(), () => {
      let api: ApiClient;
      before(async () => {
        api = await ApiClient.of(t, format);
      });

      const fault = async (method: string, path: string, body: string | undefined, status: number, extra?: Record<string, string>) => {
        const r = await api.call(method, path, body, extra);
        assert.equal(r.status, status, r.text);
        assert.match(r.headers.get('content-type') ?? '', new RegExp(format.mediaType));
        const f = format.read(T.Fault, r.text, 'fault');
        assert.ok(f.reason, 'a fault has a reason');
        return f;
      };
      const vmCount = async () => format.readList(T.Vm, (await api.call('GET', '/vms')).text).length;

      it('answers 404 for an unknown VM id', async () => {
        const f = await fault('GET', '/vms/00000000-1111-2222-3333-444444444444', undefined, 404);
        assert.match(String(f.detail), /00000000-1111-2222-3333-444444444444/);
      });

      it('answers 404 for an unknown path', async () => {
        await fault('GET', '/nosuchthing', undefined, 404);
      });

      it('answers 400 for a malformed body and adds nothing', async () => {
        const before = await vmCount();
        const body = format.name === 'xml' ? '<vm><name>broken</vm>' : '{"name": "broken",';
        const f = await fault('POST', '/vms', body, 400);
        assert.match(String(f.detail), /Malformed/);
        assert.equal(await vmCount(), before);
      });

      it('answers 400 naming cluster for a VM without one', async () => {
        const body = format.name === 'xml'
          ? '<vm><name>nocluster</name><template><name>Blank</name></template></vm>'
          : JSON.stringify({ name: 'nocluster', template: { name: 'Blank' } });
        const f = await fault('POST', '/vms', body, 400);
        assert.equal(f.reason, 'Incomplete parameters');
        assert.match(String(f.detail), /\bcluster\b/);
        assert.equal(await vmCount(), 0);
      });

      it('answers 404 for a reference to an unknown name', async () => {
        const body = format.name === 'xml'
          ? '<vm><name>lost</name><cluster><name>Nowhere</name></cluster><template><name>Blank</name></template></vm>'
          : JSON.stringify({ name: 'lost', cluster: { name: 'Nowhere' }, template: { name: 'Blank' } });
        const f = await fault('POST', '/vms', body, 404);
        assert.match(String(f.detail), /Cluster: name=Nowhere/);
      });

      it('answers 415 for an unsupported Content-Type', async () => {
        await fault('POST', '/vms', 'name=x', 415, { 'Content-Type': 'application/x-www-form-urlencoded' });
      });

      it('answers 401 without a token, and with a bad one', async () => {
        const variants: Record<string, string>[] = [{ Accept: format.mediaType }, { Accept: format.mediaType, Authorization: 'Bearer not-a-token' }];
        for (const headers of variants) {
          const r = await t.request('GET', '/ovirt-engine/api/vms', { headers });
          assert.equal(r.status, 401);
          assert.ok(format.read(T.Fault, r.text, 'fault').reason);
        }
      });

      it('answers 405 for a method the path does not take', async () => {
        const r = await api.call('DELETE', '/vms');
        assert.equal(r.status, 405);
        assert.match(r.headers.get('allow') ?? '', /GET/);
      });

      it('answers 409 for a duplicate name', async () => {
        const body = format.name === 'xml' ? '<data_center><name>Default</name></data_center>' : '{"name":"Default"}';
        await fault('POST', '/datacenters', body, 409);
      });

      it('answers 400 for another API version', async () => {
        await fault('GET', '/vms', undefined, 400, { Version: '3' });
      });
    });
  }
});
