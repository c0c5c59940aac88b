// The correlation id a client gives a request (`Correlation-Id` header or `correlation_id` query
// parameter, as oVirt takes them), held for the request's whole run so that every job and event
// it causes records it, however deep the code that records them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { badRequest } from './fault';

const current = new AsyncLocalStorage<string | undefined>();

/** What oVirt stores: at most 50 letters, digits, `-` and `_`. */
const VALID = /^[A-Za-z0-9_-]{1,50}$/;

/** Runs `run` on behalf of a request that gave `id` (checked first; undefined when it gave none). */
export function withCorrelation<R>(id: string | undefined, run: () => R): R {
  if (id !== undefined && !VALID.test(id)) {
    throw badRequest(`The correlation id '${id}' is not valid: it must be at most 50 letters, digits, '-' and '_'`);
  }
  return current.run(id, run);
}

/** The correlation id of the request running now, if it gave one. */
export const correlationId = (): string | undefined => current.getStore();
