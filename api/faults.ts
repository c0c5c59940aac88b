// Every error leaves as an oVirt fault, in the format the client asked for.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import Boom from '@hapi/boom';
import * as T from '../model/types';
import { FaultData } from '../services/fault';
import { responseFormat } from './negotiation';

/** The fault members for a Boom error; internal errors hide their cause from clients. */
export function faultOf(err: Boom.Boom): { reason: string; detail: string } {
  const status = err.output.statusCode;
  if (status >= 500) return { reason: 'Operation Failed', detail: 'Internal server error' };
  const data = err.data as FaultData | null;
  return { reason: data?.reason ?? err.output.payload.error, detail: err.message };
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
      if (response.output.statusCode >= 500) request.log(['error'], response);
      const format = responseFormat(request);
      const out = h
        .response(format.write(T.Fault, faultOf(response)))
        .code(response.output.statusCode)
        .type(format.mediaType);
      for (const [name, value] of Object.entries(response.output.headers)) {
        if (value !== undefined) out.header(name, String(value));
      }
      return out;
    });
  },
};
