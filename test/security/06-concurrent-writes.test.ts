// Concurrent writes to one object from two engines sharing one database (and from many requests
// to one engine): the state an action checks is the state it changes, so of concurrent starts of
// one VM exactly one is accepted and the rest are refused with 409; concurrent updates of
// different fields all land; and every job ends, also when a later action cuts its work short.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as T from '../../model/types';
import { StructType } from '../../model/meta';
import { Obj, XML } from '../../model/codec';
import { ApiClient, BACKENDS, Backend, TestEngine } from '../support/engine';
import { until } from '../support/until';

const ROUNDS = 8;
const CONCURRENT = 20;

/** Two engines on one database: a second in-process engine for PostgreSQL, the same one for SQLite. */
async function twoEngines(backend: Backend): Promise<TestEngine[]> {
  const first = await TestEngine.start(backend);
  if (backend.name === 'SQLite') return [first];
  return [first, await TestEngine.start(backend, { db: first.config.db, dbSchema: first.config.dbSchema })];
}

for (const backend of BACKENDS) {
  describe(`concurrent writes on ${backend.name}`, function () {
    this.timeout(120000);
    let engines: TestEngine[];
    let clients: ApiClient[];
    let vmId: string;
    const client = (i: number) => clients[i % clients.length];

    const get = async (path: string, type: StructType): Promise<Obj> => {
      const r = await client(0).call('GET', path);
      assert.equal(r.status, 200, r.text);
      return XML.read(type, r.text);
    };
    const status = async (path: string, type: StructType, wanted: string) =>
      until(async () => (await get(path, type)).status === wanted, 20000);
    const startedJobs = async () => XML.readList(T.Job, (await client(0).call('GET', '/jobs')).text).filter((j) => j.status === 'started');

    before(async () => {
      engines = await twoEngines(backend);
      clients = await Promise.all(engines.map((t) => ApiClient.of(t, XML)));
      const host = await client(0).call('POST', '/hosts', '<host><name>h1</name><address>h1.example.com</address><root_password>pw</root_password></host>');
      assert.equal(host.status, 201, host.text);
      await status(`/hosts/${String(XML.read(T.Host, host.text).id)}`, T.Host, 'up');
      const vm = await client(0).call('POST', '/vms', '<vm><name>racer</name><memory>1073741824</memory><cluster><name>Default</name></cluster><template><name>Blank</name></template><os><boot><devices><device>network</device></devices></boot></os></vm>');
      assert.equal(vm.status, 201, vm.text);
      vmId = String(XML.read(T.Vm, vm.text).id);
    });
    after(async () => {
      // The second engine lives on the first's database, which only the first drops.
      for (const t of engines.slice(1)) {
        await t.stopServing();
        fs.rmSync(t.config.dataDir, { recursive: true, force: true });
      }
      await engines[0]?.stop();
    });

    it(`accepts exactly one of ${CONCURRENT} concurrent starts of a VM, refuses the rest with 409, and ends every job`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const replies = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => client(i).call('POST', `/vms/${vmId}/start`, '<action/>')));
        const codes = replies.map((r) => r.status).sort();
        assert.deepEqual(codes, [200, ...Array<number>(CONCURRENT - 1).fill(409)], `round ${round}: ${replies.filter((r) => r.status !== 409).map((r) => r.text).join('\n')}`);
        // Every other round stops the VM while it is still launching, cutting the start's work short.
        if (round % 2 === 1) await status(`/vms/${vmId}`, T.Vm, 'up');
        const stop = await client(round).call('POST', `/vms/${vmId}/stop`, '<action/>');
        assert.equal(stop.status, 200, stop.text);
        await status(`/vms/${vmId}`, T.Vm, 'down');
      }
      assert.deepEqual((await startedJobs()).map((j) => j.description), []);
    });

    it('keeps every field of concurrent updates of different fields', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const fields = ['description', 'comment', 'custom_cpu_model', 'custom_emulated_machine'];
        const replies = await Promise.all(fields.map((f, i) =>
          client(i).call('PUT', `/vms/${vmId}`, `<vm><${f}>${f} ${round}</${f}></vm>`)));
        for (const r of replies) assert.equal(r.status, 200, r.text);
        const vm = await get(`/vms/${vmId}`, T.Vm);
        assert.deepEqual(fields.map((f) => vm[f]), fields.map((f) => `${f} ${round}`), `round ${round}`);
      }
    });
  });
}
