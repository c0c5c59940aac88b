// imageio's ticket control API (`/tickets/{id}`): what lets a control plane other than this
// engine's own install, extend, inspect and remove data-plane tickets. It listens where the
// engine's own user alone can reach it: a Unix socket in a private directory, and, if asked, a
// localhost port that takes a secret (control-access.ts).
import { IncomingMessage, ServerResponse } from 'node:http';
import { Op, TicketSpec, Tickets } from '../services/tickets';
import { ProxyError, count, json, readJsonObject } from './http-util';

const REMOVE_POLL_MS = 100;
const SCHEMES = ['file:', 'nbd:unix:'];

const invalid = (reason: string) => new ProxyError(400, reason);

function optionalString(body: Record<string, unknown>, key: string, pattern = /^.+$/): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(`Invalid ${key}`);
  return value;
}

function flag(body: Record<string, unknown>, key: string): boolean {
  const value = body[key] ?? false;
  if (typeof value !== 'boolean') throw invalid(`Invalid ${key}: a boolean is needed`);
  return value;
}

/** The ticket JSON of `PUT /tickets/{id}`, checked field by field. */
export function parseTicket(id: string, body: Record<string, unknown>): TicketSpec {
  const uuid = optionalString(body, 'uuid');
  if (uuid === undefined) throw invalid('Missing uuid');
  if (uuid !== id) throw invalid(`The ticket uuid '${uuid}' is not the id in the path '${id}'`);
  const ops = body.ops;
  if (!Array.isArray(ops) || ops.length === 0 || !ops.every((op) => op === 'read' || op === 'write')) throw invalid('Invalid or missing ops: a list of read and write is needed');
  const url = optionalString(body, 'url');
  if (url === undefined) throw invalid('Missing url');
  if (!SCHEMES.some((scheme) => url.startsWith(scheme))) throw invalid(`Unsupported url scheme: ${url} (this server serves ${SCHEMES.join(' and ')})`);
  return {
    uuid, size: count(body, 'size'), ops: [...new Set(ops as Op[])], timeout: count(body, 'timeout'), url,
    inactivity_timeout: count(body, 'inactivity_timeout', 60), transfer_id: optionalString(body, 'transfer_id'),
    // It goes into a Content-Disposition header: printable ASCII, no quote or backslash.
    filename: optionalString(body, 'filename', /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/),
    sparse: flag(body, 'sparse'), dirty: flag(body, 'dirty'),
  };
}

export class TicketControl {
  /** `removeTimeoutMs`: how long removing a ticket waits for operations under way (imageio's remove_timeout). */
  constructor(private readonly tickets: Tickets, private readonly removeTimeoutMs: number) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://control');
    const m = /^\/tickets\/([^/]*)$/.exec(pathname);
    if (!m) throw new ProxyError(404, `No resource at ${pathname}`);
    const id = decodeURIComponent(m[1]);
    const method = req.method ?? 'GET';
    if (id === '') {
      if (method !== 'DELETE') throw new ProxyError(400, 'Missing ticket id');
      await this.tickets.remove();
      return answer(res, 204);
    }
    switch (method) {
      case 'PUT':
        await this.tickets.install(parseTicket(id, await readJsonObject(req)));
        return answer(res, 200);
      case 'PATCH': {
        const seconds = count(await readJsonObject(req), 'timeout');
        if (!(await this.tickets.extend(id, seconds))) throw new ProxyError(404, `No such ticket ${id}`);
        return answer(res, 200);
      }
      case 'GET': {
        const status = await this.tickets.status(id);
        if (!status) throw new ProxyError(404, `No such ticket ${id}`);
        return json(res, status);
      }
      case 'DELETE':
        return answer(res, (await this.remove(id)) ? 204 : 409);
      default:
        throw new ProxyError(405, `Method ${method} is not allowed`);
    }
  }

  /**
   * Cancels the ticket at once (new requests get 403, those under way stop at their next piece)
   * and removes it once nothing uses it; false if something still does after the timeout.
   */
  private async remove(id: string): Promise<boolean> {
    const deadline = Date.now() + this.removeTimeoutMs;
    while (!(await this.tickets.cancel(id))) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, REMOVE_POLL_MS));
    }
    await this.tickets.remove(id);
    return true;
  }
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}
