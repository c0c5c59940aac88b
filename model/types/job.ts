// Jobs and their steps.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, date, defineEntity, enumOf, int, link, links, own, str } from '../meta';
import { Statistic } from './common';
import { ExternalSystemType, JobStatus, StepEnum, StepStatus } from './enums';
import { Host } from './host';
import { User } from './user';

export const Job = defineEntity('Job', {
  search: { status: own('status'), start_time: own('start_time'), end_time: own('end_time'), external: own('external'), correlation_id: own('correlation_id') },
  doc: 'A long-running operation tracked by the engine.' }, {
  auto_cleared: bool('Whether the job is removed automatically after it ends.'),
  // Hangar extension: oVirt keeps a job's correlation id and searches by it, but its Job does not show it.
  correlation_id: str('Correlation id of the request that started the job.', { readOnly: true }),
  end_time: date('When the job ended.', { readOnly: true }),
  external: bool('Whether the job was created by an external system.', { readOnly: true }),
  last_updated: date('When it was last changed.', { readOnly: true }),
  start_time: date('When the job started.', { readOnly: true }),
  status: enumOf(JobStatus, 'Current status of the job.', { readOnly: true, column: true }),
  owner: link(() => User, 'User who started the job.', { readOnly: true }),
  steps: links(() => Step, 'Steps of the job.', { rel: 'steps' }),
});

export const Step = defineEntity('Step', { doc: 'One part of a job, possibly with nested steps.' }, {
  end_time: date('When the step ended.', { readOnly: true }),
  external: bool('Whether the step was created by an external system.', { readOnly: true }),
  external_type: enumOf(ExternalSystemType, 'External system the step belongs to.'),
  number: int('Position of the step in its job.', { readOnly: true }),
  progress: int('Completion percentage of the step.'),
  start_time: date('When the step started.', { readOnly: true }),
  status: enumOf(StepStatus, 'Current status of the step.', { readOnly: true, column: true }),
  type: enumOf(StepEnum, 'Kind of step.'),
  execution_host: link(() => Host, 'Host that runs the step.', { readOnly: true }),
  job: link(() => Job, 'Job the step belongs to.'),
  parent_step: link(() => Step, 'Step that contains this one.'),
  statistics: links(() => Statistic, 'Statistics of the step.', { readOnly: true, rel: 'statistics' }),
});
