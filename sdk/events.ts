// The live audit log, a Hangar addition: `GET /events/stream` answers server-sent events, one per
// event in oVirt's JSON shape with the event's id as the SSE id. A dropped stream is opened
// again from the last event seen (`Last-Event-ID`), so no event is lost or told twice.
import http from 'node:http';
import https from 'node:https';
import readline from 'node:readline';
import * as T from '../model/types';
import type { ObjOf } from '../model/meta';
import { readJson } from '../model/codec/json';
import type { Connection } from './connection';
import { errorFor } from './errors';

export type EventObj = ObjOf<typeof T.Event>;

export interface FollowOptions {
  /** Starts after the event of this id; without it, with what happens next. */
  after?: string;
  /** Ends the stream. */
  signal?: AbortSignal;
  /** How long to wait before opening a dropped stream again (default 1 s). */
  reopenMs?: number;
}

/** Opens the stream; an answer other than 200 is thrown as the fault it is. */
function open(conn: Connection, after: string | undefined, signal?: AbortSignal): Promise<http.IncomingMessage> {
  const url = new URL(`${conn.url}/events/stream`);
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = { Authorization: `Bearer ${conn.token}`, Accept: 'text/event-stream', Version: '4' };
  if (after !== undefined) headers['Last-Event-ID'] = after;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, { headers, signal, ...(secure ? { ca: conn.ca, rejectUnauthorized: !conn.insecure } : {}) }, (res) => {
      if (res.statusCode === 200) return resolve(res);
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => reject(errorFor(res.statusCode ?? 0, http.STATUS_CODES[res.statusCode ?? 0] ?? 'HTTP error', text.trim())));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The messages of one open stream (its id, its data), each once its blank line ends it. */
async function* messages(res: http.IncomingMessage): AsyncGenerator<{ id?: string; data: string }> {
  let id: string | undefined;
  let data: string[] = [];
  for await (const line of readline.createInterface({ input: res, crlfDelay: Infinity })) {
    if (line === '') {
      if (data.length) yield { id, data: data.join('\n') };
      id = undefined;
      data = [];
    } else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
}

/**
 * The engine's events as they are recorded, until `signal` ends the stream; a stream the network
 * or the engine drops is opened again after the last event told.
 */
export async function* followEvents(conn: Connection, o: FollowOptions = {}): AsyncGenerator<EventObj> {
  let last = o.after;
  while (!o.signal?.aborted) {
    let res: http.IncomingMessage;
    try {
      res = await open(conn, last, o.signal);
    } catch (e) {
      if (o.signal?.aborted) return;
      // A fault is the engine's answer; only a failed connection is tried again.
      if ((e as { status?: number }).status !== undefined) throw e;
      await new Promise((r) => setTimeout(r, o.reopenMs ?? 1000));
      continue;
    }
    try {
      for await (const m of messages(res)) {
        if (m.id !== undefined) last = m.id;
        yield readJson(T.Event, m.data) as EventObj;
      }
    } catch {
      // The stream dropped: opened again below, after the last event told.
    }
    if (!o.signal?.aborted) await new Promise((r) => setTimeout(r, o.reopenMs ?? 1000));
  }
}
