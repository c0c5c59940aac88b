// A database made by the engine of commit 8dcb47a (test/fixtures/schema-8dcb47a, see make.js
// there), copied for one test engine: the SQLite file, or the PostgreSQL dump replayed into a
// schema of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Config } from '../../services/config';
import { Backend, SQLITE } from './engine';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'schema-8dcb47a');
/** The schema the dump was taken from. */
const DUMPED_SCHEMA = /\bhangar_fixture\b/g;

/** Settings for a test engine on a copy of the old database (its data dir included). */
export async function oldDatabase(backend: Backend): Promise<Partial<Config>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-old-db-'));
  if (backend === SQLITE) {
    const db = path.join(dataDir, 'hangar.sqlite');
    fs.copyFileSync(path.join(FIXTURE, 'hangar.sqlite'), db);
    return { dataDir, db };
  }
  const { db } = backend.config(dataDir);
  const dbSchema = `hangar_old_${randomBytes(6).toString('hex')}`;
  // A client of its own: the dump empties its connection's search path.
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    await client.query(fs.readFileSync(path.join(FIXTURE, 'postgres.sql'), 'utf8').replace(DUMPED_SCHEMA, dbSchema));
  } finally {
    await client.end();
  }
  return { dataDir, db, dbSchema };
}
