// Database tables derived from the model: one table per stored type, with the columns the
// model marks (name, owners, `column` attributes) and the whole object as JSON in `data`.
import { Knex } from 'knex';
import { StructType } from '../../model/meta';
import { collectionRoutes, ownerAttributes } from '../../model/tree';
import { Obj, isObj } from '../../model/codec';

export interface TableSpec {
  readonly name: string;
  /** Reference columns: `data_center` → `data_center_id`. */
  readonly refColumns: readonly { attribute: string; column: string }[];
  /** Scalar attributes kept in columns of the same name. */
  readonly valueColumns: readonly string[];
  /** Whether ids are unique only within an owner (disk attachments share their disk's id). */
  readonly ownedOnly: boolean;
  /** The owner columns, which with `id` identify a row of an owned-only table. */
  readonly ownerColumns: readonly string[];
}

const specs = new Map<StructType, TableSpec>();

export function tableOf(type: StructType): TableSpec {
  let spec = specs.get(type);
  if (!spec) {
    // Every single reference gets a column, so sub-collections and joins can filter on it.
    const links = type.attributes.filter((a) => a.link && !a.list).map((a) => a.name);
    const refs = [...new Set([...ownerAttributes(type), ...links])];
    spec = {
      name: type.plural,
      refColumns: refs.map((attribute) => ({ attribute, column: `${attribute}_id` })),
      valueColumns: type.attributes.filter((a) => a.column && !a.link && !a.list).map((a) => a.name),
      ownedOnly: !collectionRoutes.some((r) => r.chain.length === 1 && r.collection.type() === type),
      ownerColumns: ownerAttributes(type).map((a) => `${a}_id`),
    };
    specs.set(type, spec);
  }
  return spec;
}

/** Creates the table of `type` as the model declares it now. */
export async function createTable(knex: Knex, type: StructType): Promise<void> {
  const spec = tableOf(type);
  await knex.schema.createTable(spec.name, (t) => {
    t.increments('seq').primary();
    t.string('id', 255).notNullable();
    for (const r of spec.refColumns) t.string(r.column, 255).index();
    for (const c of spec.valueColumns) t.string(c, 255).index();
    t.text('data').notNullable();
    t.unique(spec.ownedOnly ? [...spec.ownerColumns, 'id'] : ['id']);
  });
}

/** The column values of an object, as the table of its type keeps them. */
export function columnsOf(type: StructType, obj: Obj): Record<string, string | null> {
  const spec = tableOf(type);
  const row: Record<string, string | null> = { id: String(obj.id) };
  for (const r of spec.refColumns) {
    const ref = obj[r.attribute];
    row[r.column] = isObj(ref) && ref.id !== undefined ? String(ref.id) : null;
  }
  for (const c of spec.valueColumns) row[c] = obj[c] === undefined ? null : String(obj[c]);
  return row;
}
