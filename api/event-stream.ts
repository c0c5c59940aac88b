// The live audit log (a Hangar addition): `GET /ovirt-engine/api/events/stream` answers
// `text/event-stream`, one SSE message per event in oVirt's JSON shape, with the event id as
// the SSE id, so a client resumes with `Last-Event-ID` (or `?last_event_id=`). Events are read
// from the database, so a stream sees what every engine process records.
import { PassThrough } from 'node:stream';
import { ServerRoute } from '@hapi/hapi';
import * as T from '../model/types';
import { JSON_FORMAT } from '../model/codec';
import { Engine } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { badRequest } from '../services/fault';
import { Access } from '../sso/access';
import { principal } from './auth';
import { header } from './negotiation';
import { hrefOf } from './present';
import { API_ROOT } from './versioning';

const POLL_MS = 100;
const HEARTBEAT_MS = 15000;

export function eventStreamRoute(engine: Engine): ServerRoute {
  return {
    method: 'GET',
    path: `${API_ROOT}/events/stream`,
    handler: async (request, h) => {
      const repo = new Repo(engine.db);
      if (!(await new Access(repo, principal(request)).isSystemAdmin())) {
        throw badRequest('The event stream is for users with an administrative role on the whole system');
      }
      const given = header(request, 'last-event-id') ?? (request.query as Record<string, string>).last_event_id;
      if (given !== undefined && !/^\d+$/.test(given)) throw badRequest(`Last-Event-ID must be an event id, got '${given}'`);
      // Without a resume point the stream starts with what happens next.
      let last = given !== undefined ? Number(given) : Number((await repo.list(T.Event, {}, { max: 1, newestFirst: true }))[0]?.id ?? 0);
      const out = new PassThrough();
      let busy = false;
      const send = async () => {
        if (busy) return;
        busy = true;
        try {
          for (const e of (await repo.list(T.Event, {}, { after: last, max: 500 }))) {
            last = Number(e.id);
            out.write(`id: ${last}\nevent: event\ndata: ${JSON_FORMAT.write(T.Event, { ...e, href: hrefOf(T.Event, e) })}\n\n`);
          }
        } catch (err) {
          out.destroy(err as Error);
        } finally {
          busy = false;
        }
      };
      const poll = setInterval(() => void send(), POLL_MS);
      const beat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(poll);
        clearInterval(beat);
        out.end();
      };
      request.raw.req.once('close', end);
      request.events.once('disconnect', end);
      out.write(': stream of events\n\n');
      void send();
      return h.response(out)
        .type('text/event-stream')
        .header('Cache-Control', 'no-cache')
        // Compression would hold messages back until a buffer fills.
        .header('Content-Encoding', 'identity');
    },
  };
}
