// File-system work of a request. It can block (a hung NFS mount, a path under /proc), so it never
// runs inside the request's database transaction, which may hold the only SQLite connection:
// behaviours queue it, it runs once the transaction has committed, each step within a time
// bound, and a step that fails puts the database back as it was with the step's `undo`.
import { Knex } from 'knex';
import { Repo } from './store/repo';
import { conflict } from './fault';

export interface FileStep {
  /** What the step does, for the fault when it takes too long ("formatting storage domain x"). */
  what: string;
  run(): Promise<void>;
  /** Undoes, in a transaction of its own, what the request's transaction did for this step. */
  undo(repo: Repo): Promise<void>;
}

/**
 * Waits for `work` at most `seconds`, then fails with a fault naming what did not finish. The
 * work itself cannot be stopped (a system call on a hung mount returns when the mount does).
 */
export async function withinTime<T>(seconds: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(conflict(`The storage did not answer: ${what} took longer than ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, late]);
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

  /** Runs the queued steps in order; when one fails, undoes it and those not yet run, then throws its error. */
  async run(db: Knex): Promise<void> {
    for (const [i, step] of this.steps.entries()) {
      try {
        await withinTime(this.seconds, step.what, step.run());
      } catch (e) {
        await db.transaction(async (trx) => {
          const repo = new Repo(trx);
          for (const undone of this.steps.slice(i).reverse()) await undone.undo(repo);
        });
        throw e;
      }
    }
  }
}
