// A stopping server waits for the requests under way (api/server.ts); an event stream never ends
// by itself, so it would hold the stop for the whole bound. Such responses are closed as the
// server stops: their clients reconnect, with Last-Event-ID, to a process that serves.
import { Plugin, Request } from '@hapi/hapi';
import Boom from '@hapi/boom';

/** Whether an answer runs until its client goes (server-sent events). */
const endless = (request: Request) => !Boom.isBoom(request.response) && /^text\/event-stream\b/.test(String(request.response?.headers['content-type'] ?? ''));

export const draining: Plugin<void> = {
  name: 'hangar-draining',
  register(server) {
    const underWay = new Set<Request>();
    server.ext('onRequest', (request, h) => {
      underWay.add(request);
      return h.continue;
    });
    server.events.on('response', (request) => underWay.delete(request));
    server.ext('onPreStop', () => {
      for (const request of underWay) if (endless(request)) request.raw.req.socket.destroy();
    });
  },
};
