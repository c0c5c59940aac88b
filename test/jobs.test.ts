// Jobs and the audit log as clients drive them: the correlation id a request gives, recorded on
// the jobs and events it causes and searched by; free-text search of the audit log; external jobs with their nested external steps,
// ended and cleared; the users' search fields oVirt has; in XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Repo } from '../services/store/repo';
import { startJob } from '../services/jobs';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { until } from './support/until';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`jobs and events on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;

      const send = async (method: string, path: string, type: StructType, obj: Obj, status: number, headers?: Record<string, string>) => {
        const r = await api.call(method, path, format.write(type, obj), headers);
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
        return r.status < 300 ? format.read(type, r.text) : format.read(T.Fault, r.text);
      };
      const post = (path: string, type: StructType, obj: Obj, status = 201, headers?: Record<string, string>) => send('POST', path, type, obj, status, headers);
      const act = async (path: string, members: Obj, status = 200) => {
        const r = await api.call('POST', path, format.write(T.Action, members, 'action'));
        assert.equal(r.status, status, `${path}: ${r.text}`);
        return r.status < 300 ? format.read(T.Action, r.text, 'action') : format.read(T.Fault, r.text);
      };
      const list = async (path: string, type: StructType) => {
        const r = await api.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return format.readList(type, r.text);
      };
      const searched = (collection: string, type: StructType, query: string) => list(`/${collection}?search=${encodeURIComponent(query)}`, type);
      const get = async (path: string, type: StructType) => {
        const r = await api.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return format.read(type, r.text);
      };

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
      });
      after(async () => t?.stop());

      it('records the Correlation-Id header on the jobs and events a request causes, later ones too', async () => {
        const host = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' }, 201, { 'Correlation-Id': 'add-h1' });
        const [job] = await searched('jobs', T.Job, 'correlation_id=add-h1');
        assert.deepEqual([job.description, job.correlation_id], ['Adding new host h1', 'add-h1']);
        // The job ends when the host is up, and the host's coming up is an event of the same request.
        await until(async () => (await get(`/jobs/${String(job.id)}`, T.Job)).status === 'finished');
        assert.equal((await get(`/hosts/${String(host.id)}`, T.Host)).status, 'up');
        const events = await searched('events', T.Event, 'correlation_id=add-h1');
        assert.ok(events.length >= 2, JSON.stringify(events));
        assert.ok(events.every((e) => e.correlation_id === 'add-h1'));
        assert.ok(events.some((e) => e.code === 9301), 'the host-up event carries the correlation id');
        // Requests without one leave it out; another correlation id finds nothing of this one.
        assert.deepEqual(await searched('jobs', T.Job, 'correlation_id=other'), []);
        await post('/vms', T.Vm, { name: 'plain', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        const [added] = await searched('events', T.Event, 'message=*plain*');
        assert.equal(added.correlation_id, undefined);
      });

      it('takes the correlation_id query parameter as the header', async () => {
        const vm = await post('/vms?correlation_id=make_vm-1', T.Vm, { name: 'web', cluster: { name: 'Default' }, template: { name: 'Blank' }, os: { boot: { devices: ['network'] } } });
        const r = await api.call('POST', `/vms/${String(vm.id)}/start?correlation_id=start-web`, format.write(T.Action, {}, 'action'));
        assert.equal(r.status, 200, r.text);
        const [job] = await searched('jobs', T.Job, 'correlation_id=start-web');
        assert.equal(job.description, 'Launching VM web');
        const made = await searched('events', T.Event, 'correlation_id=make_vm-1');
        assert.deepEqual(made.map((e) => e.description), ['Vm web was added by admin@internal-authz.']);
        await until(async () => (await searched('events', T.Event, 'correlation_id=start-web and type=9201')).length === 1);
      });

      it('finds events by free text in their message, origin and correlation id, as oVirt does', async () => {
        await post('/vms', T.Vm, { name: 'freetext-vm', cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201, { 'Correlation-Id': 'ft-1' });
        const texts = async (query: string) => (await searched('events', T.Event, query)).map((e) => e.description);
        assert.deepEqual(await texts('freetext-vm'), ['Vm freetext-vm was added by admin@internal-authz.']);
        assert.deepEqual(await texts('"freetext-vm was added" and correlation_id=ft-1'), ['Vm freetext-vm was added by admin@internal-authz.']);
        assert.deepEqual(await texts('ft-1'), ['Vm freetext-vm was added by admin@internal-authz.']);
        assert.deepEqual(await texts('(nothing-like-it or freetext-vm) and severity=normal'), ['Vm freetext-vm was added by admin@internal-authz.']);
        assert.deepEqual(await texts('nothing-like-it'), []);
        // Other collections take free text too, over their own text fields.
        assert.deepEqual((await searched('vms', T.Vm, 'freetext')).map((v) => v.name), ['freetext-vm']);
        const r = await api.call('GET', `/events?search=${encodeURIComponent('freetext-vm web')}`);
        assert.equal(r.status, 400);
      });

      it('refuses a correlation id oVirt would not store, changing nothing', async () => {
        const before = (await list('/vms', T.Vm)).length;
        for (const bad of ['has space', 'x'.repeat(51), 'semi;colon']) {
          const r = await api.call('POST', `/vms?correlation_id=${encodeURIComponent(bad)}`, format.write(T.Vm, { name: 'never', cluster: { name: 'Default' }, template: { name: 'Blank' } }));
          assert.equal(r.status, 400, r.text);
          assert.match(String(format.read(T.Fault, r.text).detail), /correlation id/);
        }
        const header = await api.call('GET', '/vms', undefined, { 'Correlation-Id': 'a/b' });
        assert.equal(header.status, 400);
        assert.equal((await list('/vms', T.Vm)).length, before);
      });

      it('keeps external jobs and their nested external steps until the client ends them', async () => {
        const job = await post('/jobs', T.Job, { description: 'Backing up', auto_cleared: true });
        assert.deepEqual([job.external, job.status], [true, 'started']);
        const steps = `/jobs/${String(job.id)}/steps`;
        assert.deepEqual(await list(steps, T.Step), []);
        const copy = await post(steps, T.Step, { description: 'Copying', type: 'executing' });
        assert.deepEqual([copy.external, copy.status, copy.number, copy.type], [true, 'started', 1, 'executing']);
        const part = await post(steps, T.Step, { description: 'Copying disk 1', type: 'executing', parent_step: { id: copy.id } });
        assert.equal((part.parent_step as Obj).id, copy.id);
        const check = await post(steps, T.Step, { description: 'Finalizing', type: 'finalizing', job: { id: job.id } });
        assert.equal(check.number, 3);
        // What a step must name, and what it may not.
        await post(steps, T.Step, { type: 'executing' }, 400);
        await post(steps, T.Step, { description: 'No type' }, 400);
        await post(steps, T.Step, { description: 'Lost', type: 'executing', parent_step: { id: 'f0000000-0000-0000-0000-000000000000' } }, 404);
        await post(steps, T.Step, { description: 'Elsewhere', type: 'executing', job: { id: 'f0000000-0000-0000-0000-000000000000' } }, 400);
        assert.equal((await list(steps, T.Step)).length, 3);
        // Ending a step ends the steps under it; an ended step does not end again.
        await act(`${steps}/${String(copy.id)}/end`, {}, 400);
        await act(`${steps}/${String(copy.id)}/end`, { succeeded: true });
        assert.deepEqual([(await get(`${steps}/${String(part.id)}`, T.Step)).status, (await get(`${steps}/${String(check.id)}`, T.Step)).status], ['finished', 'started']);
        await act(`${steps}/${String(copy.id)}/end`, { succeeded: true }, 409);
        // A failed job fails its open steps; then it only can be cleared.
        await act(`/jobs/${String(job.id)}/clear`, {}, 409);
        await act(`/jobs/${String(job.id)}/end`, { succeeded: false });
        const ended = await get(`/jobs/${String(job.id)}`, T.Job);
        assert.equal(ended.status, 'failed');
        assert.ok(ended.end_time);
        assert.equal((await get(`${steps}/${String(check.id)}`, T.Step)).status, 'failed');
        await act(`/jobs/${String(job.id)}/end`, { succeeded: true }, 409);
        await post(steps, T.Step, { description: 'Late', type: 'executing' }, 409);
        assert.deepEqual((await searched('jobs', T.Job, 'external=true and status=failed')).map((j) => j.id), [job.id]);
        await act(`/jobs/${String(job.id)}/clear`, {});
        assert.equal((await api.call('GET', `/jobs/${String(job.id)}`)).status, 404);
      });

      it('ends a job of the engine only when forced, and adds no step to it', async () => {
        const job = await startJob(new Repo(t.engine.db), 'Engine work', undefined);
        const [executing] = (await list(`/jobs/${job.id}/steps`, T.Step)).filter((s) => s.type === 'executing');
        await post(`/jobs/${job.id}/steps`, T.Step, { description: 'Mine', type: 'executing' }, 409);
        await act(`/jobs/${job.id}/steps/${String(executing.id)}/end`, { succeeded: true }, 409);
        await act(`/jobs/${job.id}/end`, { succeeded: true }, 409);
        assert.equal((await get(`/jobs/${job.id}`, T.Job)).status, 'started');
        await act(`/jobs/${job.id}/end`, { force: true, succeeded: true });
        assert.equal((await get(`/jobs/${job.id}`, T.Job)).status, 'finished');
        assert.equal((await get(`/jobs/${job.id}/steps/${String(executing.id)}`, T.Step)).status, 'finished');
      });

      it("searches users by oVirt's fields: usrname, name, lastname, login, department", async () => {
        const [admin] = await list('/users', T.User);
        const repo = new Repo(t.engine.db);
        const stored = await repo.get(T.User, String(admin.id));
        await repo.update(T.User, { ...stored!, department: 'Operations', last_name: 'Root' });
        const found = async (query: string) => (await searched('users', T.User, query)).map((u) => u.id);
        for (const query of ['usrname=admin@internal-authz', 'name=admin', 'lastname=Root', 'login=admin', 'department=Oper*']) {
          assert.deepEqual(await found(query), [admin.id], query);
        }
        for (const query of ['usrname=nobody@internal-authz', 'department=Sales']) assert.deepEqual(await found(query), [], query);
        const r = await api.call('GET', `/users?search=${encodeURIComponent('surname=Root')}`);
        assert.equal(r.status, 400);
      });
    });
  }
}
