// Versioned schema changes, applied once each and in order by knex.
import { Knex } from 'knex';
import * as T from '../../model/types';
import { createTable } from './tables';
import { seedInventory } from './seed';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const inventoryTypes = () => [
  T.DataCenter, T.Cluster, T.Host, T.StorageDomain, T.Network, T.VnicProfile, T.Template, T.Vm,
  T.Nic, T.Disk, T.DiskAttachment, T.Cdrom, T.Job, T.Step, T.Event, T.User,
];

const migrations: Record<string, Migration> = {
  '001_inventory': {
    async up(knex) {
      for (const type of inventoryTypes()) await createTable(knex, type);
      await knex.schema.createTable('credentials', (t) => {
        t.string('user_id', 64).primary();
        t.string('hash', 512).notNullable();
      });
      await knex.schema.createTable('sso_tokens', (t) => {
        t.string('token_hash', 128).primary();
        t.string('user_id', 64).notNullable();
        t.bigInteger('expires_at').notNullable().index();
      });
    },
    async down(knex) {
      for (const type of inventoryTypes().reverse()) await knex.schema.dropTable(type.plural);
      await knex.schema.dropTable('credentials');
      await knex.schema.dropTable('sso_tokens');
    },
  },
  '002_seed': {
    up: seedInventory,
    async down() {
      // Seeded objects may have been changed by users since; nothing safe to undo.
    },
  },
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

export async function migrate(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource: source });
}
