// The audit log as clients read it: one statement to record an event, a stream pushed to its
// listeners by one reader per process (and across processes on PostgreSQL), `from` and `max`
// as oVirt answers them.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { XML } from '../model/codec';
import { eventRetention, recordEvent } from '../services/events';
import { configFromEnv } from '../services/config';
import { Repo } from '../services/store/repo';
import { BACKENDS, POSTGRES, withEngine, spawnSibling } from './support/engine';
import { statementsDuring } from './support/statements';
import { openStream } from './support/sse';

const NOTE = 9999;
const note = (repo: Repo, description: string) => recordEvent(repo, { code: NOTE, severity: 'normal', description });
const touchesEvents = (sql: string) => /[`"]events[`"]/.test(sql);

for (const backend of BACKENDS) {
  describe(`the audit log on ${backend.name}`, () => {
    const ctx = withEngine({ backend });

    it('records an event in one INSERT, its id and index drawn in it', async () => {
      let id = '';
      const statements = await statementsDuring(ctx.t.engine.db, async () => {
        id = String((await note(new Repo(ctx.t.engine.db), 'one statement')).id);
      });
      assert.deepEqual(statements.filter(touchesEvents).map((s) => s.split(' ')[0].toLowerCase()), ['insert']);
      const reply = await ctx.api.call('GET', `/events/${id}`);
      assert.match(reply.text, new RegExp(`<event href="/ovirt-engine/api/events/${id}" id="${id}">`));
      assert.match(reply.text, new RegExp(`<index>${id}</index>`));
      assert.equal(XML.read(T.Event, reply.text).description, 'one statement');
    });

    it('pushes a new event to every listener with one read for all of them, in order', async () => {
      const streams = await Promise.all(Array.from({ length: 5 }, () => openStream(ctx.t.base, ctx.api.token)));
      try {
        const repo = new Repo(ctx.t.engine.db);
        const statements = await statementsDuring(ctx.t.engine.db, async () => {
          for (const word of ['first', 'second']) {
            const e = await note(repo, word);
            for (const s of streams) assert.deepEqual((await s.take(1)).map((m) => [m.id, m.data.description]), [[Number(e.id), word]]);
          }
        });
        // Polling listeners would each have read the table to find each event: 10 reads at least.
        // One reader needs about one read per event; other work of the engine may add a few.
        const reads = statements.filter((s) => touchesEvents(s) && /^select/i.test(s));
        assert.ok(reads.length < 5 * 2, `${reads.length} reads for 2 events and 5 listeners`);
      } finally {
        for (const s of streams) s.close();
      }
    });

    it('resumes a stream after its Last-Event-ID, in order', async () => {
      const repo = new Repo(ctx.t.engine.db);
      const before = Number((await note(repo, 'before')).id);
      const missed = [await note(repo, 'missed 1'), await note(repo, 'missed 2')];
      const stream = await openStream(ctx.t.base, ctx.api.token, { 'Last-Event-ID': String(before) });
      try {
        const next = await note(repo, 'live');
        assert.deepEqual((await stream.take(3)).map((m) => m.id), [...missed, next].map((e) => Number(e.id)));
      } finally {
        stream.close();
      }
    });

    it('answers from=N&max=M as oVirt does: after N, newest first, the newest M of them', async () => {
      const repo = new Repo(ctx.t.engine.db);
      const from = Number((await note(repo, 'mark')).id);
      const added: number[] = [];
      for (let i = 0; i < 5; i++) added.push(Number((await note(repo, `after ${i}`)).id));
      const ids = async (query: string) => XML.readList(T.Event, (await ctx.api.call('GET', `/events?${query}`)).text).map((e) => Number(e.id));
      const newestFirst = [...added].reverse();
      assert.deepEqual(await ids(`from=${from}&max=3`), newestFirst.slice(0, 3));
      assert.deepEqual(await ids(`from=${from}`), newestFirst);
      assert.deepEqual(await ids(`from=${added[4]}`), []);
      // A poller that follows the SDK's example (`from` the last id it saw, no `max`) misses none.
      assert.deepEqual(await ids(`from=${from}&search=${encodeURIComponent(`type=${NOTE}`)}`), newestFirst);
    });

    it('removes events older than the retention, a bounded batch at a time, then waits', async () => {
      const repo = new Repo(ctx.t.engine.db);
      const aged = (description: string) => repo.insertNumbered(T.Event, {
        code: NOTE, severity: 'normal', origin: 'test', description, time: new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString(),
      });
      const old: string[] = [];
      for (let i = 0; i < 5; i++) old.push(String((await aged(`aged ${i}`)).id));
      const recent = String((await note(repo, 'recent')).id);
      const left = async () => (await Promise.all(old.map((id) => repo.get(T.Event, id)))).filter((e) => e !== undefined).length;
      const purge = eventRetention(ctx.t.engine, 2);
      await purge();
      assert.equal(await left(), 3);
      await purge();
      await purge();
      assert.equal(await left(), 0);
      assert.ok(await repo.get(T.Event, recent));
      // A batch short of its size found all there was: the next look is minutes away.
      const later = String((await aged('aged later')).id);
      await purge();
      assert.ok(await repo.get(T.Event, later));
    });
  });
}

describe('the retention setting', () => {
  it('keeps events 30 days unless told otherwise, 0 for ever', () => {
    assert.equal(configFromEnv({}).eventRetentionDays, 30);
    assert.equal(configFromEnv({ HANGAR_EVENT_RETENTION_DAYS: '0' }).eventRetentionDays, 0);
    assert.throws(() => configFromEnv({ HANGAR_EVENT_RETENTION_DAYS: 'a month' }), /HANGAR_EVENT_RETENTION_DAYS/);
  });
});

describe('the event stream across processes on PostgreSQL', () => {
  const ctx = withEngine({ backend: POSTGRES });

  it('gives a listener of one process the events another records', async () => {
    const sibling = await spawnSibling(ctx.t);
    try {
      const there = await openStream(sibling.base, ctx.api.token);
      const here = await openStream(ctx.t.base, ctx.api.token);
      try {
        const e = await note(new Repo(ctx.t.engine.db), 'from the first process');
        assert.deepEqual((await there.take(1)).map((m) => [m.id, m.data.description]), [[Number(e.id), 'from the first process']]);
        const body = '<event><description>from the sibling</description><severity>normal</severity><origin>test</origin><custom_id>1</custom_id></event>';
        const r = await fetch(`${sibling.base}/ovirt-engine/api/events`, { method: 'POST', headers: ctx.api.headers(), body });
        assert.equal(r.status, 201, await r.text());
        let [seen] = await here.take(1);
        while (seen.data.description !== 'from the sibling') [seen] = await here.take(1);
      } finally {
        there.close();
        here.close();
      }
    } finally {
      await sibling.stop();
    }
  });
});
