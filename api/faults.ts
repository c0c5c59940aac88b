// Every error leaves as an oVirt fault, in the format the client asked for.
import { randomUUID } from 'node:crypto';
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import Boom from '@hapi/boom';
import * as T from '../model/types';
import { FaultData, databaseFull } from '../services/fault';
import { isDatabaseFull } from '../services/store/connect';
import { responseFormat } from './negotiation';

/**
 * The fault members for a Boom error. Server errors the engine raised as faults (with a reason)
 * say what they are; any other hides its cause from clients (its message may hold SQL or paths).
 */
export function faultOf(err: Boom.Boom): { reason: string; detail: string } {
  const status = err.output.statusCode;
  const data = err.data as FaultData | null;
  if (status >= 500 && !data?.reason) return { reason: 'Operation Failed', detail: 'Internal server error' };
  return { reason: data?.reason ?? err.output.payload.error, detail: err.message };
}

/** The header that gives a server error's request id, as the log names it. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Logs a server error under a new request id, which the client gets too, to report it. */
function logServerError(request: Request, status: number, err: unknown): string {
  const id = randomUUID();
  console.error(`request ${id}: ${request.method.toUpperCase()} ${request.path} answered ${status}:`, err);
  return id;
}

/**
 * The fault for an error that reached the API's edge, and the request id it was logged under
 * if it is a server error. Errors of the database's running out of space are told as such.
 */
export function serverFault(request: Request, err: Boom.Boom): { status: number; fault: { reason: string; detail: string }; id?: string } {
  const answer = isDatabaseFull(err) ? databaseFull() : err;
  const status = answer.output.statusCode;
  const fault = faultOf(answer);
  if (status < 500) return { status, fault };
  const id = logServerError(request, status, err);
  return { status, fault: { ...fault, detail: `${fault.detail} (request id ${id})` }, id };
}

/** Logins refused for a while after repeated failures. */
export function tooManyLogins(retryAfter: number): Boom.Boom {
  const err = new Boom.Boom<FaultData>(`Too many failed logins: try again in ${retryAfter} seconds`, {
    statusCode: 429,
    data: { reason: 'Too Many Requests' },
  });
  err.output.headers['Retry-After'] = String(retryAfter);
  return err;
}

export const faults: Plugin<void> = {
  name: 'hangar-faults',
  register(server) {
    server.ext('onPreResponse', (request: Request, h: ResponseToolkit) => {
      const response = request.response;
      if (!Boom.isBoom(response)) return h.continue;
      const format = responseFormat(request);
      const { status, fault, id } = serverFault(request, response);
      const out = h.response(format.write(T.Fault, fault)).code(status).type(format.mediaType);
      if (id) out.header(REQUEST_ID_HEADER, id);
      for (const [name, value] of Object.entries(response.output.headers)) {
        if (value !== undefined) out.header(name, String(value));
      }
      return out;
    });
  },
};
