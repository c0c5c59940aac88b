// oVirt search queries, for now the subset scripts use most: `field=value` and `field!=value`
// terms joined by `and`, on the attributes the model keeps in columns, `*` as wildcard.
// Anything else is refused with a fault that says where, never ignored.
import { CollectionService } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, ownersOf } from './behaviour';
import { tableOf } from './store/tables';
import { Match } from './store/repo';
import { badRequest } from './fault';

const TERM = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(!=|=)\s*("([^"]*)"|[^\s"]+)\s*$/;

/** `vm-4*` → `vm-4%`, with LIKE's own wildcards escaped. */
function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

export function parseQuery(collection: CollectionService, query: string, caseSensitive: boolean): Match[] {
  const type = collection.type();
  const columns = tableOf(type).valueColumns;
  const terms = query.split(/\s+and\s+/i);
  let position = 0;
  return terms.map((term) => {
    const m = TERM.exec(term);
    const at = position;
    position += term.length + 5;
    if (!m) throw badRequest(`Cannot parse search query at position ${at}: '${term.trim()}' is not a 'field=value' term`);
    const field = m[1].toLowerCase();
    if (!columns.includes(field)) {
      throw badRequest(`Unknown search field '${m[1]}' at position ${at}: ${type.name} can be searched by ${columns.join(', ')}`);
    }
    return { column: field, pattern: likePattern(m[4] ?? m[3]), negate: m[2] === '!=', caseSensitive };
  });
}

export async function search(
  call: Call,
  collection: CollectionService,
  query: string,
  o: { max?: number; caseSensitive: boolean },
): Promise<Obj[]> {
  const matches = parseQuery(collection, query, o.caseSensitive);
  return call.repo.list(collection.type(), ownersOf(collection, call.scope), { max: o.max, matches });
}
