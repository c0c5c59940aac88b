// Reading and writing model objects in their tables, inside one transaction or not.
import { Knex } from 'knex';
import { ObjOf, StructType } from '../../model/meta';
import { Obj } from '../../model/codec';
import { ColumnType, columnsOf, columnsOfTable, dataOf, tableOf } from './tables';
import { onPostgres } from './connect';
import { appended, channelPrefix } from './appends';
import { countWrite } from './committed';

/** An object of type `T` read from its table: every row has its id. */
export type StoredObj<T extends StructType> = ObjOf<T> & { id: string };

/** Owner filter: owner attribute → owner id (`{ vm: '…' }`). */
export type Owners = Record<string, string>;

/** A condition on the rows of a table (the rows a caller may see). */
export type RowCondition = (q: Knex.QueryBuilder) => void;

/**
 * Where a list read page by page has got to. Each read with it gives the next `size` rows at
 * most, after the last row it gave (by sequence number), so a long list is never held whole and
 * rows stay in order, none twice, however many pages it takes.
 */
export class Page {
  /** Sequence number of the last row given. */
  private after?: number;
  /** Rows given so far. */
  private given = 0;
  /** Whether the last read filled its page, so more rows may follow. */
  more = false;

  constructor(readonly size: number) {}

  /**
   * Bounds `q` (ordered by `seq` last) to the next page of at most `limit` rows in all, `offset`
   * rows in. Sorted by other columns first, the page starts after the rows given (an offset);
   * else after the last row given.
   */
  async read(q: Knex.QueryBuilder, o: { limit?: number; offset?: number; newestFirst?: boolean; sorted?: boolean }): Promise<{ data: string }[]> {
    const size = o.limit === undefined ? this.size : Math.min(this.size, o.limit - this.given);
    this.more = false;
    if (size <= 0) return [];
    if (o.sorted) q.offset((o.offset ?? 0) + this.given);
    else if (this.after !== undefined) q.where('seq', o.newestFirst ? '<' : '>', this.after);
    else if (o.offset) q.offset(o.offset);
    const rows: { seq: number; data: string }[] = await q.select('seq').limit(size);
    this.given += rows.length;
    if (rows.length) this.after = Number(rows[rows.length - 1].seq);
    this.more = rows.length === size && (o.limit === undefined || this.given < o.limit);
    return rows;
  }
}

export interface ListOptions {
  max?: number;
  /** Only the next page of the list, when it is read page by page. */
  page?: Page;
  /** Only the rows meeting this condition: the caller's user view. */
  seen?: RowCondition;
  /** Extra column conditions (`{ status: 'up' }`). */
  where?: Record<string, string>;
  /** Most recent first. */
  newestFirst?: boolean;
  /** Only rows added after the one with this sequence number. */
  after?: number;
}

const parsed = <T extends StructType>(rows: { data: string }[]) => rows.map((r) => JSON.parse(r.data) as StoredObj<T>);

/** The SQL types a statement casts its bound values to, so PostgreSQL knows each from its column's. */
const SQL_TYPES: Record<ColumnType, string> = { serial: 'integer', key: 'varchar(255)', text: 'text', bigint: 'bigint', double: 'double precision', boolean: 'boolean' };

export class Repo {
  constructor(readonly db: Knex | Knex.Transaction) {}

  private query(type: StructType, owners: Owners = {}, where: Record<string, string> = {}) {
    const spec = tableOf(type);
    const q = this.db(spec.name);
    for (const [attribute, id] of Object.entries(owners)) {
      const ref = spec.refColumns.find((r) => r.attribute === attribute);
      if (!ref) throw new Error(`${type.name} has no owner column for ${attribute}`);
      q.where(ref.column, id);
    }
    for (const [column, value] of Object.entries(where)) q.where(column, value);
    return q;
  }

  async list<T extends StructType>(type: T, owners: Owners = {}, o: ListOptions = {}): Promise<StoredObj<T>[]> {
    const q = this.query(type, owners, o.where).select('data').orderBy('seq', o.newestFirst ? 'desc' : 'asc');
    if (o.after !== undefined) q.where('seq', '>', o.after);
    if (o.seen) q.where(o.seen);
    const max = o.max !== undefined && o.max >= 0 ? o.max : undefined;
    return parsed(await (o.page ? o.page.read(q, { limit: max, newestFirst: o.newestFirst }) : max === undefined ? q : q.limit(max)));
  }

  /** Objects of `type` matching what `refine` adds to the query (conditions, order), then seq. */
  async search<T extends StructType>(
    type: T,
    owners: Owners,
    refine: (q: Knex.QueryBuilder) => void,
    o: { limit?: number; offset?: number; newestFirst?: boolean; seen?: RowCondition; page?: Page; sorted?: boolean; after?: number },
  ): Promise<StoredObj<T>[]> {
    const q = this.query(type, owners).select('data');
    refine(q);
    if (o.after !== undefined) q.where('seq', '>', o.after);
    if (o.seen) q.where(o.seen);
    q.orderBy('seq', o.newestFirst ? 'desc' : 'asc');
    if (o.page) return parsed(await o.page.read(q, o));
    if (o.limit !== undefined) q.limit(o.limit);
    if (o.offset) q.offset(o.offset);
    return parsed(await q);
  }

  async get<T extends StructType>(type: T, id: string, owners: Owners = {}): Promise<StoredObj<T> | undefined> {
    const row: { data: string } | undefined = await this.query(type, owners).where('id', id).first('data');
    return row && (JSON.parse(row.data) as StoredObj<T>);
  }

  /**
   * Reads an object to change it in this transaction: on PostgreSQL the row stays locked until
   * the transaction ends, so a concurrent change is neither lost nor overwritten. (SQLite runs one
   * writing transaction at a time, which gives the same.) Outside a transaction (a read) it locks
   * nothing, so reads never wait for writes.
   */
  async getForUpdate<T extends StructType>(type: T, id: string, owners: Owners = {}): Promise<StoredObj<T> | undefined> {
    const q = this.query(type, owners).where('id', id).first('data');
    if (this.db.isTransaction === true && String(this.db.client.config.client) === 'pg') q.forUpdate();
    const row: { data: string } | undefined = await q;
    return row && (JSON.parse(row.data) as StoredObj<T>);
  }

  async count(type: StructType, owners: Owners = {}, where: Record<string, string> = {}): Promise<number> {
    const row = await this.query(type, owners, where).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async insert<T extends StructType>(type: T, obj: ObjOf<T>): Promise<ObjOf<T>> {
    await this.db(tableOf(type).name).insert({ ...columnsOf(type, obj as Obj), data: dataOf(type, obj as Obj) });
    countWrite(this.db, type);
    return obj;
  }

  /**
   * Inserts an object whose id and `index` are the next number of its table (events), in one
   * statement: the number is drawn in it and written into the id column and the JSON alike. On
   * PostgreSQL the same statement notifies the table's channel, which other processes hear at commit.
   */
  async insertNumbered<T extends StructType>(type: T, obj: ObjOf<T>): Promise<ObjOf<T>> {
    const spec = tableOf(type);
    const { id: _, ...columns } = columnsOf(type, obj as Obj);
    const kinds = new Map(columnsOfTable(spec).map((c) => [c.name, SQL_TYPES[c.type]]));
    const names = Object.keys(columns);
    // The JSON around the two places that hold the number, joined to it by the statement.
    const { id: _id, index: _index, ...given } = obj as Obj;
    const json = dataOf(type, { id: '', index: 0, ...given });
    const head = '{"id":"';
    const middle = '","index":';
    const tail = json.slice(`${head}${middle}0`.length);
    const pg = onPostgres(this.db);
    const next = pg ? 'nextval(pg_get_serial_sequence(?, \'seq\'))' : "coalesce((select seq from sqlite_sequence where name = ?), 0) + 1";
    const n = 'cast(n.seq as text)';
    const sql = `insert into ?? (??, ??${names.map(() => ', ??').join('')}, ??) `
      + `select n.seq, ${n}${names.map((c) => `, cast(? as ${kinds.get(c)})`).join('')}, ? || ${n} || ? || ${n} || ? `
      + `from (select ${next} as seq) n${pg ? ", pg_notify(? || current_schema(), '')" : ''} returning seq`;
    const result: { rows: { seq: number }[] } | { seq: number }[] = await this.db.raw(sql, [
      spec.name, 'seq', 'id', ...names, 'data', ...Object.values(columns), head, middle, tail, spec.name, ...(pg ? [channelPrefix(spec.name)] : []),
    ]);
    const seq = Number((Array.isArray(result) ? result : result.rows)[0].seq);
    countWrite(this.db, type);
    appended(this.db, spec.name);
    return { ...(obj as Obj), id: String(seq), index: seq } as ObjOf<T>;
  }

  async update<T extends StructType>(type: T, obj: ObjOf<T>, owners: Owners = {}): Promise<ObjOf<T>> {
    const row = obj as Obj;
    const n = await this.query(type, owners)
      .where('id', String(row.id))
      .update({ ...columnsOf(type, row), data: dataOf(type, row) });
    if (n !== 1) throw new Error(`${type.name} ${String(row.id)} vanished during update`);
    countWrite(this.db, type);
    return obj;
  }

  async remove(type: StructType, id: string, owners: Owners = {}): Promise<number> {
    const n = await this.query(type, owners).where('id', id).delete();
    countWrite(this.db, type);
    return n;
  }

  async removeOwned(type: StructType, owners: Owners): Promise<number> {
    const n = await this.query(type, owners).delete();
    countWrite(this.db, type);
    return n;
  }
}
