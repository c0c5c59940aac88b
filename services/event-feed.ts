// One reader of the audit log per process and database: told that events were appended (by this
// process or, on PostgreSQL, another), it reads what is new once and hands it, in order, to
// every subscriber. A subscriber resuming from an older event reads its way up to the feed first.
import { Knex } from 'knex';
import * as T from '../model/types';
import { Repo, StoredObj } from './store/repo';
import { tableOf } from './store/tables';
import { watchAppends } from './store/appends';

export type FeedEvent = StoredObj<typeof T.Event>;

const BATCH = 500;

/**
 * How long a missing number waits for its event: PostgreSQL draws numbers before the commit, so
 * a later event may commit first; a number still missing after this is one rolled back.
 */
const GAP_MS = 2000;

interface Subscriber {
  /** The last event it was given. */
  last: number;
  /** Whether it is up to the feed and takes what the feed reads. */
  live: boolean;
  deliver(events: FeedEvent[]): void;
  fail(e: Error): void;
}

const feeds = new WeakMap<Knex, EventFeed>();
const seqOf = (e: FeedEvent) => Number(e.id);

export class EventFeed {
  private readonly subscribers = new Set<Subscriber>();
  private readonly repo: Repo;
  /** The last event read and handed on. */
  private last = 0;
  private watching?: Promise<() => Promise<void>>;
  private reading = false;
  private again = false;
  private gap?: { seq: number; since: number; timer: NodeJS.Timeout };

  private constructor(private readonly db: Knex) {
    this.repo = new Repo(db);
  }

  static of(db: Knex): EventFeed {
    let feed = feeds.get(db);
    if (!feed) feeds.set(db, (feed = new EventFeed(db)));
    return feed;
  }

  /**
   * Gives `deliver` every event after `after` (without it, from the next one on), in order, until
   * the returned function is called; `fail` is told if reading fails.
   */
  async subscribe(after: number | undefined, deliver: (events: FeedEvent[]) => void, fail: (e: Error) => void): Promise<() => void> {
    await this.start();
    const sub: Subscriber = { last: after ?? this.last, live: false, deliver, fail };
    this.subscribers.add(sub);
    void this.catchUp(sub);
    return () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  private async start(): Promise<void> {
    this.watching ??= (async () => {
      this.last = Number((await this.repo.list(T.Event, {}, { max: 1, newestFirst: true }))[0]?.id ?? 0);
      return watchAppends(this.db, tableOf(T.Event).name, () => void this.read());
    })();
    try {
      await this.watching;
    } catch (e) {
      this.watching = undefined;
      throw e;
    }
  }

  private stop(): void {
    const watching = this.watching;
    this.watching = undefined;
    clearTimeout(this.gap?.timer);
    this.gap = undefined;
    void watching?.then((unwatch) => unwatch(), () => undefined);
  }

  /** Reads the events after the subscriber's last, up to the feed's, then lets it take the feed's. */
  private async catchUp(sub: Subscriber): Promise<void> {
    try {
      while (sub.last < this.last && this.subscribers.has(sub)) {
        const upTo = this.last;
        const rows = await this.repo.list(T.Event, {}, { after: sub.last, max: BATCH });
        const mine = rows.filter((e) => seqOf(e) <= upTo);
        if (mine.length) sub.deliver(mine);
        sub.last = rows.length === BATCH && mine.length === rows.length ? seqOf(mine[mine.length - 1]) : Math.max(sub.last, upTo);
      }
      sub.live = true;
    } catch (e) {
      sub.fail(e as Error);
    }
  }

  /** Reads what is new, once for every subscriber; a call while reading makes it read again after. */
  private async read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        const rows = await this.repo.list(T.Event, {}, { after: this.last, max: BATCH });
        const ready = this.inOrder(rows);
        if (ready.length === 0) continue;
        this.last = seqOf(ready[ready.length - 1]);
        for (const sub of this.subscribers) {
          if (!sub.live) continue;
          const news = ready.filter((e) => seqOf(e) > sub.last);
          sub.last = this.last;
          if (news.length) sub.deliver(news);
        }
        if (rows.length === BATCH && ready.length === rows.length) this.again = true;
      } while (this.again && this.watching);
    } catch (e) {
      for (const sub of this.subscribers) sub.fail(e as Error);
    } finally {
      this.reading = false;
    }
  }

  /** The rows that may be handed on now: up to a missing number, unless it has been missing too long. */
  private inOrder(rows: FeedEvent[]): FeedEvent[] {
    let expected = this.last + 1;
    let i = 0;
    for (; i < rows.length; i++) {
      const seq = seqOf(rows[i]);
      if (seq !== expected && !this.givenUp(expected)) break;
      expected = seq + 1;
    }
    if (i === rows.length && this.gap) {
      clearTimeout(this.gap.timer);
      this.gap = undefined;
    }
    return rows.slice(0, i);
  }

  /** Whether the missing number `seq` has waited its time; the first time, it starts waiting. */
  private givenUp(seq: number): boolean {
    if (this.gap?.seq === seq) return Date.now() - this.gap.since >= GAP_MS;
    clearTimeout(this.gap?.timer);
    const timer = setTimeout(() => void this.read(), GAP_MS);
    timer.unref();
    this.gap = { seq, since: Date.now(), timer };
    return false;
  }
}
