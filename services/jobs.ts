// Jobs and their steps: the tracked progress of every action.
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Repo, StoredObj } from './store/repo';
import { correlationId } from './correlation';

const now = () => new Date().toISOString();

type JobObj = StoredObj<typeof T.Job>;

/** Starts a job whose validation is done and whose execution begins now, under the request's correlation id. */
export async function startJob(repo: Repo, description: string, ownerId: string | undefined, external = false): Promise<JobObj> {
  const correlation = correlationId();
  const job: JobObj = {
    id: randomUUID(),
    description,
    status: 'started',
    start_time: now(),
    last_updated: now(),
    external,
    auto_cleared: !external,
    ...(ownerId ? { owner: { id: ownerId } } : {}),
    ...(correlation ? { correlation_id: correlation } : {}),
  };
  await repo.insert(T.Job, job);
  if (!external) {
    await addStep(repo, job, 'Validating', 'validating', 'finished');
    await addStep(repo, job, 'Executing', 'executing', 'started');
  }
  return job;
}

export type StepObj = ObjOf<typeof T.Step>;

/** Adds a step numbered after the job's others; `parent` is the step it is part of. */
export async function addStep(
  repo: Repo, job: JobObj, description: string, type: StepObj['type'], status: StepObj['status'], parent?: StepObj,
): Promise<StepObj> {
  const number = (await repo.count(T.Step, { job: job.id })) + 1;
  const step: StepObj = {
    id: randomUUID(),
    description,
    type,
    status,
    number,
    start_time: now(),
    ...(status === 'started' ? {} : { end_time: now() }),
    external: job.external === true,
    job: { id: job.id },
    ...(parent ? { parent_step: { id: parent.id } } : {}),
  };
  return repo.insert(T.Step, step);
}

/** Ends a job and its open steps with `status` (finished, failed or aborted). */
export async function endJob(repo: Repo, jobId: string, status: 'finished' | 'failed' | 'aborted'): Promise<void> {
  const job = await repo.get(T.Job, jobId);
  if (!job || job.status !== 'started') return;
  for (const step of await repo.list(T.Step, { job: jobId })) {
    if (step.status === 'started') await repo.update(T.Step, { ...step, status, end_time: now() }, { job: jobId });
  }
  await repo.update(T.Job, { ...job, status, end_time: now(), last_updated: now() });
}

/** Ends a step and the open steps under it with `status`. */
export async function endStep(repo: Repo, step: StoredObj<typeof T.Step>, status: 'finished' | 'failed'): Promise<void> {
  const jobId = String(step.job?.id);
  // A parent is numbered before the steps added under it, so one pass in that order finds every level.
  const steps = (await repo.list(T.Step, { job: jobId })).sort((a, b) => Number(a.number) - Number(b.number));
  const ending = new Set([step.id]);
  for (const s of steps) if (s.parent_step?.id !== undefined && ending.has(s.parent_step.id) && s.status === 'started') ending.add(s.id);
  for (const s of [step, ...steps.filter((x) => x.id !== step.id && ending.has(x.id))]) {
    await repo.update(T.Step, { ...s, status, end_time: now() }, { job: jobId });
  }
}
