// Lists in the user view are filtered by the database: only the rows the caller sees (by a role
// on the object, or on what it inherits from) come out of the query, so `max` and search pages
// count what the caller sees.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { Obj, XML } from '../../model/codec';
import { ApiClient, BACKENDS, withEngine } from '../support/engine';
import { addUser, clientOf, give, vmBody } from '../support/users';
import { rowsRead } from '../support/statements';

for (const backend of BACKENDS) describe(`registry: user-view lists on ${backend.name}`, () => {
  const ctx = withEngine({ backend });
  let user: ApiClient;
  /** What the user sees, in the order of creation. */
  const seen: string[] = [];

  const ok = async (method: string, p: string, body?: string, status = 200) => {
    const r = await ctx.api.call(method, p, body);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    return r.text;
  };
  const vm = async (name: string, cluster = 'Default') => XML.read(T.Vm, await ok('POST', '/vms', vmBody(name, cluster), 201));
  const names = (text: string) => XML.readList(T.Vm, text).map((v) => String(v.name));

  /** The rows the database answered for the user's reads of the vms table while `work` ran. */
  const vmRowsRead = async (work: () => Promise<unknown>) => (await rowsRead(ctx.t.engine.db, 'vms', work)).reduce((a, b) => a + b, 0);

  before(async () => {
    const userId = await addUser(ctx.api, 'viewer', 'viewer-pw-1');
    const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters'));
    await ok('POST', '/clusters', `<cluster><name>shared</name><data_center id="${dc.id}"/><cpu><type>Intel Nehalem Family</type></cpu></cluster>`, 201);
    const other = XML.read(T.DataCenter, await ok('POST', '/datacenters', '<data_center><name>far</name></data_center>', 201));
    await ok('POST', '/clusters', `<cluster><name>far-cluster</name><data_center id="${other.id}"/><cpu><type>Intel Nehalem Family</type></cpu></cluster>`, 201);
    for (let i = 0; i < 12; i++) await vm(`hidden-${i}`);
    const own = await vm('own');
    await give(ctx.api, `/vms/${own.id}`, 'UserRole', userId);
    await vm('in-shared-1', 'shared');
    await vm('hidden-12');
    await vm('in-shared-2', 'shared');
    await vm('in-far', 'far-cluster');
    const shared = XML.readList(T.Cluster, await ok('GET', '/clusters?search=name%3Dshared'))[0] as Obj;
    await give(ctx.api, `/clusters/${shared.id}`, 'UserRole', userId);
    await give(ctx.api, `/datacenters/${other.id}`, 'UserRole', userId);
    seen.push('own', 'in-shared-1', 'in-shared-2', 'in-far');
    user = await clientOf(ctx.t, 'viewer@internal', 'viewer-pw-1');
  });

  it('lists what a role on the VM, its cluster or its data center lets the user see', async () => {
    const r = await user.call('GET', '/vms');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(names(r.text), seen);
  });

  it('reads only those rows from the database', async () => {
    const rows = await vmRowsRead(async () => assert.deepEqual(names((await user.call('GET', '/vms')).text), seen));
    assert.equal(rows, seen.length);
  });

  it('counts max and search pages in what the user sees', async () => {
    assert.deepEqual(names((await user.call('GET', '/vms?max=2')).text), seen.slice(0, 2));
    assert.deepEqual(names((await user.call('GET', `/vms?search=${encodeURIComponent('page 2')}&max=1`)).text), [seen[1]]);
    assert.deepEqual(names((await user.call('GET', `/vms?search=${encodeURIComponent('name=in-* page 2')}&max=2`)).text), [seen[3]]);
  });

  it('lists everything for an administrator of the whole system', async () => {
    const all = names(await ok('GET', '/vms'));
    assert.equal(all.length, 17);
    assert.deepEqual(all.filter((n) => seen.includes(n)), seen);
  });
});
