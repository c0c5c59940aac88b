// The entry point's summary: counted once for the requests of a short while, fresh at once after
// this process changes what it counts.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { withEngine } from './support/engine';
import { statementsDuring } from './support/statements';
import { vmBody } from './support/users';

describe('the entry point summary', () => {
  const ctx = withEngine();
  const vms = async () => {
    const reply = await ctx.api.call('GET', '');
    assert.equal(reply.status, 200);
    return Number(((XML.read(T.Api, reply.text).summary as Obj).vms as Obj).total);
  };
  const counts = (statements: string[]) => statements.filter((s) => /count\(/i.test(s));

  it('is counted once for the requests that follow, and again after a write to a counted table', async () => {
    const first = await vms();
    let again = 0;
    assert.deepEqual(counts(await statementsDuring(ctx.t.engine.db, async () => {
      again = await vms();
    })), []);
    assert.equal(again, first);
    assert.equal((await ctx.api.call('POST', '/vms', vmBody('counted'))).status, 201);
    let after = 0;
    assert.notDeepEqual(counts(await statementsDuring(ctx.t.engine.db, async () => {
      after = await vms();
    })), []);
    assert.equal(after, first + 1);
  });
});
