// Jobs and their steps: the tracked progress of every action.
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Repo, StoredObj } from './store/repo';

const now = () => new Date().toISOString();

/** Starts a job whose validation is done and whose execution begins now. */
type JobObj = StoredObj<typeof T.Job>;

export async function startJob(repo: Repo, description: string, ownerId: string | undefined, external = false): Promise<JobObj> {
  const job: JobObj = {
    id: randomUUID(),
    description,
    status: 'started',
    start_time: now(),
    last_updated: now(),
    external,
    auto_cleared: !external,
    ...(ownerId ? { owner: { id: ownerId } } : {}),
  };
  await repo.insert(T.Job, job);
  if (!external) {
    await addStep(repo, job, 'Validating', 'validating', 'finished');
    await addStep(repo, job, 'Executing', 'executing', 'started');
  }
  return job;
}

type StepObj = ObjOf<typeof T.Step>;

export async function addStep(repo: Repo, job: JobObj, description: string, type: StepObj['type'], status: StepObj['status']): Promise<StepObj> {
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
