// Long image work as a job: the request commits its objects `locked`, with a job; once it has
// committed the copies run in the background, each a step of the job while it runs. When all are
// done, `done` makes the objects usable and the job finishes; when one fails (or the engine
// closes), what the copies made is removed, the job's kind takes the rows back out, and the job
// fails. The process running a job holds it in `image_jobs` and renews the hold while it runs;
// a job held by no one (its process was killed) is failed the same way by any process, the
// volumes of the disks it was making removed.
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { Call, Engine } from './behaviour';
import { Repo } from './store/repo';
import { addStep, endJob, endStep, startJob } from './jobs';
import { domainOfDisk } from './disk-rows';
import { withinTime } from './file-work';

export interface ImageCopy {
  /** What the step says ("Copying disk a to storage domain b"). */
  description: string;
  run(signal: AbortSignal): Promise<void>;
  /** Removes what `run` made (or began), once the job has failed. */
  remove(): Promise<void>;
}

/**
 * A kind of image job: how it fails, in the transaction that fails it, from what it kept of itself
 * when it started (`params`, plain data), so that another process can fail it too.
 */
export interface ImageJobKind<P> {
  readonly name: string;
  failed(repo: Repo, params: P, reason: string): Promise<void>;
}

/** Each kind's failure, for params read back from the database (as its jobs kept them). */
const KINDS = new Map<string, (repo: Repo, params: unknown, reason: string) => Promise<void>>();

/** Declares a kind of image job; its name is kept with each job of it. */
export function imageJobKind<P>(name: string, failed: (repo: Repo, params: P, reason: string) => Promise<void>): ImageJobKind<P> {
  KINDS.set(name, (repo, params, reason) => failed(repo, params as P, reason));
  return { name, failed };
}

export interface ImageJob<P> {
  description: string;
  kind: ImageJobKind<P>;
  params: P;
  /** The disks the copies make (their volumes are removed if the job fails). */
  madeDisks: string[];
  copies: ImageCopy[];
  /** In the transaction that finishes the job. */
  done(repo: Repo): Promise<void>;
}

/** Who holds jobs in this process. */
const ME = randomUUID();

const heldUntil = (engine: Engine) => Date.now() + engine.config.imageJobLease * 1000;

/** Starts the job in the request's transaction and queues its copies; answers the job's id. */
export async function startImageJob<P>(call: Call, job: ImageJob<P>): Promise<string> {
  const row = await startJob(call.repo, job.description, call.principal.userId);
  await call.repo.db('image_jobs').insert({
    job_id: row.id, kind: job.kind.name, params: JSON.stringify(job.params), made_disks: JSON.stringify(job.madeDisks),
    held_until: heldUntil(call.engine), held_by: ME,
  });
  const { engine } = call;
  call.files.afterCommit({
    what: `starting: ${job.description}`,
    run: async () => engine.background.start((signal) => runCopies(engine, row.id, job, signal)),
  });
  return row.id;
}

const inTransaction = <R>(engine: Engine, work: (repo: Repo) => Promise<R>) => engine.db.transaction((trx) => work(new Repo(trx)));

/** Fails the job as its kind fails it (`failed`), and lets it go. */
async function failJob(repo: Repo, jobId: string, failed: (repo: Repo) => Promise<void>): Promise<void> {
  await failed(repo);
  await endJob(repo, jobId, 'failed');
  await repo.db('image_jobs').where('job_id', jobId).delete();
}

async function runCopies<P>(engine: Engine, jobId: string, job: ImageJob<P>, signal: AbortSignal): Promise<void> {
  const renew = setInterval(() => {
    engine.db('image_jobs').where({ job_id: jobId, held_by: ME }).update({ held_until: heldUntil(engine) })
      .catch((err: unknown) => engine.log.error({ err }, `renewing image job ${jobId} failed`));
  }, (engine.config.imageJobLease * 1000) / 3);
  let begun = 0;
  try {
    for (const copy of job.copies) {
      signal.throwIfAborted();
      const step = await inTransaction(engine, async (repo) => {
        const row = await repo.get(T.Job, jobId);
        if (!row) throw new Error(`job ${jobId} is gone`);
        const executing = (await repo.list(T.Step, { job: jobId })).find((s) => s.type === 'executing' && !s.parent_step);
        return addStep(repo, row, copy.description, 'executing', 'started', executing);
      });
      begun++;
      await copy.run(signal);
      await inTransaction(engine, (repo) => endStep(repo, { ...step, id: String(step.id) }, 'finished'));
    }
    await inTransaction(engine, async (repo) => {
      await job.done(repo);
      await endJob(repo, jobId, 'finished');
      await repo.db('image_jobs').where('job_id', jobId).delete();
    });
  } catch (e) {
    const reason = signal.aborted ? 'the engine stopped' : e instanceof Error ? e.message : String(e);
    for (const copy of job.copies.slice(0, begun)) await copy.remove().catch(() => undefined);
    await inTransaction(engine, (repo) => failJob(repo, jobId, (r) => job.kind.failed(r, job.params, reason)));
  } finally {
    clearInterval(renew);
  }
}

interface HeldRow {
  job_id: string;
  kind: string;
  params: string;
  made_disks: string;
  held_until: string | number;
}

/**
 * Fails the image jobs whose process stopped holding them: each is taken over first (so one
 * process does it), the volumes of the disks it was making are removed, then its kind fails it.
 */
export async function failAbandonedImageJobs(engine: Engine): Promise<void> {
  const now = Date.now();
  const abandoned: HeldRow[] = await engine.db('image_jobs').where('held_until', '<', now);
  for (const row of abandoned) {
    const taken = await engine.db('image_jobs').where({ job_id: row.job_id, held_until: row.held_until }).update({ held_until: heldUntil(engine), held_by: ME });
    if (taken !== 1) continue;
    const failed = KINDS.get(row.kind);
    if (!failed) throw new Error(`image job ${row.job_id} is of an unknown kind '${row.kind}'`);
    const repo = new Repo(engine.db);
    for (const id of JSON.parse(row.made_disks) as string[]) {
      const disk = await repo.get(T.Disk, id);
      const sd = disk && (await domainOfDisk(repo, disk));
      if (disk && sd) await withinTime(engine.config.fsTimeout, `removing the volume of disk ${id}`, () => engine.storage.removeVolume(sd, disk));
    }
    const params: unknown = JSON.parse(row.params);
    await inTransaction(engine, (r) => failJob(r, row.job_id, (t) => failed(t, params, 'the engine process running it stopped')));
  }
}

/** Looks for abandoned image jobs at most once a third of a hold, on the engine's ticks. */
export function abandonedImageJobMonitor(engine: Engine): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < (engine.config.imageJobLease * 1000) / 3) return;
    last = Date.now();
    await failAbandonedImageJobs(engine);
  };
}
