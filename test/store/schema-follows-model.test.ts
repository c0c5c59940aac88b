// The schema follows the model: a search field or a type added to the model appears on an
// existing database when an engine starts, without a migration, the new column filled from the
// stored objects; a column the model no longer derives, or derives with another kind, stops the
// start unless a versioned migration changes it first. Processes starting together on one new
// database make it once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import * as T from '../../model/types';
import { INTEGER, StructType, defineEntity, int, link, own } from '../../model/meta';
import { storedTypes } from '../../model/tree';
import { XML } from '../../model/codec';
import { Config } from '../../services/config';
import { openEngine } from '../../services/engine';
import { connect, onPostgres } from '../../services/store/connect';
import { MIGRATIONS } from '../../services/store/migrations';
import { prepareStore } from '../../services/store/prepare';
import { Repo } from '../../services/store/repo';
import { differences, liveSchema } from '../../services/store/schema';
import { compileSearch } from '../../services/search/compile';
import { parseSearch } from '../../services/search/parse';
import { ApiClient, BACKENDS, TestEngine } from '../support/engine';
import { oldDatabase } from '../support/fixture';

/** DataCenter with one more search field, `quota_mode`, which has no column in the real model. */
const DataCenter: typeof T.DataCenter = { ...T.DataCenter, search: { ...T.DataCenter.search, quota_mode: own('quota_mode') } };

/** A type the real model does not have. */
const Gadget = defineEntity('Gadget', { doc: 'A thing kept in a data center.', search: { size: own('size') } }, {
  size: int('How big it is.'),
  data_center: link(() => T.DataCenter, 'The data center that keeps it.'),
});

const testModel = [...storedTypes().map((t) => (t === T.DataCenter ? DataCenter : t)), Gadget];

/** The names of the objects of `type` a search finds, as the search of a collection runs it. */
async function found(db: Knex, type: StructType, text: string): Promise<unknown[]> {
  const query = parseSearch(text);
  const objs = await new Repo(db).search(type, {}, (q) => compileSearch(q, db, type, query, { caseSensitive: true, postgres: onPostgres(db) }), {});
  return objs.map((o) => o.name).sort();
}

for (const backend of BACKENDS) {
  describe(`the schema follows the model (${backend.name})`, () => {
    let t: TestEngine;
    let db: Knex;
    const migrationsRun = async () => (await db('knex_migrations').select('name')).map((r) => r.name);

    before(async () => {
      t = await TestEngine.start(backend, await oldDatabase(backend));
      const api = await ApiClient.of(t, XML);
      const r = await api.call('POST', '/datacenters', '<data_center><name>audited</name><quota_mode>audit</quota_mode></data_center>');
      assert.equal(r.status, 201, r.text);
      await t.stopServing();
      db = await connect({ url: t.config.db, schema: t.config.dbSchema });
    });
    after(async () => {
      await db?.destroy();
      await t?.discard();
    });

    it('a new search field and a new type appear on an existing database, without a migration', async () => {
      const migrations = await migrationsRun();
      assert.ok(!('quota_mode' in (await liveSchema(db)).data_centers.columns));
      await prepareStore(db, testModel);
      const live = await liveSchema(db);
      assert.ok('quota_mode' in live.data_centers.columns);
      assert.ok('data_centers_quota_mode_index' in live.data_centers.indexes);
      assert.deepEqual(Object.keys(live.gadgets.columns).sort(), ['comment', 'data', 'data_center_id', 'description', 'id', 'name', 'seq', 'size']);
      assert.deepEqual(await differences(db, testModel), []);
      assert.deepEqual(await migrationsRun(), migrations);
      // The column is filled from what was stored before it existed, whichever engine stored it.
      assert.deepEqual(await found(db, DataCenter, 'quota_mode=audit'), ['audited']);
      assert.deepEqual(await found(db, DataCenter, 'quota_mode=disabled'), ['Default', 'dc1']);
      const repo = new Repo(db);
      const [dc] = await repo.list(DataCenter, {}, { where: { name: 'dc1' } });
      await repo.insert(Gadget, { id: randomUUID(), name: 'big', size: 30, data_center: { id: dc.id } });
      await repo.insert(Gadget, { id: randomUUID(), name: 'small', size: 2, data_center: { id: dc.id } });
      assert.deepEqual(await found(db, Gadget, 'size>10'), ['big']);
    });

    it('a column the model no longer derives stops the start, naming it, and changes nothing', async () => {
      const before = await liveSchema(db);
      await assert.rejects(openEngine(t.config), /column data_centers\.quota_mode \(text\) is not in the model/);
      assert.deepEqual(await liveSchema(db), before);
    });

    it('a column the model derives with another kind stops the start, naming it', async () => {
      const numbered: StructType = { ...DataCenter, attributes: DataCenter.attributes.map((a) => (a.name === 'status' ? { ...a, type: () => INTEGER } : a)) };
      const retyped = testModel.map((type) => (type === DataCenter ? numbered : type));
      await assert.rejects(prepareStore(db, retyped), /column data_centers\.status is text, the model makes it bigint/);
    });

    it('a versioned migration that drops the column lets the engine start', async () => {
      const dropQuotaMode = {
        async up(knex: Knex) {
          await knex.schema.alterTable('data_centers', (t) => t.dropIndex(['quota_mode'], 'data_centers_quota_mode_index'));
          if (onPostgres(knex)) await knex.raw('drop index data_centers_quota_mode_c');
          await knex.schema.alterTable('data_centers', (t) => t.dropColumn('quota_mode'));
        },
        async down() {},
      };
      await prepareStore(db, storedTypes(), { ...MIGRATIONS, '999_drop_quota_mode': dropQuotaMode });
      assert.ok(!('quota_mode' in (await liveSchema(db)).data_centers.columns));
      assert.deepEqual(await differences(db, storedTypes()), []);
      assert.deepEqual((await found(db, T.DataCenter, 'name=audited')), ['audited']);
    });

    it('a plain key over several owner columns, which let duplicates with NULLs pass, is replaced by one that holds', async () => {
      // As an engine before migration 026 left disk attachments.
      await db.raw('drop index disk_attachments_owner_id_unique');
      await db.schema.alterTable('disk_attachments', (t) => t.unique(['template_id', 'vm_id', 'id'], { indexName: 'disk_attachments_template_id_vm_id_id_unique' }));
      await db('knex_migrations').whereIn('name', ['026_owner_keys_with_nulls', '999_drop_quota_mode']).delete();
      await prepareStore(db);
      const indexes = (await liveSchema(db)).disk_attachments.indexes;
      assert.equal(indexes.disk_attachments_owner_id_unique, "unique (coalesce(template_id, ''), coalesce(vm_id, ''), id)");
      assert.ok(!('disk_attachments_template_id_vm_id_id_unique' in indexes));
      assert.deepEqual(await differences(db, storedTypes()), []);
    });
  });
}

/** What an engine does with its database at start, in a process of its own: `node -e START url schema`. */
const START = `
const { connect } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'services', 'store', 'connect'))});
const { prepareStore } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'services', 'store', 'prepare'))});
connect({ url: process.argv[1], schema: process.argv[2] || undefined })
  .then(async (db) => { try { await prepareStore(db); } finally { await db.destroy(); } })
  .catch((e) => { console.error(e.message); process.exit(1); });
`;

function start(c: Pick<Config, 'db' | 'dbSchema'>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['-e', START, c.db, c.dbSchema ?? ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

for (const backend of BACKENDS) {
  describe(`engines starting at once on one new database (${backend.name})`, () => {
    it('make its tables and run its migrations once, and all start', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-starts-'));
      const c = backend.config(dataDir);
      try {
        const ends = await Promise.all([1, 2, 3, 4].map(() => start(c)));
        assert.deepEqual(ends, ends.map(() => ({ code: 0, output: '' })));
        const db = await connect({ url: c.db, schema: c.dbSchema });
        try {
          const names = (await db('knex_migrations').select('name')).map((r) => r.name);
          assert.deepEqual(names, Object.keys(MIGRATIONS));
          assert.equal((await db('data_centers').where('name', 'Default').select('id')).length, 1);
          assert.deepEqual(await differences(db, storedTypes()), []);
        } finally {
          await db.destroy();
        }
      } finally {
        await backend.drop(c);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
