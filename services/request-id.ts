// The id of a request, as the logs and the client know it: the one the client sent in
// `Correlation-Id` or `X-Request-Id` when it is a short token of safe characters (so a log line
// cannot be forged or flooded through it), else a new UUID. Answers carry it in both headers.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADERS = ['Correlation-Id', 'X-Request-Id'] as const;

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id, from a reader of its headers (by lower-case name). */
export function requestIdOf(header: (name: string) => string | string[] | undefined): string {
  for (const name of REQUEST_ID_HEADERS) {
    const given = header(name.toLowerCase());
    if (typeof given === 'string' && SAFE_ID.test(given)) return given;
  }
  return randomUUID();
}
