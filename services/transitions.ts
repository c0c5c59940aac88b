// Durable state transitions of hosts and VMs (powering_up → up, migrating → up, ...). Each
// pending transition is a row with its remaining steps and when the next is due; every engine
// process ticks, claims due rows through the database and applies them, so transitions survive
// restarts and are shared by several processes. Hosts are watched here too.
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import * as T from '../model/types';
import { ObjOf, StructType } from '../model/meta';
import { Obj } from '../model/codec';
import { Repo } from './store/repo';
import { EventCode, EventSpec, recordEvent } from './events';
import { endJob } from './jobs';
import { correlationId } from './correlation';
import { Runtime } from './runtime/runtime';
import { Log } from './log';
import { GuestState } from '../model/agent-protocol';

/** A VM whose host stopped answering keeps, in its row, the status it had before it became unknown. */
type UnknownVm = ObjOf<typeof T.Vm> & { status_before_unknown?: string };

/** One step: after `after` ms the object takes `status` and the changes in `set`. */
export interface TransitionStep {
  after: number;
  status: string;
  set?: Obj;
  /** Members removed from the object (a VM's `host` when it goes down). */
  unset?: string[];
  event?: EventSpec;
}

const TYPES: Record<string, StructType> = { Vm: T.Vm, Host: T.Host };

interface Row {
  id: string;
  type_name: string;
  object_id: string;
  steps: string;
  job_id: string | null;
  due_at: string | number;
  claimed_until: string | number;
}

/** Ends a transition's job once no other pending transition works for it (maintenance moves several VMs). */
async function release(repo: Repo, jobId: string | null, status: 'finished' | 'failed' | 'aborted'): Promise<void> {
  if (!jobId) return;
  if (!(await repo.db('transitions').where('job_id', jobId).first('id'))) await endJob(repo, jobId, status);
}

/** A step's event keeps the correlation id of the request that scheduled it, to be recorded later. */
function correlated(step: TransitionStep): TransitionStep {
  const id = correlationId();
  return step.event && id !== undefined ? { ...step, event: { correlationId: id, ...step.event } } : step;
}

/** Replaces any pending transition of the object with these steps; the job of the one replaced is aborted. */
export async function schedule(repo: Repo, type: StructType, id: string, steps: TransitionStep[], jobId?: string): Promise<void> {
  const key = `${type.name}:${id}`;
  const replaced: Pick<Row, 'job_id'> | undefined = await repo.db('transitions').where('id', key).first('job_id');
  await repo.db('transitions').where('id', key).delete();
  if (replaced && replaced.job_id !== (jobId ?? null)) await release(repo, replaced.job_id, 'aborted');
  if (!steps.length) return;
  await repo.db('transitions').insert({
    id: key,
    type_name: type.name,
    object_id: id,
    steps: JSON.stringify(steps.map(correlated)),
    job_id: jobId ?? null,
    due_at: Date.now() + steps[0].after,
    claimed_until: 0,
  });
}

/** Applies a status change to a stored object now. */
export async function applyStep(repo: Repo, type: StructType, id: string, step: TransitionStep): Promise<Obj | undefined> {
  const obj = await repo.getForUpdate(type, id);
  if (!obj) return undefined;
  const next: Obj = { ...obj, ...step.set, status: step.status };
  for (const k of step.unset ?? []) delete next[k];
  await repo.update(type, next);
  if (step.event) await recordEvent(repo, step.event);
  return next;
}

/**
 * A host reported that the object has taken `status`: the pending steps up to the first that
 * takes it are applied, in order, with their events. Answers whether a pending step took it.
 */
export async function reached(repo: Repo, type: StructType, id: string, status: string): Promise<boolean> {
  const key = `${type.name}:${id}`;
  const row: Row | undefined = await repo.db('transitions').where('id', key).first();
  if (!row) return false;
  const steps = JSON.parse(row.steps) as TransitionStep[];
  const upTo = steps.findIndex((s) => s.status === status);
  if (upTo < 0) return false;
  for (const step of steps.slice(0, upTo + 1)) await applyStep(repo, type, id, step);
  const rest = steps.slice(upTo + 1);
  if (rest.length) {
    await repo.db('transitions').where('id', key).update({ steps: JSON.stringify(rest), due_at: Date.now() + rest[0].after, claimed_until: 0 });
  } else {
    await repo.db('transitions').where('id', key).delete();
    await release(repo, row.job_id, 'finished');
  }
  return true;
}

/** Drops the object's pending transition, failing its job: what it waited for will not come. */
export async function abandon(repo: Repo, type: StructType, id: string): Promise<void> {
  const key = `${type.name}:${id}`;
  const row: Pick<Row, 'job_id'> | undefined = await repo.db('transitions').where('id', key).first('job_id');
  if (!row) return;
  await repo.db('transitions').where('id', key).delete();
  await release(repo, row.job_id, 'failed');
}

/** What the host monitor does with what a host reports it runs (the qemu runtime). */
export type SurveyHandler = (host: Obj, states: GuestState[]) => Promise<void>;

const CLAIM_MS = 10000;

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastMonitor = 0;
  private readonly me = randomUUID();

  constructor(
    private readonly db: Knex,
    private readonly log: Log,
    private readonly runtime: Runtime,
    private readonly tickMs: number,
    /** More work to do on every tick (image transfers). */
    private readonly more: (() => Promise<void>)[] = [],
    /** Keeps VMs as hosts report them, for a runtime whose guests really run. */
    private readonly onSurvey?: SurveyHandler,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((err: unknown) => this.log.error({ err }, 'transition tick failed'))
        .finally(() => (this.running = undefined));
    }, this.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Applies every due step this process can claim, then checks hosts when it is time. */
  async tick(): Promise<void> {
    const now = Date.now();
    const due: Row[] = await this.db('transitions').where('due_at', '<=', now).andWhere('claimed_until', '<', now).limit(100);
    for (const row of due) {
      const claimed = await this.db('transitions')
        .where({ id: row.id, due_at: row.due_at })
        .andWhere('claimed_until', '<', now)
        .update({ claimed_until: now + CLAIM_MS, claimed_by: this.me });
      if (claimed === 1) await this.advance(row);
    }
    for (const work of this.more) await work();
    if (now - this.lastMonitor >= this.runtime.monitorInterval) {
      this.lastMonitor = now;
      await this.monitorHosts();
    }
  }

  private async advance(row: Row): Promise<void> {
    const type = TYPES[row.type_name];
    const [step, ...rest] = JSON.parse(row.steps) as TransitionStep[];
    // Where hosts report what VMs do, a step that comes due was never reported: it timed out.
    const timedOut = this.runtime.guests !== undefined && row.type_name === 'Vm';
    await this.db.transaction(async (trx) => {
      const repo = new Repo(trx);
      // The object is locked first, as actions lock it before replacing its transition, so the
      // check below sees any replacement made since the claim rather than racing it.
      const obj = await repo.getForUpdate(type, row.object_id);
      const current: Row | undefined = await trx('transitions').where({ id: row.id, claimed_by: this.me }).first();
      if (!current || current.steps !== row.steps) return;
      if (timedOut) {
        await abandon(repo, type, row.object_id);
        if (obj) {
          await recordEvent(repo, {
            code: EventCode.VM_OPERATION_TIMED_OUT, severity: 'error', about: { vm: { id: row.object_id } },
            description: `VM ${String(obj.name)} did not become ${step.status} in time: its host did not report it.`,
          });
        }
        return;
      }
      if (obj) await applyStep(repo, type, row.object_id, step);
      if (obj && rest.length) {
        await trx('transitions').where('id', row.id).update({ steps: JSON.stringify(rest), due_at: Date.now() + rest[0].after, claimed_until: 0 });
      } else {
        await trx('transitions').where('id', row.id).delete();
        // An object removed under its transition fails the job.
        await release(repo, row.job_id, obj ? 'finished' : 'failed');
      }
    });
  }

  /** Hosts that stop answering go non_responsive and their VMs unknown; they come back when they answer. */
  private async monitorHosts(): Promise<void> {
    const repo = new Repo(this.db);
    const watched = [
      ...(await repo.list(T.Host, {}, { where: { status: 'up' } })),
      ...(await repo.list(T.Host, {}, { where: { status: 'non_responsive' } })),
      ...(this.onSurvey ? await repo.list(T.Host, {}, { where: { status: 'preparing_for_maintenance' } }) : []),
    ];
    const survey = this.onSurvey && this.runtime.guests ? await this.runtime.guests.survey(watched) : undefined;
    const answering = survey ? new Set(survey.keys()) : await this.runtime.responsive(watched);
    for (const host of watched) {
      const answers = answering.has(host.id);
      if (host.status === 'up' && !answers) await this.hostLost(host);
      if (host.status === 'non_responsive' && answers) await this.hostBack(host);
    }
    for (const [hostId, states] of survey ?? []) {
      const host = watched.find((h) => h.id === hostId);
      if (host && this.onSurvey) await this.onSurvey(host, states);
    }
  }

  private async hostLost(host: Obj): Promise<void> {
    await this.db.transaction(async (trx) => {
      const repo = new Repo(trx);
      await applyStep(repo, T.Host, String(host.id), {
        after: 0, status: 'non_responsive',
        event: { code: EventCode.HOST_NON_RESPONSIVE, severity: 'alert', description: `Host ${String(host.name)} is not responding.`, about: { host: { id: host.id } } },
      });
      for (const vm of await repo.list(T.Vm, { host: String(host.id) })) {
        if (vm.status === 'down') continue;
        await schedule(repo, T.Vm, vm.id, []);
        await applyStep(repo, T.Vm, vm.id, {
          after: 0, status: 'unknown', set: { status_before_unknown: vm.status },
          event: { code: EventCode.VM_UNKNOWN, severity: 'warning', description: `VM ${String(vm.name)} is in an unknown state: its host ${String(host.name)} does not respond.`, about: { vm: { id: vm.id }, host: { id: host.id } } },
        });
      }
    });
  }

  private async hostBack(host: Obj): Promise<void> {
    await this.db.transaction(async (trx) => {
      const repo = new Repo(trx);
      await applyStep(repo, T.Host, String(host.id), {
        after: 0, status: 'up',
        event: { code: EventCode.HOST_UP, severity: 'normal', description: `Host ${String(host.name)} is responding again.`, about: { host: { id: host.id } } },
      });
      for (const vm of await repo.list(T.Vm, { host: String(host.id) })) {
        if (vm.status !== 'unknown') continue;
        const before = (vm as UnknownVm).status_before_unknown ?? 'up';
        await applyStep(repo, T.Vm, vm.id, { after: 0, status: before, unset: ['status_before_unknown'] });
      }
    });
  }
}
