// Waiting for an object to reach a state, or for a job to end, as clients of an engine poll for them.
import type { ObjOf } from '../model/meta';
import type { Job } from '../model/types';
import type { Connection } from './connection';
import { ActionBody, Readable, locatorOf } from './locators';

export interface WaitOptions {
  /** How long to wait before failing with a WaitTimeout (default 5 minutes). */
  timeoutMs?: number;
  /**
   * The longest time between two reads (default 1 s). The first read again comes after a tenth
   * of it and each next one twice as late, up to it: a state a moment away is seen a moment later.
   */
  intervalMs?: number;
}

/** The state was not reached in time; `last` is what was read last. */
export class WaitTimeout<O = unknown> extends Error {
  constructor(readonly last: O, timeoutMs: number) {
    super(`The state waited for was not reached in ${timeoutMs} ms`);
    this.name = 'WaitTimeout';
  }
}

/** The pauses between reads of a wait: a tenth of `intervalMs` first, each next twice as long, up to `intervalMs`. */
export function* pauses(intervalMs: number): Generator<number, never> {
  for (let pause = intervalMs / 10; ; pause = Math.min(intervalMs, pause * 2)) yield pause;
}

function isReadable(x: unknown): x is Readable {
  return typeof x === 'object' && x !== null && typeof (x as Readable).get === 'function' && typeof (x as Readable).path === 'string';
}

/**
 * Reads the object again until `predicate` holds for it, and answers it: the object a locator
 * reads (`waitFor(vms.vm(id), v => v.status === 'up')`) or one a locator answered before
 * (`waitFor(vm, ...)`, checked as it is first).
 */
export async function waitFor<O>(target: Readable<O>, predicate: (obj: O) => boolean | Promise<boolean>, o?: WaitOptions): Promise<O>;
export async function waitFor<O extends object>(target: O, predicate: (obj: O) => boolean | Promise<boolean>, o?: WaitOptions): Promise<O>;
export async function waitFor<O>(target: Readable<O> | O, predicate: (obj: O) => boolean | Promise<boolean>, o: WaitOptions = {}): Promise<O> {
  const timeoutMs = o.timeoutMs ?? 300_000;
  const intervalMs = o.intervalMs ?? 1000;
  const locator = isReadable(target) ? target : locatorOf(target as object);
  if (!locator) throw new TypeError('waitFor needs a locator, or an object a locator answered');
  const end = Date.now() + timeoutMs;
  let obj = isReadable(target) ? ((await locator.get()) as O) : (target as O);
  const next = pauses(intervalMs);
  while (!(await predicate(obj))) {
    const pause = next.next().value;
    if (Date.now() + pause > end) throw new WaitTimeout(obj, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, pause));
    obj = (await locator.get()) as O;
  }
  return obj;
}

export type JobObj = ObjOf<typeof Job>;

/** A job ended other than finished (failed, aborted); `job` is how it ended. */
export class JobFailed extends Error {
  constructor(readonly job: JobObj) {
    super(`Job ${job.description ?? job.id} ended ${job.status}`);
    this.name = 'JobFailed';
  }
}

/**
 * Waits for the job an action answered (`await jobDone(conn, await host.deactivate())`) to end,
 * and answers it once finished; a job that failed or was aborted throws JobFailed.
 */
export async function jobDone(conn: Connection, action: ActionBody, o?: WaitOptions): Promise<JobObj> {
  const id = action.job?.id;
  if (id === undefined) throw new TypeError('The action answered no job');
  const job = await waitFor(conn.system().jobs().job(id), (j) => j.status !== 'started', o);
  if (job.status !== 'finished') throw new JobFailed(job);
  return job;
}
