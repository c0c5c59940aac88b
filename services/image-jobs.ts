// Long image work as a job: the request commits its objects `locked`, with a job; once it has
// committed the copies run in the background, each a step of the job while it runs. When all are
// done, `done` makes the objects usable and the job finishes; when one fails (or the engine
// closes), what the copies made is removed, `failed` takes the rows back out, and the job fails.
import * as T from '../model/types';
import { Call, Engine } from './behaviour';
import { Repo } from './store/repo';
import { addStep, endJob, endStep, startJob } from './jobs';

export interface ImageCopy {
  /** What the step says ("Copying disk a to storage domain b"). */
  description: string;
  run(signal: AbortSignal): Promise<void>;
  /** Removes what `run` made (or began), once the job has failed. */
  remove(): Promise<void>;
}

export interface ImageJob {
  description: string;
  copies: ImageCopy[];
  /** In the transaction that finishes the job. */
  done(repo: Repo): Promise<void>;
  /** In the transaction that fails the job; `reason` is the error of the copy that failed. */
  failed(repo: Repo, reason: string): Promise<void>;
}

/** Starts the job in the request's transaction and queues its copies; answers the job's id. */
export async function startImageJob(call: Call, job: ImageJob): Promise<string> {
  const row = await startJob(call.repo, job.description, call.principal.userId);
  const { engine } = call;
  call.files.afterCommit({
    what: `starting: ${job.description}`,
    run: async () => engine.background.start((signal) => runCopies(engine, row.id, job, signal)),
  });
  return row.id;
}

async function runCopies(engine: Engine, jobId: string, job: ImageJob, signal: AbortSignal): Promise<void> {
  const inTransaction = <R>(work: (repo: Repo) => Promise<R>) => engine.db.transaction((trx) => work(new Repo(trx)));
  let begun = 0;
  try {
    for (const copy of job.copies) {
      signal.throwIfAborted();
      const step = await inTransaction(async (repo) => {
        const row = await repo.get(T.Job, jobId);
        if (!row) throw new Error(`job ${jobId} is gone`);
        const executing = (await repo.list(T.Step, { job: jobId })).find((s) => s.type === 'executing' && !s.parent_step);
        return addStep(repo, row, copy.description, 'executing', 'started', executing);
      });
      begun++;
      await copy.run(signal);
      await inTransaction((repo) => endStep(repo, { ...step, id: String(step.id) }, 'finished'));
    }
    await inTransaction(async (repo) => {
      await job.done(repo);
      await endJob(repo, jobId, 'finished');
    });
  } catch (e) {
    const reason = signal.aborted ? 'the engine stopped' : e instanceof Error ? e.message : String(e);
    for (const copy of job.copies.slice(0, begun)) await copy.remove().catch(() => undefined);
    await inTransaction(async (repo) => {
      await job.failed(repo, reason);
      await endJob(repo, jobId, 'failed');
    });
  }
}
