// The audit log: what the engine records as events, with stable codes (listed in the README),
// and how long it keeps them. Event ids are numbers that grow with time, so clients can ask for
// what came after one.
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Knex } from 'knex';
import { Repo } from './store/repo';
import { tableOf } from './store/tables';
import { countWrite } from './store/committed';
import { Engine } from './behaviour';
import { correlationId } from './correlation';

export const EventCode = {
  USER_LOGIN: 30,
  USER_LOGOUT: 31,
  USER_LOGIN_FAILED: 114,
  USER_LOGIN_LOCKED: 9001,
  OBJECT_ADDED: 9100,
  OBJECT_UPDATED: 9101,
  OBJECT_REMOVED: 9102,
  VM_STARTING: 9200,
  VM_UP: 9201,
  VM_DOWN: 9202,
  VM_POWERING_DOWN: 9203,
  VM_REBOOTING: 9204,
  VM_SUSPENDING: 9205,
  VM_SUSPENDED: 9206,
  VM_RESTORING: 9207,
  VM_MIGRATING: 9208,
  VM_MIGRATED: 9209,
  VM_MIGRATION_CANCELLED: 9210,
  VM_UNKNOWN: 9211,
  VM_RESET: 9212,
  VM_OPERATION_TIMED_OUT: 9213,
  // oVirt's codes for a VM that went down with an error, a failed migration and a failed install.
  VM_DOWN_ERROR: 119,
  VM_MIGRATION_FAILED: 65,
  HOST_INSTALL_FAILED: 505,
  HOST_INSTALLING: 9300,
  HOST_UP: 9301,
  HOST_PREPARING_MAINTENANCE: 9302,
  HOST_MAINTENANCE: 9303,
  HOST_NON_RESPONSIVE: 9304,
  HOST_ACTIVATING: 9305,
  HOST_NETWORKS_CHANGED: 9306,
  HOST_NETWORKS_COMMITTED: 9307,
  HOST_CERTIFICATE_ENROLLED: 9308,
  HOST_POWERED_OFF: 9309,
  HOST_POWERED_ON: 9310,
  HOST_FENCED_MANUALLY: 9311,
  HOST_SPM_SELECTED: 9312,
  // oVirt's code for a finished check for updates: clients wait for it (the SDK's upgrade_host.py).
  HOST_UPDATES_CHECKED: 885,
  DATA_CENTER_MASTER_SWITCHED: 9600,
  DATA_CENTER_TASKS_CLEANED: 9601,
  CLUSTER_EMULATED_MACHINE_RESET: 9602,
  CLUSTER_UPGRADE: 9603,
  TRANSFER_FINISHED: 9400,
  TRANSFER_FAILED: 9401,
  TRANSFER_PAUSED: 9402,
  // oVirt's codes for a VM backup's start and end.
  VM_BACKUP_STARTED: 10790,
  VM_BACKUP_COMPLETED: 10791,
  VM_BACKUP_FAILED: 10792,
  // oVirt's codes for the end of a template's and a VM's creation, when their disks are made.
  TEMPLATE_CREATED: 51,
  TEMPLATE_CREATION_FAILED: 52,
  VM_CREATED: 53,
  VM_CREATION_FAILED: 60,
  STORAGE_CLEANUP_FAILED: 9500,
  VM_POOL_PRESTART_FAILED: 9604,
  QUOTA_CLUSTER_EXCEEDED: 9605,
  QUOTA_STORAGE_EXCEEDED: 9606,
} as const;

export type Severity = 'normal' | 'warning' | 'error' | 'alert';

export interface EventSpec {
  code: number;
  severity: Severity;
  description: string;
  userId?: string;
  /** Objects the event is about: `{ vm: {id}, host: {id} }`. */
  about?: Obj;
  /** Who reported it, for external events; the engine's own are `hangar`. */
  origin?: string;
  customId?: number;
  /** The correlation id of the request that caused it; by default, of the request running now. */
  correlationId?: string;
}

function withCorrelationOf(e: EventSpec): Obj {
  const id = e.correlationId ?? correlationId();
  return id === undefined ? {} : { correlation_id: id };
}

export async function recordEvent(repo: Repo, e: EventSpec): Promise<Obj> {
  return repo.insertNumbered(T.Event, {
    code: e.code,
    severity: e.severity,
    description: e.description,
    time: new Date().toISOString(),
    origin: e.origin ?? 'hangar',
    ...(e.customId !== undefined ? { custom_id: e.customId } : {}),
    ...(e.userId ? { user: { id: e.userId } } : {}),
    ...withCorrelationOf(e),
    ...e.about,
  });
}

/** Removes at most `batch` of the events older than `before` (an ISO time), the oldest first; how many it removed. */
export async function purgeEvents(db: Knex, before: string, batch: number): Promise<number> {
  const table = tableOf(T.Event).name;
  const removed = await db(table).whereIn('seq', db(table).select('seq').where('time', '<', before).orderBy('seq').limit(batch)).delete();
  if (removed) countWrite(db, T.Event);
  return removed;
}

const PURGE_BATCH = 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * The retention of the audit log, on the engine's ticks: one bounded batch of events past
 * `eventRetentionDays` a tick while any are left (so no tick is held long), then a pause.
 */
export function eventRetention(engine: Engine, batch = PURGE_BATCH): () => Promise<void> {
  let next = 0;
  return async () => {
    const days = engine.config.eventRetentionDays;
    if (days <= 0 || Date.now() < next) return;
    const removed = await purgeEvents(engine.db, new Date(Date.now() - days * DAY_MS).toISOString(), batch);
    if (removed < batch) next = Date.now() + PURGE_EVERY_MS;
  };
}
