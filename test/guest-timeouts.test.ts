// Where hosts report what VMs do (the qemu runtime), a step a host never reports is not applied
// when it comes due: the operation times out, its job fails and event 9213 says so, and the VM
// stays as its host last showed it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Knex } from 'knex';
import pino from 'pino';
import * as T from '../model/types';
import { connect } from '../services/store/connect';
import { prepareStore } from '../services/store/prepare';
import { Repo } from '../services/store/repo';
import { Scheduler, schedule } from '../services/transitions';
import { startJob } from '../services/jobs';
import { EventCode } from '../services/events';
import { GuestDriver, Runtime } from '../services/runtime/runtime';
import { until } from './support/until';

/** A runtime whose hosts run guests but report none: only what the scheduler reads of it. */
function silentHosts(): Runtime {
  const guests: GuestDriver = {
    command: async () => undefined,
    state: async () => {
      throw new Error('the host reports no guest');
    },
    survey: async () => new Map(),
    forget: async () => undefined,
    serial: async () => ({ offset: 0, size: 0, text: '' }),
  };
  return { guests, monitorInterval: 60_000, responsive: async () => new Set<string>() } as Partial<Runtime> as Runtime;
}

describe('operations a real host never reports', () => {
  let dir: string;
  let db: Knex;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-timeouts-'));
    db = await connect({ url: path.join(dir, 'db.sqlite') });
    await prepareStore(db);
  });

  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('time out: the job fails, event 9213 is recorded and the VM keeps the status its host showed', async () => {
    const repo = new Repo(db);
    const vm = { id: '7e9a2f1c-0000-4000-8000-000000000001', name: 'never-up', status: 'wait_for_launch' as const };
    await repo.insert(T.Vm, vm);
    const job = await startJob(repo, 'Launching VM never-up', undefined);
    await schedule(repo, T.Vm, vm.id, [{ after: 1, status: 'up' }], job.id);
    const scheduler = new Scheduler(db, pino({ level: 'silent' }), silentHosts(), 10);
    await until(async () => {
      await scheduler.tick();
      return !(await db('transitions').where('object_id', vm.id).first());
    });
    assert.equal((await repo.get(T.Vm, vm.id))?.status, 'wait_for_launch');
    assert.equal((await repo.get(T.Job, job.id))?.status, 'failed');
    const events = await repo.list(T.Event, {});
    assert.ok(events.some((e) => e.code === EventCode.VM_OPERATION_TIMED_OUT && String(e.description).includes('never-up')));
  });
});
