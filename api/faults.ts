// Every error leaves as an oVirt fault, in the format the client asked for.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import Boom from '@hapi/boom';
import * as T from '../model/types';
import { FaultData, databaseFull } from '../services/fault';
import { isDatabaseFull } from '../services/store/connect';
import { responseFormat } from './negotiation';
import { requestIdOfRequest } from './access-log';

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

/** Logs a server error, with its stack, under the request's id, which the client gets too (in the answer's headers), to report it. */
function logServerError(request: Request, status: number, err: unknown): string {
  request.logger.error({ err, status }, `${request.method.toUpperCase()} ${request.path} answered ${status}`);
  return requestIdOfRequest(request);
}

/**
 * The fault for an error that reached the API's edge; a server error's names the request id it
 * was logged under. Errors of the database's running out of space are told as such.
 */
export function serverFault(request: Request, err: Boom.Boom): { status: number; fault: { reason: string; detail: string } } {
  const answer = isDatabaseFull(err) ? databaseFull() : err;
  const status = answer.output.statusCode;
  const fault = faultOf(answer);
  if (status < 500) return { status, fault };
  const id = logServerError(request, status, err);
  return { status, fault: { ...fault, detail: `${fault.detail} (request id ${id})` } };
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
      const { status, fault } = serverFault(request, response);
      const out = h.response(format.write(T.Fault, fault)).code(status).type(format.mediaType);
      for (const [name, value] of Object.entries(response.output.headers)) {
        if (value !== undefined) out.header(name, String(value));
      }
      return out;
    });
  },
};
