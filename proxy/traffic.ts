// What the data plane's listeners (images and ticket control) tell of each request: an id (the
// client's, when safe, see services/request-id.ts) echoed in the answer, one access line and its
// place in the metrics when it closes; and the requests being handled, so that a stopping proxy
// lets them finish for a while before it cuts them.
import { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Log } from '../services/log';
import { Metrics } from '../services/metrics';
import { REQUEST_ID_HEADERS, requestIdOf } from '../services/request-id';

/** The route template of a data-plane path: the ticket id (a credential) or control ticket id never appears. */
export const routeOf = (url: string | undefined) => (url ?? '/').split('?', 1)[0].replace(/^\/(images|tickets)\/[^/]+/, (_, at: string) => `/${at}/{${at === 'images' ? 'ticket' : 'id'}}`);

export class Traffic {
  private readonly running = new Set<Promise<unknown>>();

  constructor(readonly log: Log, private readonly metrics: Metrics) {}

  /** Starts following a request until its answer ends or its connection closes; answers the request's logger. */
  begin(req: IncomingMessage, res: ServerResponse): Log {
    const id = requestIdOf((name) => req.headers[name]);
    for (const name of REQUEST_ID_HEADERS) res.setHeader(name, id);
    const log = this.log.child({ reqId: id });
    const started = process.hrtime.bigint();
    const socket = req.socket;
    const [sentBefore, readBefore] = [socket.bytesWritten, socket.bytesRead];
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const method = req.method ?? 'GET';
      const route = routeOf(req.url);
      // A request cut before its answer began has no status.
      const status = res.headersSent ? res.statusCode : 0;
      this.metrics.request('proxy', method, route, status, ms / 1000);
      log.info({ method, route, status, ms: Math.round(ms), bytes: socket.bytesWritten - sentBefore, received: socket.bytesRead - readBefore }, `${method} ${route} ${status || 'not answered'}`);
    });
    return log;
  }

  /** Holds `work` (a request's handling) among those under way until it settles. */
  track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** Resolves once no request is being handled, or after `ms` milliseconds. */
  async settled(ms: number): Promise<void> {
    const bound = sleep(ms, undefined, { ref: false });
    while (this.running.size > 0) {
      if ((await Promise.race([Promise.allSettled([...this.running]), bound.then(() => 'late' as const)])) === 'late') return;
    }
  }
}
