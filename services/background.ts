// Work that outlasts its request (a template's disk copies): it starts once the request's
// transaction has committed, and the engine stops it and waits for its end when it closes.
import { Log } from './log';

export class Background {
  constructor(private readonly log: Log) {}

  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  /** Runs `work`; its signal aborts when the engine closes. `work` reports its own failures. */
  start(work: (signal: AbortSignal) => Promise<void>): void {
    const done: Promise<void> = work(this.stopping.signal)
      .catch((err: unknown) => this.log.error({ err }, 'background work failed'))
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Stops what runs and waits until each has ended (and recorded how). */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running]);
  }
}
