// A client of the event stream: reads its SSE messages as they come.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { JSON_FORMAT, Obj } from '../../model/codec';

export interface Message {
  id: number;
  data: Obj;
  /** When it arrived (`Date.now()`). */
  at: number;
}

export interface EventStream {
  /** The next `n` events, waiting for them (failing after a while). */
  take(n: number): Promise<Message[]>;
  close(): void;
}

/** Opens `GET /ovirt-engine/api/events/stream` on `base`; it is ready once its first comment came. */
export async function openStream(base: string, token: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const res = await fetch(`${base}/ovirt-engine/api/events/stream`, { headers: { Authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const got: Message[] = [];
  let buffer = '';
  let opened = false;
  const more = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended');
    buffer += Buffer.from(value).toString();
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (message.startsWith(':')) opened = true;
      const id = /^id: (\d+)$/m.exec(message)?.[1];
      const data = /^data: (.*)$/m.exec(message)?.[1];
      if (id && data) got.push({ id: Number(id), data: JSON_FORMAT.read(T.Event, data), at: Date.now() });
    }
  };
  while (!opened) await more();
  return {
    async take(n) {
      const deadline = setTimeout(() => controller.abort(), 10000);
      try {
        while (got.length < n) await more();
      } finally {
        clearTimeout(deadline);
      }
      return got.splice(0, n);
    },
    close: () => controller.abort(),
  };
}
