// The audit log: what the engine records as events, with stable codes.
import { randomUUID } from 'node:crypto';
import * as T from '../model/types';
import { Repo } from './store/repo';

/** Event codes; oVirt's where it has one for the same thing. */
export const EventCode = {
  USER_LOGIN: 30,
  USER_LOGOUT: 31,
  USER_LOGIN_FAILED: 114,
  /** Hangar: logins refused for a while after repeated failures. */
  USER_LOGIN_LOCKED: 9001,
} as const;

export type Severity = 'normal' | 'warning' | 'error' | 'alert';

export async function recordEvent(
  repo: Repo,
  e: { code: number; severity: Severity; description: string; userId?: string },
): Promise<void> {
  await repo.insert(T.Event, {
    id: randomUUID(),
    code: e.code,
    severity: e.severity,
    description: e.description,
    time: new Date().toISOString(),
    origin: 'hangar',
    ...(e.userId ? { user: { id: e.userId } } : {}),
  });
}
