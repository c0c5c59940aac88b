// Jobs, their steps, and the audit log: written by the engine, read through the API, and
// added to by external systems.
import * as S from '../model/services';
import * as T from '../model/types';
import { implement } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { endJob, startJob } from './jobs';
import { recordEvent, Severity } from './events';

export const jobs = implement(S.Jobs, {
  list: storedCollection(S.Jobs).list,
  listsSeen: true,
  add: (call, body) => startJob(call.repo, String(body.description), call.principal.userId, true),
});

export const jobEntity = implement(S.JobEntity, {
  ...storedEntity(S.Jobs, S.JobEntity),
  actions: {
    async end(call, body) {
      const job = await load(call, S.Jobs);
      if (job.external !== true) throw conflict('Only external jobs are ended by clients');
      if (job.status !== 'started') throw conflict(`Job ${job.id} has already ended`);
      await endJob(call.repo, job.id, body.succeeded === false ? 'failed' : body.force === true ? 'aborted' : 'finished');
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

export const jobSteps = implement(S.JobSteps, storedCollection(S.JobSteps));
export const jobStep = implement(S.JobStep, storedEntity(S.JobSteps, S.JobStep));

/** Events newest first; `from=<id>` gives only those after that one. */
export const events = implement(S.Events, {
  async list(call, o) {
    const from = call.params.from;
    return call.repo.list(T.Event, {}, { max: o.max, seen: o.seen, newestFirst: true, after: typeof from === 'number' ? from : undefined });
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
