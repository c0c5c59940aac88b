// The schema follows the model: at start, the tables, columns and indexes the model derives for
// each stored type are compared with the live ones. What is missing is made (a new column filled
// from each row's JSON); what differs is refused, for a versioned migration to change first.
import { Knex } from 'knex';
import { StructType } from '../../model/meta';
import { onPostgres } from './connect';
import { ColumnDecl, ColumnType, IndexDecl, addColumn, columnsOf, columnsOfTable, createIndex, createTable, indexesOfTable, tableOf } from './tables';

export interface LiveTable {
  /** Column → its type as the database reports it (`varchar(255) not null`). */
  readonly columns: Record<string, string>;
  /** Index → what it covers (`unique (vm_id, id)`, `(name COLLATE "C")`). */
  readonly indexes: Record<string, string>;
}

/** Every table of the database (or of the PostgreSQL schema in use), by name. */
export type LiveSchema = Record<string, LiveTable>;

const indexText = (unique: boolean, columns: readonly string[]) => `${unique ? 'unique ' : ''}(${columns.join(', ')})`;
/** The parts of an index's column list, at its top-level commas (`coalesce(vm_id, ''), id`). */
const listParts = (list: string): string[] => list.split(/, (?![^(]*\))/);
const columnText = (type: string, notNull: boolean, primary: boolean) => `${type}${notNull ? ' not null' : ''}${primary ? ' primary key' : ''}`;

/** What a SQLite index of expressions covers, as its definition writes it, unquoted. */
async function expressionsOf(db: Knex | Knex.Transaction, index: string): Promise<string[]> {
  const [{ sql }]: { sql: string }[] = await db.raw(`select sql from sqlite_master where type = 'index' and name = ?`, [index]);
  return listParts(/\((.*)\)\s*$/s.exec(sql)![1]).map((p) => p.replace(/[`"]([^`"]+)[`"]/g, '$1'));
}

async function liveSqlite(db: Knex | Knex.Transaction): Promise<LiveSchema> {
  const out: Record<string, LiveTable> = {};
  const tables: { name: string }[] = await db.raw(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`);
  for (const { name } of tables) {
    const columns: Record<string, string> = {};
    const indexes: Record<string, string> = {};
    const info: { name: string; type: string; notnull: number; pk: number }[] = await db.raw('select * from pragma_table_info(?)', [name]);
    for (const c of info) columns[c.name] = columnText(c.type.toLowerCase(), c.notnull === 1, c.pk > 0);
    const list: { name: string; unique: number; origin: string }[] = await db.raw('select * from pragma_index_list(?)', [name]);
    for (const i of list.filter((l) => l.origin !== 'pk')) {
      const cols: { name: string | null }[] = await db.raw('select name from pragma_index_info(?) order by seqno', [i.name]);
      indexes[i.name] = indexText(i.unique === 1, cols.every((c) => c.name !== null) ? cols.map((c) => String(c.name)) : await expressionsOf(db, i.name));
    }
    out[name] = { columns, indexes };
  }
  return out;
}

async function livePostgres(db: Knex | Knex.Transaction): Promise<LiveSchema> {
  const out: Record<string, LiveTable> = {};
  const columns: { rows: { table: string; name: string; type: string; notnull: boolean; primary: boolean }[] } = await db.raw(`
    select t.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
      exists (select 1 from pg_index x where x.indrelid = t.oid and x.indisprimary and a.attnum = any(x.indkey)) as primary
    from pg_class t join pg_namespace n on n.oid = t.relnamespace join pg_attribute a on a.attrelid = t.oid
    where n.nspname = current_schema() and t.relkind = 'r' and a.attnum > 0 and not a.attisdropped
    order by t.relname, a.attnum`);
  for (const c of columns.rows) {
    out[c.table] ??= { columns: {}, indexes: {} };
    out[c.table].columns[c.name] = columnText(c.type, c.notnull, c.primary);
  }
  const indexes: { rows: { table: string; name: string; unique: boolean; def: string }[] } = await db.raw(`
    select t.relname as table, i.relname as name, x.indisunique as unique, pg_get_indexdef(x.indexrelid) as def
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and not x.indisprimary`);
  for (const i of indexes.rows) {
    // `CREATE INDEX … ON schema.table USING btree ("time", b COLLATE "C")`: the columns, unquoted;
    // `COALESCE(vm_id, ''::character varying)` as it was made.
    const columns = listParts(/\((.*)\)$/.exec(i.def)![1]).map((c) => c.replace(/^"([^"]+)"/, '$1')
      .replace(/^COALESCE\("?([^",]+?)"?, ''::character varying\)$/, "coalesce($1, '')")
      .replace(/^lower\("?([^"()]+?)"?\)$/, 'lower($1)'));
    out[i.table].indexes[i.name] = indexText(i.unique, columns);
  }
  return out;
}

export function liveSchema(db: Knex | Knex.Transaction): Promise<LiveSchema> {
  return onPostgres(db) ? livePostgres(db) : liveSqlite(db);
}

/** Column types as each database reports what `addColumn` makes. */
const SQL_TYPES: Record<'sqlite' | 'pg', Record<ColumnType, string>> = {
  sqlite: { serial: 'integer', key: 'varchar(255)', text: 'text', bigint: 'bigint', double: 'float', boolean: 'boolean' },
  pg: { serial: 'integer', key: 'character varying(255)', text: 'text', bigint: 'bigint', double: 'double precision', boolean: 'boolean' },
};

const expectedColumn = (c: ColumnDecl, postgres: boolean) => columnText(SQL_TYPES[postgres ? 'pg' : 'sqlite'][c.type], c.notNull, c.type === 'serial');

const expectedIndex = (i: IndexDecl) => indexText(i.unique, i.columns.map((c) =>
  (i.bytewise ? `${c} COLLATE "C"` : i.folded ? `lower(${c})` : i.nullsEqual?.includes(c) ? `coalesce(${c}, '')` : c)));

/** Fills `columns` of every row of `type`'s table from its JSON, as a write would have. */
async function backfill(db: Knex.Transaction, type: StructType, columns: readonly string[]): Promise<void> {
  const table = tableOf(type).name;
  for (let after = 0; ;) {
    const rows: { seq: number; data: string }[] = await db(table).select('seq', 'data').where('seq', '>', after).orderBy('seq').limit(500);
    if (!rows.length) return;
    for (const row of rows) {
      const values = columnsOf(type, JSON.parse(row.data));
      const update = Object.fromEntries(columns.map((c) => [c, values[c]]));
      if (Object.values(update).some((v) => v !== null)) await db(table).where('seq', row.seq).update(update);
    }
    after = rows[rows.length - 1].seq;
  }
}

/** Makes the tables, columns and indexes of `types` that the database lacks. */
export async function addMissing(db: Knex.Transaction, types: readonly StructType[]): Promise<void> {
  const live = await liveSchema(db);
  for (const type of types) {
    const spec = tableOf(type);
    const table = live[spec.name];
    if (!table) {
      await createTable(db, type);
      continue;
    }
    const missing = columnsOfTable(spec).filter((c) => !(c.name in table.columns));
    if (missing.length) {
      await db.schema.alterTable(spec.name, (t) => missing.forEach((c) => addColumn(t, c)));
      await backfill(db, type, missing.map((c) => c.name));
    }
    for (const i of indexesOfTable(spec, onPostgres(db)).filter((i) => !(i.name in table.indexes))) await createIndex(db, spec.name, i);
  }
}

/** How the columns or indexes of `table` differ from the model's, each named. */
function compare(what: 'column' | 'index', table: string, live: Record<string, string>, derived: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [name, is] of Object.entries(live)) {
    const made = derived.get(name);
    if (made === undefined) found.push(`${what} ${table}.${name} (${is}) is not in the model`);
    else if (made !== is) found.push(`${what} ${table}.${name} is ${is}, the model makes it ${made}`);
  }
  for (const [name, made] of derived) if (!(name in live)) found.push(`${what} ${table}.${name} (${made}) is missing`);
  return found;
}

/** How the tables of `types` differ from what the model derives, each naming its table and column or index. */
export async function differences(db: Knex | Knex.Transaction, types: readonly StructType[]): Promise<string[]> {
  const live = await liveSchema(db);
  const postgres = onPostgres(db);
  return types.flatMap((type) => {
    const spec = tableOf(type);
    const table = live[spec.name];
    if (!table) return [`table ${spec.name} is missing`];
    return [
      ...compare('column', spec.name, table.columns, new Map(columnsOfTable(spec).map((c) => [c.name, expectedColumn(c, postgres)]))),
      ...compare('index', spec.name, table.indexes, new Map(indexesOfTable(spec, postgres).map((i) => [i.name, expectedIndex(i)]))),
    ];
  });
}
