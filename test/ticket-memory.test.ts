// The proxy keeps the tickets it serves in memory: a change made anywhere (this process, or
// another one on the same PostgreSQL) reaches it at once, so no request is served on a ticket
// that was cancelled, cut short or removed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import { BACKENDS, POSTGRES, TestEngine, withEngine } from './support/engine';
import { until } from './support/until';
import { exchange } from './support/http';
import { Tickets } from '../services/tickets';

const run = promisify(execFile);

for (const backend of BACKENDS) describe(`the proxy's memory of tickets on ${backend.name}`, () => {
  const ctx = withEngine({ backend });
  let t: TestEngine;
  let ca: string;
  let dir: string;
  let image: string;

  before(async () => {
    t = ctx.t;
    ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-ticket-memory-'));
    image = path.join(dir, 'image.raw');
    fs.writeFileSync(image, randomBytes(1024 * 1024));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A ticket of the engine's own, read once through the data plane so the proxy holds it. */
  const served = async () => {
    const uuid = randomUUID();
    await new Tickets(t.engine.db).install({ uuid, size: 1024 * 1024, ops: ['read'], timeout: 300, url: `file://${image}`, inactivity_timeout: 60, sparse: false, dirty: false });
    assert.equal((await get(uuid)).status, 206);
    // The read's end is recorded after its answer (renewing the ticket): a change must come after it.
    await until(async () => (await new Tickets(t.engine.db).status(uuid))?.active === false);
    return uuid;
  };
  const get = (id: string) => exchange(https.request(`https://localhost:${t.config.proxyPort}/images/${id}`, { ca, agent: false, headers: { Range: 'bytes=0-4095' } }));

  it('refuses a ticket from the moment it is cancelled', async () => {
    const id = await served();
    await new Tickets(t.engine.db).cancel(id);
    assert.equal((await get(id)).status, 403);
  });

  it('refuses a ticket from the moment its expiry is brought forward', async () => {
    const id = await served();
    await new Tickets(t.engine.db).extend(id, 0);
    assert.equal((await get(id)).status, 403);
  });

  it('refuses a ticket from the moment it is removed, and serves one installed again by its id', async () => {
    const id = await served();
    await new Tickets(t.engine.db).remove(id);
    assert.equal((await get(id)).status, 403);
    await new Tickets(t.engine.db).install({ uuid: id, size: 1024 * 1024, ops: ['read'], timeout: 300, url: `file://${image}`, inactivity_timeout: 60, sparse: false, dirty: false });
    assert.equal((await get(id)).status, 206);
  });

  if (backend === POSTGRES) it('hears of a ticket cancelled by another process on the same database', async () => {
    const id = await served();
    // Another process with its own connections: word reaches this one only through PostgreSQL.
    const script = `
      const { connect } = require(${JSON.stringify(path.join(__dirname, '../services/store/connect'))});
      const { Tickets } = require(${JSON.stringify(path.join(__dirname, '../services/tickets'))});
      connect({ url: process.argv[1], schema: process.argv[2] }).then(async (db) => {
        await new Tickets(db).cancel(process.argv[3]);
        await db.destroy();
      });`;
    await run(process.execPath, ['-e', script, t.config.db, String(t.config.dbSchema), id]);
    await until(async () => (await get(id)).status === 403);
  });
});
