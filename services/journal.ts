// Jobs, their steps, and the audit log: read through the API, written by the engine.
import * as S from '../model/services';
import { implement } from './behaviour';
import { storedCollection, storedEntity } from './stored';

implement(S.Jobs, storedCollection(S.Jobs));
implement(S.JobEntity, storedEntity(S.Jobs, S.JobEntity));
implement(S.JobSteps, storedCollection(S.JobSteps));
implement(S.JobStep, storedEntity(S.JobSteps, S.JobStep));
implement(S.Events, storedCollection(S.Events));
implement(S.EventEntity, storedEntity(S.Events, S.EventEntity));
