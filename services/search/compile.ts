// Compiles a parsed search into knex conditions on the type's table: values bound as
// parameters, wildcards as LIKE … ESCAPE, cross-object fields as sub-queries on the linked
// tables, sorting and paging in the database. Every field and value is checked against the
// model first, so a query either means something or is refused with its position.
import { Knex } from 'knex';
import { EnumType, SearchField, StructType, attributeOf } from '../../model/meta';
import { badRequest } from '../fault';
import { ColumnKind, tableOf } from '../store/tables';
import { Condition, Expr, FreeText, Query } from './parse';

export interface CompileOptions {
  caseSensitive: boolean;
  postgres: boolean;
}

/** A column of some table that a condition compares, with what it holds. */
interface Target {
  type: StructType;
  column: string;
  kind: ColumnKind;
  enumType?: EnumType;
}

/** How a field reaches its column: directly, through links, or from objects linking here. */
type Route =
  | { kind: 'own'; target: Target }
  | { kind: 'link'; hops: { from: StructType; column: string; to: StructType }[]; target: Target; unlinkedInAll: boolean; under?: string }
  | { kind: 'reverse'; source: StructType; column: string; field: string[] };

const fault = (at: number, message: string) => badRequest(`Search query error at position ${at + 1}: ${message}`);

function fieldsOf(type: StructType): string {
  return ['id', ...Object.keys(type.search)].join(', ');
}

/** The column an `own` search field (or `id`) of `type` is kept in. */
function ownTarget(type: StructType, name: string, at: number): Target {
  if (name === 'id') return { type, column: 'id', kind: 'string' };
  const f = type.search[name];
  if (!f || f.kind !== 'own') throw fault(at, `${type.name} has no search field '${name}': it has ${fieldsOf(type)}`);
  const path = f.path.split('.');
  const column = tableOf(type).valueColumns.find((c) => c.column === path.join('_'))!;
  let t: StructType = type;
  for (const p of path.slice(0, -1)) t = attributeOf(t, p)!.type() as StructType;
  const last = attributeOf(t, path[path.length - 1])!.type();
  return { type, column: column.column, kind: column.kind, enumType: last.kind === 'enum' ? last : undefined };
}

function route(type: StructType, field: string[], at: number): Route {
  const [name, ...rest] = field;
  if (rest.length > 1) throw fault(at, `'${field.join('.')}' goes deeper than one linked object`);
  if (name === 'id' || type.search[name]?.kind === 'own') {
    if (rest.length) throw fault(at, `'${name}' is not a link: '${field.join('.')}' names nothing`);
    return { kind: 'own', target: ownTarget(type, name, at) };
  }
  const f: SearchField | undefined = type.search[name];
  if (!f) throw fault(at, `${type.name} has no search field '${name}': it has ${fieldsOf(type)}`);
  if (f.kind === 'link') {
    const hops: { from: StructType; column: string; to: StructType }[] = [];
    let t = type;
    for (const l of f.links) {
      const to = attributeOf(t, l)!.type() as StructType;
      hops.push({ from: t, column: `${l}_id`, to });
      t = to;
    }
    return { kind: 'link', hops, target: ownTarget(t, rest[0] ?? f.field, at), unlinkedInAll: f.unlinkedInAll === true, under: f.under };
  }
  if (f.kind === 'reverse') {
    // The field of the linking objects is a search field of theirs: one of their own, or one they reach by a link.
    return { kind: 'reverse', source: f.type(), column: `${f.link}_id`, field: [rest[0] ?? f.field] };
  }
  throw fault(at, `'${name}' cannot be searched`);
}

/** `vm-4*` → `vm-4%`, with LIKE's own wildcards escaped. */
const likePattern = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');

/** The typed value of a condition, checked against what the column holds. */
function valueFor(c: Condition, t: Target): string | number | boolean {
  const wild = c.value.includes('*');
  if (wild && (t.kind !== 'string' || !['=', '!='].includes(c.op))) {
    throw fault(c.valueAt, `the wildcard * only works with = and != on text fields`);
  }
  switch (t.kind) {
    case 'integer':
    case 'decimal': {
      const n = Number(c.value);
      if (c.value.trim() === '' || !Number.isFinite(n) || (t.kind === 'integer' && !Number.isInteger(n))) {
        throw fault(c.valueAt, `'${c.value}' is not a number, as ${c.field.join('.')} needs`);
      }
      return n;
    }
    case 'boolean':
      if (!/^(true|false)$/i.test(c.value)) throw fault(c.valueAt, `'${c.value}' is not true or false, as ${c.field.join('.')} needs`);
      if (!['=', '!='].includes(c.op)) throw fault(c.valueAt, `${c.field.join('.')} can only be compared with = or !=`);
      return c.value.toLowerCase() === 'true';
    case 'date': {
      const d = Date.parse(c.value);
      if (Number.isNaN(d)) throw fault(c.valueAt, `'${c.value}' is not a date, as ${c.field.join('.')} needs`);
      return new Date(d).toISOString();
    }
    case 'string':
      if (t.enumType) {
        const v = c.value.toLowerCase();
        if (!wild && !t.enumType.values.includes(v)) {
          throw fault(c.valueAt, `'${c.value}' is not a value of ${c.field.join('.')}: use one of ${t.enumType.values.join(', ')}`);
        }
        return v;
      }
      return c.value;
  }
}

/** Adds the condition on `column` (already qualified) to `q`. */
function compare(q: Knex.QueryBuilder, column: string, c: Condition, t: Target, o: CompileOptions): void {
  const value = valueFor(c, t);
  const text = t.kind === 'string';
  // Enum values are stored in lower case, and compared so (valueFor lowers the value given); other
  // text compares as the client asks, case-insensitively through the index of lower(column).
  const folded = text && !o.caseSensitive && t.enumType === undefined;
  const byteOrder = o.postgres && text && !folded ? ' collate "C"' : '';
  const col = folded ? `lower(${column})` : `${column}${byteOrder}`;
  const v = folded ? String(value).toLowerCase() : value;
  const positive = c.op !== '!=';
  q.where((w) => {
    if (typeof v === 'string' && v.includes('*')) {
      const pattern = likePattern(v);
      const prefix = /^[^*]*\*$/.test(v) ? v.slice(0, -1) : undefined;
      if (positive) {
        w.whereRaw(`${col} like ? escape '\\'`, [pattern]);
        // A range on the prefix lets the database answer from the column's index.
        if (prefix) w.whereRaw(`${col} >= ?`, [prefix]).whereRaw(`${col} < ?`, [`${prefix}\uffff`]);
      } else {
        w.whereRaw(`not (${col} like ? escape '\\')`, [pattern]).orWhereRaw(`${column} is null`);
      }
    } else if (positive) {
      w.whereRaw(`${col} ${c.op} ?`, [v]);
    } else {
      w.whereRaw(`${col} <> ?`, [v]).orWhereRaw(`${column} is null`);
    }
  });
}

function condition(q: Knex.QueryBuilder, db: Knex | Knex.Transaction, type: StructType, c: Condition, o: CompileOptions): void {
  const r = route(type, c.field, c.fieldAt);
  const quote = (table: string, column: string) => `"${table}"."${column}"`;
  if (r.kind === 'own') return compare(q, quote(tableOf(type).name, r.target.column), c, r.target, o);
  if (r.kind === 'reverse') {
    const sub = db(tableOf(r.source).name).select(r.column).whereNotNull(r.column);
    condition(sub, db, r.source, { ...c, field: r.field }, o);
    q.whereIn('id', sub);
    return;
  }
  // Links, hop by hop: cluster_id IN (select id from clusters where data_center_id IN (select id from … where …)).
  const level = (i: number): Knex.QueryBuilder => {
    const table = tableOf(r.hops[i].to).name;
    const sub = db(table).select('id');
    if (i + 1 < r.hops.length) sub.whereIn(r.hops[i + 1].column, level(i + 1));
    else compare(sub, quote(table, r.target.column), c, r.target, o);
    return i + 1 === r.hops.length && r.under ? withBelow(db, table, `${r.under}_id`, sub) : sub;
  };
  if (!r.unlinkedInAll) {
    q.whereIn(r.hops[0].column, level(0));
    return;
  }
  // An object without the first link belongs to every object at the path's end (the Blank
  // template to every data center), so it matches when one of those does.
  const end = tableOf(r.hops[r.hops.length - 1].to).name;
  const some = db(end).select('id');
  compare(some, quote(end, r.target.column), c, r.target, o);
  const first = `${tableOf(type).name}.${r.hops[0].column}`;
  q.where((w) => w.whereIn(first, level(0)).orWhere((u) => u.whereNull(first).whereExists(some)));
}

/** The ids `matching` selects from `table`, and the ids of the rows below them along `parentColumn`, at any depth. */
function withBelow(db: Knex | Knex.Transaction, table: string, parentColumn: string, matching: Knex.QueryBuilder): Knex.QueryBuilder {
  return db
    .withRecursive('below', ['id'], (cte) => cte.select('id').from(matching.as('matching'))
      .union((down) => down.select(`${table}.id`).from(table).join('below', `${table}.${parentColumn}`, 'below.id')))
    .select('id').from('below');
}

/** Free text matches an object holding it anywhere in one of its own text search fields (not enums), as oVirt's does. */
function freeText(q: Knex.QueryBuilder, type: StructType, e: FreeText, o: CompileOptions): void {
  const own = Object.keys(type.search).filter((name) => type.search[name].kind === 'own').map((name) => ownTarget(type, name, e.valueAt));
  // Two fields may name one column (`usrname` and `user_name`).
  const targets = [...new Map(own.filter((t) => t.kind === 'string' && !t.enumType).map((t) => [t.column, t])).values()];
  if (!targets.length) throw fault(e.valueAt, `${type.name} has no text field for the free text '${e.value}': it has ${fieldsOf(type)}`);
  const contains: Condition = { kind: 'cond', field: [], fieldAt: e.valueAt, op: '=', value: `*${e.value}*`, valueAt: e.valueAt };
  q.where((any) => {
    for (const t of targets) any.orWhere((w) => compare(w, `"${tableOf(type).name}"."${t.column}"`, contains, t, o));
  });
}

function expression(q: Knex.QueryBuilder, db: Knex | Knex.Transaction, type: StructType, e: Expr, o: CompileOptions): void {
  if (e.kind === 'cond') return condition(q, db, type, e, o);
  if (e.kind === 'text') return freeText(q, type, e, o);
  q.where((left) => expression(left, db, type, e.left, o));
  if (e.kind === 'and') q.andWhere((right) => expression(right, db, type, e.right, o));
  else q.orWhere((right) => expression(right, db, type, e.right, o));
}

/** Adds the query's conditions and order to `q`, on the table of `type`. */
export function compileSearch(q: Knex.QueryBuilder, db: Knex | Knex.Transaction, type: StructType, query: Query, o: CompileOptions): void {
  if (query.where) q.where((w) => expression(w, db, type, query.where!, o));
  for (const s of query.sort) {
    const r = route(type, s.field, s.at);
    if (r.kind !== 'own') throw fault(s.at, `sortby takes a field of ${type.name} itself, not '${s.field.join('.')}'`);
    q.orderBy(r.target.column, s.desc ? 'desc' : 'asc');
  }
}
