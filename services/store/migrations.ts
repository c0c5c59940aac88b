// Versioned changes, applied once each and in order by knex: data changes, and the tables the
// model does not derive. The model's own tables follow it by themselves (schema.ts); the
// migrations that made them once stay, empty, for the databases that ran them.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Knex } from 'knex';
import { StructType } from '../../model/meta';
import { storedTypes } from '../../model/tree';
import { TableSpec, dataOf, tableOf } from './tables';
import * as T from '../../model/types';
import { DEFAULT_MAC_POOL_ID, ROOT_TAG, seedAccess, seedDefaultMacPool, seedInstanceTypes, seedInventory, seedRootTag } from './seed';
import { INSTANCE_TYPES } from '../facts/instance-types';
import { MANAGEMENT_NETWORK, assignManagementNetwork } from './management-network';
import { Repo } from './repo';
import { mergeInto } from '../stored';
import { CLUSTER_DEFAULTS } from '../facts/cluster-defaults';
import { withVmBaseDefaults } from '../facts/vm-base-defaults';
import { onPostgres } from './connect';
import { addDeviceRows } from './devices';
import { groupsOf, joinGroup } from '../../sso/directory';
import { addDefaultQuota, defaultQuotaOf } from './default-quota';
import { addDefaultCpuProfile, addDefaultDiskProfile } from '../profiles';
import { connectDomain, seedNetworkFilters } from '../config-lists';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Whether objects of `type` may hold a `secret` attribute, at any depth. */
function holdsSecrets(type: StructType, seen = new Set<StructType>()): boolean {
  seen.add(type);
  return type.attributes.some((a) => {
    const t = a.type();
    return a.secret || (!a.link && t.kind === 'struct' && !seen.has(t) && holdsSecrets(t, seen));
  });
}

/** Drops a unique key as knex makes it: a constraint on PostgreSQL, an index on SQLite. */
async function dropUnique(knex: Knex, table: string, name: string): Promise<void> {
  if (onPostgres(knex)) await knex.raw('alter table ?? drop constraint if exists ??', [table, name]);
  else await knex.raw('drop index if exists ??', [name]);
}

/**
 * Rows of `types` belong to owners of more kinds than VMs: their ids are unique within their
 * owner of any kind, by the key the model then derives, which replaces the VM's own.
 */
function ownedByMoreThanVms(types: readonly StructType[]): Migration {
  return {
    async up(knex) {
      for (const type of types) await dropUnique(knex, tableOf(type).name, `${tableOf(type).name}_vm_id_id_unique`);
    },
    async down(knex) {
      for (const type of types) {
        await knex.schema.alterTable(tableOf(type).name, (t) => t.unique(['vm_id', 'id'], { indexName: `${tableOf(type).name}_vm_id_id_unique` }));
      }
    },
  };
}

/** The tables of rows owned by one object of several kinds (a VM's or a template's NICs). */
const ownedBySeveralKinds = () => storedTypes().map(tableOf).filter((spec) => spec.ownedOnly && spec.ownerColumns.length > 1);
/** The plain unique key such a table had over its owner columns and id. */
const plainOwnerKey = (spec: TableSpec) => `${spec.name}_${spec.ownerColumns.join('_')}_id_unique`;

/** Gives every cluster the defaults it lacks. */
async function fillClusterDefaults(repo: Repo): Promise<void> {
  for (const cluster of await repo.list(T.Cluster)) await repo.update(T.Cluster, { ...cluster, ...mergeInto(T.Cluster, CLUSTER_DEFAULTS, cluster) });
}

/** Made the model's tables once; they follow the model by themselves now. */
const modelTables: Migration = {
  async up() {},
  async down() {},
};

/** The migrations, by name in the order they run; names stay once a database has run them. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_inventory': modelTables,
  '002_seed': {
    up: seedInventory,
    async down() {
      // Seeded objects may have been changed by users since; nothing safe to undo.
    },
  },
  '003_access': {
    async up(knex) {
      await knex.schema.createTable('directory_accounts', (t) => {
        t.string('id', 64).primary();
        t.string('name', 255).notNullable().unique();
        t.string('hash', 512);
        /** JSON list of the ids of the groups the account is in. */
        t.text('groups');
      });
      await knex.schema.createTable('sso_keys', (t) => {
        t.string('id', 64).primary();
        t.text('private_pem').notNullable();
        t.text('public_pem').notNullable();
      });
      await knex.schema.createTable('revoked_tokens', (t) => {
        t.string('jti', 64).primary();
        t.bigInteger('expires_at').notNullable().index();
      });
      await knex.schema.createTable('sessions', (t) => {
        t.string('id_hash', 128).primary();
        t.string('user_id', 64).notNullable();
        t.bigInteger('expires_at').notNullable().index();
      });
      await knex.schema.createTable('api_token_secrets', (t) => {
        t.string('token_hash', 128).primary();
        t.string('token_id', 64).notNullable().index();
        t.string('user_id', 64).notNullable().index();
        t.bigInteger('expires_at').notNullable();
      });
      await knex.schema.createTable('login_failures', (t) => {
        t.string('key', 320).primary();
        t.integer('failures').notNullable();
        t.bigInteger('locked_until').notNullable();
      });
      await seedAccess(knex);
    },
    async down(knex) {
      for (const name of ['login_failures', 'api_token_secrets', 'sessions', 'revoked_tokens', 'sso_keys', 'directory_accounts']) {
        await knex.schema.dropTable(name);
      }
    },
  },
  '004_runtime': {
    async up(knex) {
      await knex.schema.createTable('transitions', (t) => {
        t.string('id', 128).primary();
        t.string('type_name', 64).notNullable();
        t.string('object_id', 64).notNullable();
        t.text('steps').notNullable();
        t.string('job_id', 64);
        t.bigInteger('due_at').notNullable().index();
        t.bigInteger('claimed_until').notNullable().defaultTo(0);
        t.string('claimed_by', 64);
      });
    },
    async down(knex) {
      await knex.schema.dropTable('transitions');
    },
  },
  '005_snapshots': modelTables,
  '006_transfers': {
    async up(knex) {
      await knex.schema.createTable('transfer_tickets', (t) => {
        t.string('id', 64).primary();
        t.string('transfer_id', 64).notNullable().index();
        /** The file the ticket reads or writes. */
        t.text('path').notNullable();
        t.bigInteger('size').notNullable();
        t.string('ops', 16).notNullable();
        t.integer('timeout').notNullable();
        t.integer('inactivity_timeout').notNullable();
        t.bigInteger('expires_at').notNullable();
        t.bigInteger('last_activity').notNullable();
        t.bigInteger('transferred').notNullable().defaultTo(0);
        t.integer('active').notNullable().defaultTo(0);
        t.boolean('canceled').notNullable().defaultTo(false);
      });
    },
    async down(knex) {
      await knex.schema.dropTable('transfer_tickets');
    },
  },
  '007_pki': {
    async up(knex) {
      await knex.schema.createTable('pki', (t) => {
        t.string('id', 32).primary();
        t.text('cert_pem').notNullable();
        t.text('key_pem').notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTable('pki');
    },
  },
  '008_ticket_backend': {
    // A ticket names its backend by URL, as imageio tickets do: `file:///path` or `nbd:unix:/socket`.
    async up(knex) {
      await knex.schema.alterTable('transfer_tickets', (t) => t.text('url'));
      for (const row of await knex('transfer_tickets').select('id', 'path')) {
        await knex('transfer_tickets').where('id', row.id).update({ url: pathToFileURL(String(row.path)).href });
      }
      await knex.schema.alterTable('transfer_tickets', (t) => t.dropColumn('path'));
    },
    async down(knex) {
      await knex.schema.alterTable('transfer_tickets', (t) => t.text('path'));
      for (const row of await knex('transfer_tickets').select('id', 'url')) {
        await knex('transfer_tickets').where('id', row.id).update({ path: String(row.url).startsWith('file:') ? fileURLToPath(String(row.url)) : '' });
      }
      await knex.schema.alterTable('transfer_tickets', (t) => t.dropColumn('url'));
    },
  },
  '009_ticket_control': {
    // Tickets installed through the ticket control API: any transfer id (or none), the ticket's
    // optional fields, the ranges moved (their union is `transferred`, whichever process moved
    // them) and the connections bound to it. `ops` becomes a comma-separated list.
    async up(knex) {
      await knex.schema.alterTable('transfer_tickets', (t) => {
        t.string('transfer_id', 64).nullable().alter();
        t.text('filename');
        t.boolean('sparse').notNullable().defaultTo(false);
        t.boolean('dirty').notNullable().defaultTo(false);
        t.text('ranges').notNullable().defaultTo('[]');
        t.integer('connections').notNullable().defaultTo(0);
      });
    },
    async down(knex) {
      await knex.schema.alterTable('transfer_tickets', (t) => {
        for (const column of ['filename', 'sparse', 'dirty', 'ranges', 'connections']) t.dropColumn(column);
      });
    },
  },
  '010_user_revocations': {
    // A password change revokes the user's tokens issued until then (milliseconds since the epoch).
    async up(knex) {
      await knex.schema.createTable('revoked_users', (t) => {
        t.string('user_id', 64).primary();
        t.bigInteger('issued_until').notNullable();
      });
      // Failed logins are counted per account now, no longer per name as typed.
      await knex('login_failures').where('key', 'like', 'user:%').delete();
    },
    async down(knex) {
      await knex.schema.dropTable('revoked_users');
    },
  },
  '011_no_stored_secrets': {
    // Passwords given with objects (a host's root password, ...) are used, never kept: drop those kept before.
    async up(knex) {
      const stored = storedTypes();
      for (const type of stored.filter((t) => holdsSecrets(t))) {
        const table = tableOf(type).name;
        for (const row of await knex(table).select('seq', 'data')) {
          const data = dataOf(type, JSON.parse(String(row.data)));
          if (data !== row.data) await knex(table).where('seq', row.seq).update({ data });
        }
      }
    },
    async down() {
      // What was dropped is gone.
    },
  },
  '012_root_tag': {
    up: seedRootTag,
    async down(knex) {
      await knex(tableOf(T.Tag).name).where('id', ROOT_TAG.id).delete();
    },
  },
  '013_default_mac_pool': {
    up: seedDefaultMacPool,
    async down(knex) {
      await knex(tableOf(T.MacPool).name).where('id', DEFAULT_MAC_POOL_ID).delete();
    },
  },
  '014_instance_types': {
    up: seedInstanceTypes,
    async down(knex) {
      await knex(tableOf(T.InstanceType).name).whereIn('id', INSTANCE_TYPES.map((it) => it.id)).delete();
    },
  },
  '015_cluster_networks': {
    // Clusters made before networks were assigned to clusters get their data center's management network.
    async up(knex) {
      const repo = new Repo(knex);
      for (const cluster of await repo.list(T.Cluster)) {
        if ((await repo.count(T.ClusterNetwork, { cluster: cluster.id })) > 0 || !cluster.data_center?.id) continue;
        const [network] = await repo.list(T.Network, { data_center: cluster.data_center.id }, { where: { name: MANAGEMENT_NETWORK } });
        if (network) await assignManagementNetwork(repo, cluster, network.id);
      }
    },
    async down(knex) {
      await knex(tableOf(T.ClusterNetwork).name).delete();
    },
  },
  '016_console_tickets': {
    // One-time passwords of VM consoles, one per console (`<vm id>:<protocol>`), with their expiry.
    async up(knex) {
      await knex.schema.createTable('console_tickets', (t) => {
        t.string('id', 80).primary();
        t.string('vm_id', 64).notNullable().index();
        t.string('protocol', 16).notNullable();
        t.text('value').notNullable();
        t.bigInteger('expires_at').notNullable().index();
      });
    },
    async down(knex) {
      await knex.schema.dropTable('console_tickets');
    },
  },
  '017_device_rows': {
    up: (knex) => addDeviceRows(new Repo(knex)),
    async down(knex) {
      await knex(tableOf(T.GraphicsConsole).name).delete();
      await knex(tableOf(T.Cdrom).name).whereNotNull('template_id').delete();
    },
  },
  // NICs and CD-ROMs belong to templates and instance types too: their ids are unique within
  // their owner of any kind, by the key the model now derives, which replaces the VM's.
  '018_device_owners': ownedByMoreThanVms([T.Nic, T.Cdrom]),
  '019_group_memberships': {
    // Users kept the ids of their groups; memberships of the groups that still exist take their place.
    async up(knex) {
      const repo = new Repo(knex);
      for (const user of await repo.list(T.User)) {
        const { groups, ...rest } = user;
        if (groups === undefined) continue;
        for (const g of groups) {
          if (g.id !== undefined && (await repo.get(T.Group, g.id))) await joinGroup(repo, user.id, g.id);
        }
        await repo.update(T.User, rest);
      }
    },
    async down(knex) {
      const repo = new Repo(knex);
      for (const user of await repo.list(T.User)) {
        await repo.update(T.User, { ...user, groups: (await groupsOf(repo, user.id)).map((id) => ({ id })) });
      }
      await knex(tableOf(T.GroupMembership).name).delete();
    },
  },
  '020_default_quotas': {
    // Data centers made before quotas get their Default quota, which charges all their VMs and disks.
    async up(knex) {
      const repo = new Repo(knex);
      for (const dc of await repo.list(T.DataCenter)) {
        if (!(await defaultQuotaOf(repo, dc.id))) await addDefaultQuota(repo, dc.id);
      }
    },
    async down(knex) {
      for (const type of [T.QuotaClusterLimit, T.QuotaStorageLimit, T.Quota]) await knex(tableOf(type).name).delete();
    },
  },
  '021_configuration_lists': {
    // oVirt's network filters; the profile of every cluster and data domain, named after it, which
    // their VMs and disks take; and the connection of every storage domain.
    async up(knex) {
      const repo = new Repo(knex);
      await seedNetworkFilters(repo);
      for (const cluster of await repo.list(T.Cluster)) {
        await addDefaultCpuProfile(repo, cluster);
        const [profile] = await repo.list(T.CpuProfile, { cluster: cluster.id });
        for (const vm of await repo.list(T.Vm, { cluster: cluster.id })) await repo.update(T.Vm, { ...vm, cpu_profile: { id: profile.id } });
      }
      for (const sd of await repo.list(T.StorageDomain)) {
        await connectDomain(repo, sd);
        if (sd.type !== 'data') continue;
        await addDefaultDiskProfile(repo, sd);
        const [profile] = await repo.list(T.DiskProfile, { storage_domain: sd.id });
        for (const disk of await repo.list(T.Disk, { storage_domain: sd.id })) await repo.update(T.Disk, { ...disk, disk_profile: { id: profile.id } });
      }
    },
    async down(knex) {
      for (const type of [T.NetworkFilter, T.CpuProfile, T.DiskProfile, T.StorageConnection]) await knex(tableOf(type).name).delete();
    },
  },
  '022_cluster_defaults': {
    // Clusters made before every cluster had oVirt's defaults get those they lack.
    async up(knex) {
      await fillClusterDefaults(new Repo(knex));
    },
    async down() {
      // The defaults stay: they are what such a cluster had meant all along.
    },
  },
  '023_defaults': {
    // VMs, templates and instance types made before each had VmBase's defaults get those they
    // lack, and clusters the defaults added since 022 (the default scheduling policy, firewalld).
    async up(knex) {
      const repo = new Repo(knex);
      for (const type of [T.Vm, T.Template, T.InstanceType]) {
        for (const obj of await repo.list(type)) await repo.update(type, withVmBaseDefaults(obj, {}));
      }
      await fillClusterDefaults(repo);
    },
    async down() {
      // The defaults stay: they are what such an object had meant all along.
    },
  },
  // Templates have disk attachments too, keyed likewise.
  '024_disk_attachment_owners': ownedByMoreThanVms([T.DiskAttachment]),
  '025_template_base_versions': {
    // Templates made before versions were kept are each the base version of itself, as oVirt's are.
    async up(knex) {
      const repo = new Repo(knex);
      for (const t of await repo.list(T.Template)) {
        if (t.version?.base_template?.id === undefined) {
          await repo.update(T.Template, { ...t, version: { version_number: 1, version_name: 'base version', ...t.version, base_template: { id: t.id } } });
        }
      }
    },
    async down() {
      // The link stays: it is what such a template had meant all along.
    },
  },
  // The owner key of such tables holds with the other owners' NULLs too: the model's index of
  // it (`<table>_owner_id_unique`) replaces the plain key, which refused no duplicate.
  '026_owner_keys_with_nulls': {
    async up(knex) {
      for (const spec of ownedBySeveralKinds()) await dropUnique(knex, spec.name, plainOwnerKey(spec));
    },
    async down(knex) {
      for (const spec of ownedBySeveralKinds()) {
        await knex.raw('drop index if exists ??', [`${spec.name}_owner_id_unique`]);
        await knex.schema.alterTable(spec.name, (t) => t.unique([...spec.ownerColumns, 'id'], { indexName: plainOwnerKey(spec) }));
      }
    },
  },
  '027_image_jobs': {
    // The image jobs under way, each held by the process running it, so that one whose process
    // stopped is failed by another (or by the next start) and what it locked is given back.
    async up(knex) {
      await knex.schema.createTable('image_jobs', (t) => {
        t.string('job_id', 64).primary();
        t.string('kind', 64).notNullable();
        t.text('params').notNullable();
        t.text('made_disks').notNullable();
        t.bigInteger('held_until').notNullable().index();
        t.string('held_by', 64).notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTable('image_jobs');
    },
  },
  '028_host_agents': {
    // The certificate each host's agent was enrolled with: the engine talks to that agent only.
    async up(knex) {
      await knex.schema.createTable('host_agents', (t) => {
        t.string('host_id', 64).primary();
        t.text('certificate').notNullable();
        t.string('fingerprint', 128).notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTable('host_agents');
    },
  },
};

/** Applies the migrations not yet applied, in the transaction given. */
export async function migrate(knex: Knex.Transaction, migrations: Readonly<Record<string, Migration>>): Promise<void> {
  const migrationSource: Knex.MigrationSource<string> = {
    getMigrations: async () => Object.keys(migrations),
    getMigrationName: (name) => name,
    getMigration: async (name) => migrations[name],
  };
  await knex.migrate.latest({ migrationSource });
}
