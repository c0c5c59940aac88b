// `follow` is bounded and shows no more than the caller's own reads: a limit of links deep and of
// objects per response (400 beyond, naming the limit), each linked object fetched once per
// request, and every followed object in the user view unless the caller administers the system.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { ADMIN_USER_ID } from '../../services/store/seed';
import { ApiClient, BACKENDS, TestEngine, withEngine } from '../support/engine';
import { addUser, clientOf, give, vmBody } from '../support/users';

/** Low enough that a handful of users passes it. */
const MAX_OBJECTS = 40;

const detail = (text: string) => String(XML.read(T.Fault, text, 'fault').detail);

for (const backend of BACKENDS) {
  describe(`follow (${backend.name})`, () => {
    const ctx = withEngine({ backend, overrides: { followMaxObjects: MAX_OBJECTS } });
    let t: TestEngine;
    let admin: ApiClient;
    let joeId: string;
    let mine: Obj;

    before(async () => {
      ({ t, api: admin } = ctx);
      joeId = await addUser(admin, 'joe', 'joe-password-1');
      for (const name of ['amy', 'bea', 'cal']) await addUser(admin, name, `${name}-password-1`);
      mine = XML.read(T.Vm, (await admin.call('POST', '/vms', vmBody('joes-vm'))).text);
      assert.equal((await admin.call('POST', `/vms/${mine.id}/nics`, '<nic><name>nic1</name></nic>')).status, 201);
      await give(admin, `/vms/${mine.id}`, 'UserRole', joeId);
    });

    describe('for a user with UserRole on one VM', () => {
      it('leaves its domain a plain link, so no other account shows', async () => {
        for (const filter of [false, true]) {
          const joe = await clientOf(t, 'joe@internal', 'joe-password-1', filter);
          const r = await joe.call('GET', `/users/${joeId}?follow=domain.users`);
          assert.equal(r.status, 200, r.text);
          const domain = XML.read(T.User, r.text).domain as Obj;
          assert.equal(domain.users, undefined, `Filter ${String(filter)}: the domain is not followed`);
          assert.doesNotMatch(r.text, /admin@internal|amy@internal/);
        }
      });

      it('shows its VM\'s cluster as GET /clusters/{id} does: not at all', async () => {
        const joe = await clientOf(t, 'joe@internal', 'joe-password-1');
        const r = await joe.call('GET', `/vms/${mine.id}?follow=cluster.data_center,nics`);
        assert.equal(r.status, 200, r.text);
        const vm = XML.read(T.Vm, r.text);
        const cluster = vm.cluster as Obj;
        assert.equal((await joe.call('GET', `/clusters/${String(cluster.id)}`)).status, 404);
        const plain = XML.read(T.Vm, (await joe.call('GET', `/vms/${mine.id}`)).text).cluster as Obj;
        assert.deepEqual(cluster, plain, 'the link as without follow');
        assert.equal(cluster.name, undefined);
        assert.deepEqual((vm.nics as Obj[]).map((n) => n.name), ['nic1'], 'what its VM holds is followed');
        const lists = await joe.call('GET', '/vms?follow=cluster');
        assert.deepEqual(XML.readList(T.Vm, lists.text).map((v) => v.cluster), [plain]);
      });
    });

    it('follows everything for an administrator of the system', async () => {
      const r = await admin.call('GET', `/vms/${mine.id}?follow=cluster.data_center`);
      assert.equal(((XML.read(T.Vm, r.text).cluster as Obj).data_center as Obj).name, 'Default');
    });

    it('refuses to follow more links deep than the limit', async () => {
      const r = await admin.call('GET', `/vms/${mine.id}?follow=nics,cluster.data_center.clusters.data_center`);
      assert.equal(r.status, 400, r.text);
      assert.match(detail(r.text), /follow may go at most 3 links deep: 'cluster\.data_center\.clusters\.data_center' goes 4/);
      assert.equal((await admin.call('GET', `/vms/${mine.id}?follow=cluster.data_center.clusters`)).status, 200, '3 is allowed');
    });

    it('refuses to put more objects in one response than the limit', async () => {
      // 5 accounts and their domain, once for each: 11 objects for one user, 55 for the 5.
      const within = await admin.call('GET', `/users/${ADMIN_USER_ID}?follow=domain.users.domain`);
      assert.equal(within.status, 200, within.text);
      const users = (XML.read(T.User, within.text).domain as Obj).users as Obj[];
      assert.equal(users.length, 5);
      assert.ok(users.every((u) => (u.domain as Obj).name === 'internal-authz'), 'every place a shared object fills is filled');
      const beyond = await admin.call('GET', '/users?follow=domain.users.domain');
      assert.equal(beyond.status, 400, `${beyond.status}: 5 users × 11 objects > ${MAX_OBJECTS}`);
      assert.match(detail(beyond.text), new RegExp(`follow may put at most ${MAX_OBJECTS} objects in one response`));
    });

    it('fetches each linked object once per request', async () => {
      const [cluster] = XML.readList(T.Cluster, (await admin.call('GET', '/clusters')).text);
      for (let i = 0; i < 5; i++) assert.equal((await admin.call('POST', '/vms', vmBody(`shared-${i}`))).status, 201);
      const reads: string[] = [];
      const watch = (q: { sql: string }) => {
        if (/from ["`]clusters["`]/.test(q.sql)) reads.push(q.sql);
      };
      t.engine.db.on('query', watch);
      try {
        const r = await admin.call('GET', '/vms?follow=cluster');
        const vms = XML.readList(T.Vm, r.text);
        assert.ok(vms.length >= 6);
        assert.ok(vms.every((v) => (v.cluster as Obj).name === cluster.name));
      } finally {
        t.engine.db.removeListener('query', watch);
      }
      assert.equal(reads.length, 1, `the cluster was read ${reads.length} times`);
    });
  });
}
