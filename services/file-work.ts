// File-system work of a request. It can block (a hung NFS mount, a path under /proc), so it never
// runs inside the request's database transaction, which may hold the only SQLite connection:
// behaviours queue it, it runs once the transaction has committed, each step within a time
// bound, and a step that fails puts the database back as it was with the step's `undo`.
import { Knex } from 'knex';
import { Repo } from './store/repo';
import { conflict } from './fault';
import { EventCode, recordEvent } from './events';

export interface FileStep {
  /** What the step does, for the fault when it takes too long ("formatting storage domain x"). */
  what: string;
  /** Does the work; `signal` aborts once the time is up (qemu-img is stopped then). */
  run(signal: AbortSignal): Promise<void>;
  /**
   * Undoes, in a transaction of its own, what the request's transaction did for this step. A step
   * without one only removes files nothing refers to any more: when it fails the request still
   * succeeds, and a warning event says which files stay.
   */
  undo?(repo: Repo): Promise<void>;
}

/**
 * Waits for `work` at most `seconds`, then aborts its signal and fails with a fault naming what did
 * not finish. Work that cannot be stopped (a system call on a hung mount) returns when the mount does.
 */
export async function withinTime<T>(seconds: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stop.abort();
      reject(conflict(`The storage did not answer: ${what} took longer than ${seconds} s`));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work(stop.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The file steps a request queued, run after its transaction. */
export class FileWork {
  private readonly steps: FileStep[] = [];
  constructor(private readonly seconds: number) {}

  /** Queues `step` to run once the transaction has committed. */
  afterCommit(step: FileStep): void {
    this.steps.push(step);
  }

  /**
   * Runs the queued steps in order. When one with an undo fails, undoes it and those not yet run,
   * then throws its error; when a clean-up step fails, records what it left and goes on.
   */
  async run(db: Knex): Promise<void> {
    for (const [i, step] of this.steps.entries()) {
      try {
        await withinTime(this.seconds, step.what, (signal) => step.run(signal));
      } catch (e) {
        if (!step.undo) {
          await db.transaction((trx) => recordEvent(new Repo(trx), {
            code: EventCode.STORAGE_CLEANUP_FAILED, severity: 'warning',
            description: `Files stay on the storage: ${step.what} failed (${e instanceof Error ? e.message : String(e)}).`,
          }));
          continue;
        }
        await db.transaction(async (trx) => {
          const repo = new Repo(trx);
          for (const undone of this.steps.slice(i).reverse()) await undone.undo?.(repo);
        });
        throw e;
      }
    }
  }
}
