// The live audit log (a Hangar addition): `GET /ovirt-engine/api/events/stream` answers
// `text/event-stream`, one SSE message per event in oVirt's JSON shape, with the event id as
// the SSE id, so a client resumes with `Last-Event-ID` (or `?last_event_id=`). Events come from
// the process's one reader of the audit log, which hears of what every engine process records.
import { PassThrough } from 'node:stream';
import { ServerRoute } from '@hapi/hapi';
import * as T from '../model/types';
import { AS_IS, JSON_FORMAT } from '../model/codec';
import { Engine } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { EventFeed, FeedEvent } from '../services/event-feed';
import { badRequest } from '../services/fault';
import { Access } from '../sso/access';
import { principal } from './auth';
import { header } from './negotiation';
import { hrefOf, servedAlone } from './present';
import { API_ROOT } from './versioning';
import { FAULTS } from './openapi-paths';

const HEARTBEAT_MS = 15000;

/** Each event's message, made once for all the streams it is sent on. */
const messages = new WeakMap<FeedEvent, string>();
function messageOf(e: FeedEvent): string {
  let m = messages.get(e);
  if (m === undefined) messages.set(e, (m = `id: ${e.id}\nevent: event\ndata: ${JSON_FORMAT.write(T.Event, e, undefined, AS_IS, servedAlone(hrefOf(T.Event, e)))}\n\n`));
  return m;
}

export function eventStreamRoute(engine: Engine): ServerRoute {
  return {
    method: 'GET',
    path: `${API_ROOT}/events/stream`,
    options: {
      plugins: {
        openapi: {
          tags: ['events'], summary: 'The live audit log',
          description: 'One server-sent event per event of the audit log, as JSON, its id the SSE id; for system administrators.',
          parameters: [
            { name: 'last_event_id', in: 'query', description: 'Resume after this event (as `Last-Event-ID` does).', schema: { type: 'integer' } },
            { name: 'Last-Event-ID', in: 'header', description: 'Resume after this event.', schema: { type: 'integer' } },
          ],
          responses: { 200: { description: 'The stream.', content: { 'text/event-stream': {} } }, ...FAULTS },
        },
      },
    },
    handler: async (request, h) => {
      const repo = new Repo(engine.db);
      if (!(await new Access(repo, principal(request)).isSystemAdmin())) {
        throw badRequest('The event stream is for users with an administrative role on the whole system');
      }
      const given = header(request, 'last-event-id') ?? (request.query as Record<string, string>).last_event_id;
      if (given !== undefined && !/^\d+$/.test(given)) throw badRequest(`Last-Event-ID must be an event id, got '${given}'`);
      const out = new PassThrough();
      const send = (events: FeedEvent[]) => {
        for (const e of events) out.write(messageOf(e));
      };
      // Without a resume point the stream starts with what happens next.
      const unsubscribe = await EventFeed.of(engine.db).subscribe(given === undefined ? undefined : Number(given), send, (e) => out.destroy(e));
      const beat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        unsubscribe();
        clearInterval(beat);
        out.end();
      };
      request.raw.req.once('close', end);
      request.events.once('disconnect', end);
      out.write(': stream of events\n\n');
      return h.response(out)
        .type('text/event-stream')
        .header('Cache-Control', 'no-cache')
        // Compression would hold messages back until a buffer fills.
        .header('Content-Encoding', 'identity');
    },
  };
}
