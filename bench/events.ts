// Delivery latency of the event stream: 50 listeners on an engine process of its own, events
// added one at a time through the API (the next once every listener has the last), latency
// from each event's `time` (set as it is recorded) to its arrival at each listener, and from the
// answer to the request that added it (0 when the event came first), p50/p99.
// On PostgreSQL also across processes: events added on one process, listened to on another.
// Run with `npm run bench:events` (HANGAR_TEST_PG picks the PostgreSQL server, `off` leaves it out).
import { XML } from '../model/codec';
import { ApiClient, BACKENDS, TestEngine, spawnSibling } from '../test/support/engine';
import { EventStream, openStream } from '../test/support/sse';

const LISTENERS = 50;
const EVENTS = 200;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * Adds `EVENTS` events on `add`, each once the streams have the one before; the latencies of
 * every delivery, from the event's time and from the answer to its POST (a committed event).
 */
async function measure(add: string, api: ApiClient, streams: EventStream[]): Promise<{ recorded: number[]; answered: number[] }> {
  const recorded: number[] = [];
  const answered: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const body = `<event><description>bench ${i}</description><severity>normal</severity><origin>bench</origin><custom_id>${Date.now()}${i}</custom_id></event>`;
    const r = await fetch(`${add}/ovirt-engine/api/events`, { method: 'POST', headers: api.headers(), body });
    if (r.status !== 201) throw new Error(`adding an event: ${r.status} ${await r.text()}`);
    await r.text();
    const answer = Date.now();
    for (const s of streams) {
      let [m] = await s.take(1);
      // Adding an event through the API records no other, but the engine may record its own.
      while (m.data.origin !== 'bench') [m] = await s.take(1);
      recorded.push(m.at - Date.parse(String(m.data.time)));
      answered.push(Math.max(0, m.at - answer));
    }
  }
  return { recorded: recorded.sort((a, b) => a - b), answered: answered.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  for (const backend of BACKENDS) {
    const t = await TestEngine.start(backend);
    const api = await ApiClient.of(t, XML);
    const sibling = await spawnSibling(t);
    try {
      const streams = await Promise.all(Array.from({ length: LISTENERS }, () => openStream(sibling.base, api.token)));
      const rounds: [string, string][] = [['one process', sibling.base]];
      if (backend.name === 'PostgreSQL') rounds.push(['across processes', t.base]);
      for (const [name, add] of rounds) {
        const { recorded, answered } = await measure(add, api, streams);
        const figures = (l: number[]) => `p50 ${percentile(l, 50)} ms, p99 ${percentile(l, 99)} ms`;
        console.log(`${backend.name}, ${name}, ${LISTENERS} listeners, ${EVENTS} events: from the event's time ${figures(recorded)}; after its POST's answer ${figures(answered)}`);
      }
      for (const s of streams) s.close();
    } finally {
      await sibling.stop();
      await t.stop();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
