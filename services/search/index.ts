// Search of a collection with oVirt's query language, answered by the database.
import { CollectionService } from '../../model/meta';
import { Obj } from '../../model/codec';
import * as T from '../../model/types';
import { Call, ownersOf } from '../behaviour';
import { Page, RowCondition } from '../store/repo';
import { badRequest } from '../fault';
import { compileSearch } from './compile';
import { parseSearch } from './parse';

/** Results per page when `page` is asked without `max`, as oVirt's default search limit. */
const PAGE_SIZE = 100;

export async function search(
  call: Call,
  collection: CollectionService,
  text: string,
  o: { max?: number; caseSensitive: boolean; segment: string; seen?: RowCondition; page?: Page },
): Promise<Obj[]> {
  const query = parseSearch(text);
  const type = collection.type();
  if (query.collection && ![o.segment, type.plural.replace(/_/g, ''), type.plural].includes(query.collection.toLowerCase())) {
    throw badRequest(`Search query error at position 1: '${query.collection}:' names another collection than ${o.segment}`);
  }
  const postgres = String(call.repo.db.client.config.client) === 'pg';
  const pageSize = o.max ?? PAGE_SIZE;
  return call.repo.search(
    type,
    ownersOf(collection, call.scope),
    (q) => compileSearch(q, call.repo.db, type, query, { caseSensitive: o.caseSensitive, postgres }),
    {
      limit: query.page || o.max !== undefined ? pageSize : undefined,
      offset: query.page ? (query.page - 1) * pageSize : undefined,
      // The audit log reads newest first unless the query sorts it otherwise.
      newestFirst: type === T.Event && query.sort.length === 0,
      seen: o.seen,
      page: o.page,
      sorted: query.sort.length > 0,
      // The audit log's `from`, which oVirt applies to searches too.
      after: typeof call.params.from === 'number' ? call.params.from : undefined,
    },
  );
}
