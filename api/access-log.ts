// The API's structured log, through hapi-pino: every request gets an id (the client's, when it
// sent a safe one, see services/request-id.ts), echoed in `Correlation-Id` and `X-Request-Id`, and
// a logger bound to it (`request.logger`, which the faults plugin logs server errors with); one
// access line is written when it is answered, and its duration goes to the metrics.
// Registered before every other plugin, so that even a request refused at `onRequest` has both.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import Boom from '@hapi/boom';
import HapiPino from 'hapi-pino';
import { Engine } from '../services/behaviour';
import { REQUEST_ID_HEADERS, requestIdOf } from '../services/request-id';
import { callerName } from './auth';

declare module '@hapi/hapi' {
  interface RequestApplicationState {
    /** The id the logs and the client know the request by. */
    requestId?: string;
    /** Bytes the connection had sent before this request: what it sent for this one is the rest. */
    sentBefore?: number;
  }
}

/** The request's id, as the log and its answer name it. */
export const requestIdOfRequest = (request: Request): string => (request.app.requestId ??= requestIdOf((name) => request.headers[name] as string | string[] | undefined));

const requestIds: Plugin<void> = {
  name: 'hangar-request-ids',
  register(server) {
    server.ext('onRequest', (request: Request, h: ResponseToolkit) => {
      requestIdOfRequest(request);
      request.app.sentBefore = request.raw.req.socket?.bytesWritten ?? 0;
      return h.continue;
    });
    server.ext('onPreResponse', (request: Request, h: ResponseToolkit) => {
      const id = requestIdOfRequest(request);
      const response = request.response;
      for (const name of REQUEST_ID_HEADERS) {
        if (Boom.isBoom(response)) response.output.headers[name] = id;
        else response.header(name, id);
      }
      return h.continue;
    });
  },
};

/** The access line of an answered request, and its place in the metrics. */
function answered(engine: Engine, request: Request): void {
  const status = request.raw.res.statusCode;
  const ms = (request.info.completed || request.info.responded || Date.now()) - request.info.received;
  const method = request.method.toUpperCase();
  const route = request.route.path;
  engine.metrics.request('api', method, route, status, ms / 1000);
  const socket = request.raw.req.socket;
  request.logger.info({
    method, route, path: request.path, status, ms, bytes: socket ? socket.bytesWritten - (request.app.sentBefore ?? 0) : 0, user: callerName(request),
  }, `${method} ${route} ${status}`);
}

export const accessLog: Plugin<Engine> = {
  name: 'hangar-access-log',
  async register(server, engine) {
    await server.register(requestIds);
    await server.register({
      plugin: HapiPino,
      options: {
        instance: engine.log,
        getChildBindings: (request) => ({ reqId: requestIdOfRequest(request) }),
        // The access line is ours (with the route template and the user); server errors are
        // logged once, by the faults plugin, with the fault the client got.
        logRequestComplete: false,
        logEvents: [],
      },
    });
    server.events.on('response', (request) => answered(engine, request));
  },
};
