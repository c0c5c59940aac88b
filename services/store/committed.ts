// What this process has committed, for the caches that hold what rows said: a cache compares the
// count of committed writes to a type's table with the count it was filled at, and knows it is stale.
import { Knex } from 'knex';
import { StructType } from '../../model/meta';

const writes = new Map<StructType, number>();

/** Runs `then` once the work done on `db` so far is committed: at once outside a transaction. */
export function onCommit(db: Knex | Knex.Transaction, then: () => void): void {
  const committed = 'executionPromise' in db ? db.executionPromise : Promise.resolve();
  committed.then(then, () => undefined);
}

/** Counts a write to `type`'s table, once it is committed. */
export function countWrite(db: Knex | Knex.Transaction, type: StructType): void {
  onCommit(db, () => writes.set(type, (writes.get(type) ?? 0) + 1));
}

/** The committed writes of this process to the tables of `types`, together. */
export function writesTo(types: readonly StructType[]): number {
  return types.reduce((n, t) => n + (writes.get(t) ?? 0), 0);
}
