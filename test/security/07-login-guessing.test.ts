// Login guessing: every attempt is counted before its password is checked (so parallel guesses
// beyond the limit are refused without hashing, also by two processes on one PostgreSQL), all
// names of one account count as one, strangers cannot lock out the built-in admin (each address
// failing it waits longer instead), and an operator can end a lockout with `npm run unlock`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Answer } from '../support/http';
import { XML } from '../../model/codec';
import { ADMIN_PASSWORD, ApiClient, BACKENDS, SQLITE, Sibling, TestEngine, spawnSibling } from '../support/engine';
import { scryptRuns, tokenLogin } from '../support/logins';
import { addUser } from '../support/users';

const MAX_FAILURES = 5;
const statusCounts = (answers: Answer[]) => answers.reduce<Record<number, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {});
const retryAfter = (a: Answer) => Number(a.headers['retry-after']);

for (const backend of BACKENDS) {
  describe(`07 login guessing (${backend.name})`, () => {
    let t: TestEngine;
    let admin: ApiClient;
    before(async () => {
      t = await TestEngine.start(backend, { loginMaxFailures: MAX_FAILURES, loginLockout: 300, loginDelayMs: 1000 });
      admin = await ApiClient.of(t, XML);
    });
    after(async () => t?.stop());

    it('counts parallel guesses before checking them: those beyond the limit are refused without hashing', async () => {
      await addUser(admin, 'eve', 'eve-password-1');
      let answers: Answer[] = [];
      const runs = await scryptRuns(async () => {
        answers = await Promise.all(Array.from({ length: 40 }, (_, i) => tokenLogin(t.base, { username: 'eve@internal', password: `guess-${i}`, from: '127.0.0.2' })));
      });
      assert.deepEqual(statusCounts(answers), { 400: MAX_FAILURES, 429: 40 - MAX_FAILURES });
      assert.equal(runs.length, MAX_FAILURES, 'only the counted guesses are hashed');
      assert.ok(answers.filter((a) => a.status === 429).every((a) => retryAfter(a) > 0));
    });

    if (backend.name === 'PostgreSQL') {
      describe('with a second engine process on the same database', () => {
        let sibling: Sibling;
        before(async () => {
          sibling = await spawnSibling(t, { HANGAR_LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
        });
        after(async () => sibling?.stop());

        it('refuses the guesses beyond the limit across both', async () => {
          await addUser(admin, 'ivy', 'ivy-password-1');
          const guess = (base: string, i: number) => tokenLogin(base, { username: 'ivy@internal', password: `guess-${i}`, from: '127.0.0.3' });
          const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => guess(i % 2 ? sibling.base : t.base, i)));
          assert.deepEqual(statusCounts(answers), { 400: MAX_FAILURES, 429: 40 - MAX_FAILURES });
        });
      });
    }

    it('counts every name of an account as the account, and unknown names by their normal form', async () => {
      await addUser(admin, 'gus', 'gus-password-1');
      const names = ['gus', 'gus@internal', 'gus@internal-authz', 'gus@internal', 'gus'];
      // Each from its own address, so that only the account's count can refuse.
      for (const [i, username] of names.entries()) {
        assert.equal((await tokenLogin(t.base, { username, password: 'wrong', from: `127.0.1.${i + 1}` })).status, 400);
      }
      const locked = await tokenLogin(t.base, { username: 'gus@internal-authz', password: 'gus-password-1', from: '127.0.1.99' });
      assert.equal(locked.status, 429, 'the account is locked, whatever name it is logged into as');
      const unknown = ['ghost', 'ghost@internal', 'GHOST@internal-authz', 'Ghost', 'ghost@internal-authz'];
      for (const [i, username] of unknown.entries()) {
        assert.equal((await tokenLogin(t.base, { username, password: 'wrong', from: `127.0.2.${i + 1}` })).status, 400);
      }
      assert.equal((await tokenLogin(t.base, { username: 'ghost@internal', password: 'wrong', from: '127.0.2.99' })).status, 429, 'an unknown name is refused as a known one is');
    });

    it('does not let strangers lock out the built-in admin, but slows each address that fails it', async () => {
      const stranger = (password: string, from = '127.0.3.1') => tokenLogin(t.base, { username: 'admin@internal', password, from });
      assert.equal((await stranger('wrong-1')).status, 400);
      const delayed = await stranger(ADMIN_PASSWORD);
      assert.equal(delayed.status, 429, 'the address that failed waits before its next try, even with the right password');
      assert.equal(retryAfter(delayed), 1);
      let next = await stranger('wrong-2');
      while (next.status === 429) {
        await new Promise((r) => setTimeout(r, 100));
        next = await stranger('wrong-2');
      }
      assert.equal(next.status, 400);
      assert.equal(retryAfter(await stranger('wrong-3')), 2, 'the wait doubles with each failure');
      // Failures from many addresses, more than would lock an ordinary account.
      for (let i = 0; i < 2 * MAX_FAILURES; i++) assert.equal((await stranger('wrong', `127.0.4.${i + 1}`)).status, 400);
      assert.equal((await tokenLogin(t.base, { username: 'admin@internal', password: ADMIN_PASSWORD, from: '127.0.5.1' })).status, 200);
    });

    it('ends lockouts of accounts and addresses with `npm run unlock`', async () => {
      await addUser(admin, 'hal', 'hal-password-1');
      for (let i = 0; i < MAX_FAILURES; i++) await tokenLogin(t.base, { username: 'hal', password: 'wrong', from: `127.0.6.${i + 1}` });
      const hal = (from: string) => tokenLogin(t.base, { username: 'hal@internal', password: 'hal-password-1', from });
      assert.equal((await hal('127.0.6.99')).status, 429);
      assert.equal((await hal('127.0.0.2')).status, 429, 'the address of the parallel guesses is locked too');
      const main = path.join(__dirname, '..', '..', 'main.js');
      const { stdout } = await promisify(execFile)(process.execPath, [main, 'unlock', 'hal@internal-authz', '127.0.0.2'], {
        env: { ...process.env, HANGAR_DATA_DIR: t.config.dataDir, HANGAR_DB: t.config.db, HANGAR_DB_SCHEMA: t.config.dbSchema ?? '' },
        timeout: 20000,
      });
      assert.match(stdout, /hal@internal-authz: failed logins cleared/);
      assert.match(stdout, /127\.0\.0\.2: failed logins cleared/);
      assert.equal((await hal('127.0.6.99')).status, 200);
      assert.equal((await hal('127.0.0.2')).status, 200);
    });
  });
}

describe('07 login guessing: after a lockout', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start(SQLITE, { loginMaxFailures: MAX_FAILURES, loginLockout: 1 });
    await addUser(await ApiClient.of(t, XML), 'amy', 'amy-password-1');
  });
  after(async () => t?.stop());

  it('counts anew and locks again', async () => {
    let address = 0;
    const fail = () => tokenLogin(t.base, { username: 'amy', password: 'wrong', from: `127.0.7.${++address}` });
    for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await fail()).status, 400);
    // Refused (and not counted) until the lockout ends; then the first failure of a new count.
    let first = await fail();
    while (first.status === 429) {
      await new Promise((r) => setTimeout(r, 100));
      first = await fail();
    }
    assert.equal(first.status, 400);
    for (let i = 1; i < MAX_FAILURES; i++) assert.equal((await fail()).status, 400);
    assert.equal((await tokenLogin(t.base, { username: 'amy', password: 'amy-password-1', from: '127.0.7.250' })).status, 429);
  });
});
