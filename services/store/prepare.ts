// Bringing a database to what this engine's code expects, at every start: the model's tables
// (see schema.ts), then the versioned migrations, in one transaction and under a lock, so that
// processes starting together on one database do it once, and a refused start changes nothing.
import { Knex } from 'knex';
import { StructType } from '../../model/meta';
import { storedTypes } from '../../model/tree';
import { lockSchema } from './connect';
import { MIGRATIONS, Migration, migrate } from './migrations';
import { addMissing, differences } from './schema';

export async function prepareStore(
  db: Knex,
  types: readonly StructType[] = storedTypes(),
  migrations: Readonly<Record<string, Migration>> = MIGRATIONS,
): Promise<void> {
  await db.transaction(async (trx) => {
    await lockSchema(trx);
    // Migrations come after the additions, so the data they change has every column the model
    // derives, and before the comparison, so a migration may drop or convert what it no longer does.
    await addMissing(trx, types);
    await migrate(trx, migrations);
    const found = await differences(trx, types);
    if (found.length) {
      throw new Error(`the database does not follow the model: ${found.join('; ')}. A versioned migration must drop or convert what the model no longer derives`);
    }
  });
}
