// Counting what a piece of work asks of the database.
import { Knex } from 'knex';

/** The SQL statements run while `work` runs, on the engine's database. */
export async function statementsDuring(db: Knex, work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (q: { sql: string }) => seen.push(q.sql);
  db.on('query', listen);
  try {
    await work();
  } finally {
    db.removeListener('query', listen);
  }
  return seen;
}
