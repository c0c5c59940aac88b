// Jobs, their steps, and the audit log: written by the engine, read through the API, and
// added to by external systems.
import * as S from '../model/services';
import * as T from '../model/types';
import { ActionBody, implement } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { addStep, endJob, endStep, startJob } from './jobs';
import { recordEvent, Severity } from './events';

export const jobs = implement(S.Jobs, {
  list: storedCollection(S.Jobs).list,
  listsSeen: true,
  add: (call, body) => startJob(call.repo, String(body.description), call.principal.userId, true),
});

/**
 * A client ends an external job or step while it runs, and the status it ends with is what
 * `succeeded` says (finished unless false); `force` ends one of the engine's own too, one the
 * client knows to be stuck.
 */
function endingStatus(kind: 'Job' | 'Step', obj: { id: string; external?: boolean; status?: string }, body: ActionBody): 'finished' | 'failed' {
  if (obj.external !== true && body.force !== true) {
    throw conflict(`${kind} ${obj.id} is not external: only external ${kind.toLowerCase()}s are ended by clients, unless forced`);
  }
  if (obj.status !== 'started') throw conflict(`${kind} ${obj.id} has already ended`);
  return body.succeeded === false ? 'failed' : 'finished';
}

export const jobEntity = implement(S.JobEntity, {
  ...storedEntity(S.Jobs, S.JobEntity),
  actions: {
    async end(call, body) {
      const job = await load(call, S.Jobs);
      await endJob(call.repo, job.id, endingStatus('Job', job, body));
      return { status: 'complete' };
    },
    async clear(call) {
      const job = await load(call, S.Jobs);
      if (job.status === 'started') throw conflict(`Job ${job.id} is still running`);
      await call.repo.removeOwned(T.Step, { job: job.id });
      await call.repo.remove(T.Job, job.id);
      return { status: 'complete' };
    },
  },
});

/** An external system adds steps, nested by `parent_step`, to its external jobs while they run. */
export const jobSteps = implement(S.JobSteps, {
  list: storedCollection(S.JobSteps).list,
  listsSeen: true,
  async add(call, body) {
    const jobId = call.scope[0];
    const job = await call.repo.getForUpdate(T.Job, jobId);
    if (!job) throw notFound(`Job '${jobId}' does not exist`);
    if (body.job?.id !== undefined && body.job.id !== jobId) throw badRequest(`The step names job '${body.job.id}', but is added to job '${jobId}'`);
    if (job.external !== true) throw conflict(`Job ${jobId} is not external: steps are added only to external jobs`);
    if (job.status !== 'started') throw conflict(`Job ${jobId} has already ended`);
    const parentId = body.parent_step?.id;
    const parent = parentId === undefined ? undefined : await call.repo.get(T.Step, parentId, { job: jobId });
    if (parentId !== undefined && !parent) throw notFound(`Step '${parentId}' is not a step of job ${jobId}`);
    return addStep(call.repo, job, String(body.description), body.type, 'started', parent);
  },
});

export const jobStep = implement(S.JobStep, {
  ...storedEntity(S.JobSteps, S.JobStep),
  actions: {
    async end(call, body) {
      const step = await load(call, S.JobSteps);
      await endStep(call.repo, step, endingStatus('Step', step, body));
      return { status: 'complete' };
    },
  },
});

/** Events newest first; `from=<id>` gives only those after that one. */
export const events = implement(S.Events, {
  async list(call, o) {
    const from = call.params.from;
    return call.repo.list(T.Event, {}, { max: o.max, seen: o.seen, page: o.page, newestFirst: true, after: typeof from === 'number' ? from : undefined });
  },
  listsSeen: true,
  async add(call, body) {
    // The same origin and custom id twice is one event, as in oVirt.
    const [duplicate] = await call.repo.list(T.Event, {}, { where: { origin: String(body.origin), custom_id: String(body.custom_id) } });
    if (duplicate) return duplicate;
    return recordEvent(call.repo, {
      code: Number(body.code ?? 0), severity: body.severity as Severity, description: String(body.description),
      userId: call.principal.userId, origin: String(body.origin), customId: Number(body.custom_id),
    });
  },
});
export const eventEntity = implement(S.EventEntity, storedEntity(S.Events, S.EventEntity));
