// Database tables derived from the model: one table per stored type, with the columns the
// model marks (references, `column` attributes, the paths its search fields name) and the whole
// object as JSON in `data`.
import { Knex } from 'knex';
import { StructType, attributeOf } from '../../model/meta';
import { collectionRoutes, ownerAttributes } from '../../model/tree';
import { Obj, isObj } from '../../model/codec';
import { onPostgres } from './connect';

/** `date` columns hold ISO-8601 UTC text, which sorts as time does. */
export type ColumnKind = 'string' | 'integer' | 'decimal' | 'boolean' | 'date';

/** A column holding the value at an attribute path (`hardware_information.uuid`). */
export interface ValueColumn {
  readonly column: string;
  readonly path: readonly string[];
  readonly kind: ColumnKind;
  /** Free text (a string that is not an enum value), searched case-insensitively through `lower(column)`. */
  readonly text: boolean;
}

export interface TableSpec {
  readonly name: string;
  /** Reference columns: `data_center` → `data_center_id`. */
  readonly refColumns: readonly { attribute: string; column: string }[];
  readonly valueColumns: readonly ValueColumn[];
  /** Whether ids are unique only within an owner (disk attachments share their disk's id). */
  readonly ownedOnly: boolean;
  /** The owner columns, which with `id` identify a row of an owned-only table. */
  readonly ownerColumns: readonly string[];
}

/**
 * The column kind of the attribute at `path` (`enum` for a string of an enumerated type), or
 * undefined when the path names none. A path may go into a single link to a computed type (a
 * user's `domain.name`): such objects have no table to join, so the reference the object holds is
 * what is kept.
 */
function kindAt(type: StructType, path: readonly string[]): ColumnKind | 'enum' | undefined {
  let t: StructType = type;
  for (let i = 0; i < path.length; i++) {
    const a = attributeOf(t, path[i]);
    if (!a || a.list || (a.link && (i === path.length - 1 || !(a.type() as StructType).computed))) return undefined;
    const at = a.type();
    if (i === path.length - 1) {
      if (at.kind === 'struct') return undefined;
      if (at.kind === 'enum') return 'enum';
      return at.name === 'string' ? 'string' : at.name;
    }
    if (at.kind !== 'struct') return undefined;
    t = at;
  }
  return undefined;
}

const specs = new Map<StructType, TableSpec>();

export function tableOf(type: StructType): TableSpec {
  let spec = specs.get(type);
  if (!spec) {
    // Every single reference gets a column, so sub-collections and searches can filter on it.
    const links = type.attributes.filter((a) => a.link && !a.list).map((a) => a.name);
    const refs = [...new Set([...ownerAttributes(type), ...links])];
    const paths = [
      ...type.attributes.filter((a) => a.column && !a.link && !a.list).map((a) => a.name),
      ...Object.values(type.search).flatMap((f) => (f.kind === 'own' && f.path !== 'id' ? [f.path] : [])),
    ];
    const valueColumns: ValueColumn[] = [];
    for (const p of new Set(paths)) {
      const path = p.split('.');
      const kind = kindAt(type, path);
      if (!kind) throw new Error(`${type.name} cannot keep '${p}' in a column`);
      valueColumns.push({ column: path.join('_'), path, kind: kind === 'enum' ? 'string' : kind, text: kind === 'string' });
    }
    spec = {
      name: type.plural,
      refColumns: refs.map((attribute) => ({ attribute, column: `${attribute}_id` })),
      valueColumns,
      ownedOnly: !collectionRoutes.some((r) => r.chain.length === 1 && r.collection.type() === type),
      ownerColumns: ownerAttributes(type).map((a) => `${a}_id`),
    };
    specs.set(type, spec);
  }
  return spec;
}

/** How a column is kept: `serial` numbers the rows, `key` holds ids (the object's and its references'). */
export type ColumnType = 'serial' | 'key' | 'text' | 'bigint' | 'double' | 'boolean';

export interface ColumnDecl {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
}

export interface IndexDecl {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** Indexes `lower(column)`, for case-insensitive searches (`case_sensitive=false`). */
  readonly folded?: boolean;
  /** Compares bytes, so PostgreSQL answers prefix matches (`name=vm-42*`) from the index. */
  readonly bytewise: boolean;
  /**
   * Columns indexed as `coalesce(column, '')`, so that their NULLs compare equal: a unique key on
   * the owner columns of rows that have one owner of several kinds (a VM's disk attachment has
   * no template) would otherwise refuse no duplicate.
   */
  readonly nullsEqual?: readonly string[];
}

const VALUE_TYPES: Record<ColumnKind, ColumnType> = { string: 'text', date: 'text', integer: 'bigint', decimal: 'double', boolean: 'boolean' };

/** The columns of a table, in the order a new table has them. */
export function columnsOfTable(spec: TableSpec): ColumnDecl[] {
  return [
    { name: 'seq', type: 'serial', notNull: true },
    { name: 'id', type: 'key', notNull: true },
    ...spec.refColumns.map((r): ColumnDecl => ({ name: r.column, type: 'key', notNull: false })),
    ...spec.valueColumns.map((c): ColumnDecl => ({ name: c.column, type: VALUE_TYPES[c.kind], notNull: false })),
    { name: 'data', type: 'text', notNull: true },
  ];
}

/** The indexes of a table, named as knex names them by default. */
export function indexesOfTable(spec: TableSpec, postgres: boolean): IndexDecl[] {
  const single = (column: string): IndexDecl => ({ name: `${spec.name}_${column}_index`, columns: [column], unique: false, bytewise: false });
  const key = spec.ownedOnly ? [...spec.ownerColumns, 'id'] : ['id'];
  const owners = spec.ownedOnly && spec.ownerColumns.length > 1 ? spec.ownerColumns : [];
  return [
    ...spec.refColumns.map((r) => single(r.column)),
    ...spec.valueColumns.map((c) => single(c.column)),
    owners.length
      ? { name: `${spec.name}_owner_id_unique`, columns: key, unique: true, bytewise: false, nullsEqual: owners }
      : { name: `${spec.name}_${key.join('_')}_unique`, columns: key, unique: true, bytewise: false },
    ...(postgres ? spec.valueColumns.filter((v) => v.kind === 'string').map((c): IndexDecl => ({
      name: `${spec.name}_${c.column}_c`, columns: [c.column], unique: false, bytewise: true,
    })) : []),
    ...spec.valueColumns.filter((v) => v.text).map((c): IndexDecl => ({
      name: `${spec.name}_${c.column}_lower`, columns: [c.column], unique: false, bytewise: false, folded: true,
    })),
  ];
}

/** Adds a column to a table being created or altered. */
export function addColumn(t: Knex.CreateTableBuilder, c: ColumnDecl): void {
  if (c.type === 'serial') {
    t.increments(c.name).primary();
    return;
  }
  const col = c.type === 'key' ? t.string(c.name, 255) : c.type === 'bigint' ? t.bigInteger(c.name) : c.type === 'double' ? t.double(c.name) : c.type === 'boolean' ? t.boolean(c.name) : t.text(c.name);
  if (c.notNull) col.notNullable();
}

export async function createIndex(knex: Knex, table: string, i: IndexDecl): Promise<void> {
  if (i.bytewise) await knex.raw(`create index ?? on ?? (${i.columns.map(() => '?? collate "C"').join(', ')})`, [i.name, table, ...i.columns]);
  else if (i.folded) await knex.raw(`create index ?? on ?? (${i.columns.map(() => 'lower(??)').join(', ')})`, [i.name, table, ...i.columns]);
  else if (i.nullsEqual) {
    const columns = i.columns.map((c) => (i.nullsEqual!.includes(c) ? "coalesce(??, '')" : '??')).join(', ');
    await knex.raw(`create ${i.unique ? 'unique ' : ''}index ?? on ?? (${columns})`, [i.name, table, ...i.columns]);
  } else await knex.schema.alterTable(table, (t) => (i.unique ? t.unique([...i.columns], { indexName: i.name }) : t.index([...i.columns], i.name)));
}

/** Creates the table of `type` as the model declares it now. */
export async function createTable(knex: Knex, type: StructType): Promise<void> {
  const spec = tableOf(type);
  await knex.schema.createTable(spec.name, (t) => {
    for (const c of columnsOfTable(spec)) addColumn(t, c);
  });
  for (const i of indexesOfTable(spec, onPostgres(knex))) await createIndex(knex, spec.name, i);
}

function valueAt(obj: Obj, path: readonly string[]): unknown {
  let v: unknown = obj;
  for (const p of path) v = isObj(v) ? v[p] : undefined;
  return v;
}

/** The column values of an object, as the table of its type keeps them. */
export function columnsOf(type: StructType, obj: Obj): Record<string, string | number | boolean | null> {
  const spec = tableOf(type);
  const row: Record<string, string | number | boolean | null> = { id: String(obj.id) };
  for (const r of spec.refColumns) {
    const ref = obj[r.attribute];
    row[r.column] = isObj(ref) && ref.id !== undefined ? String(ref.id) : null;
  }
  for (const c of spec.valueColumns) {
    const v = valueAt(obj, c.path);
    row[c.column] = v === undefined || v === null ? null
      : c.kind === 'integer' || c.kind === 'decimal' ? Number(v)
      : c.kind === 'boolean' ? v === true
      : String(v);
  }
  return row;
}

/** An object as its table keeps it: without the attributes the model marks `secret`, at any depth. */
export function withoutSecrets(type: StructType, obj: Obj): Obj {
  const out: Obj = { ...obj };
  for (const a of type.attributes) {
    const v = out[a.name];
    const t = a.type();
    if (a.secret) delete out[a.name];
    else if (a.link || t.kind !== 'struct' || v === undefined) continue;
    else if (Array.isArray(v)) out[a.name] = v.map((item) => (isObj(item) ? withoutSecrets(t, item) : item));
    else if (isObj(v)) out[a.name] = withoutSecrets(t, v);
  }
  return out;
}

/** The `data` column of an object: passwords are used by the engine, never stored. */
export const dataOf = (type: StructType, obj: Obj): string => JSON.stringify(withoutSecrets(type, obj));
