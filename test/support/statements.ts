// What a piece of work asks of the database, and what the database answers it.
import { Knex } from 'knex';

/** Runs `work` with `listener` on the database's `event`. */
async function listening(db: Knex, event: 'query' | 'query-response', listener: Parameters<Knex['on']>[1], work: () => Promise<unknown>): Promise<void> {
  db.on(event, listener);
  try {
    await work();
  } finally {
    db.removeListener(event, listener);
  }
}

/** The SQL statements run while `work` runs, on the engine's database. */
export async function statementsDuring(db: Knex, work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  await listening(db, 'query', (q: { sql: string }) => seen.push(q.sql), work);
  return seen;
}

/** The number of rows each query reading `table` answered while `work` ran, in order: for tests of how a list reads its table. */
export async function rowsRead(db: Knex, table: string, work: () => Promise<unknown>): Promise<number[]> {
  const rows: number[] = [];
  const from = new RegExp(`from ["\`]${table}["\`]`);
  await listening(db, 'query-response', (response: unknown, q: { sql?: string }) => {
    if (from.test(String(q.sql)) && Array.isArray(response)) rows.push(response.length);
  }, work);
  return rows;
}
