// What the database answered while some work ran: for tests of how a list reads its table.
import { Knex } from 'knex';

/** The number of rows each query reading `table` answered while `work` ran, in order. */
export async function rowsRead(db: Knex, table: string, work: () => Promise<unknown>): Promise<number[]> {
  const rows: number[] = [];
  const from = new RegExp(`from ["\`]${table}["\`]`);
  const count = (response: unknown, q: { sql?: string }) => {
    if (from.test(String(q.sql)) && Array.isArray(response)) rows.push(response.length);
  };
  db.on('query-response', count);
  try {
    await work();
  } finally {
    db.removeListener('query-response', count);
  }
  return rows;
}
