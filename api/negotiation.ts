// Content negotiation: the response format from Accept, the request format from Content-Type.
import Accept from '@hapi/accept';
import { Format, JSON_FORMAT, ListFormat, NDJSON, XML } from '../model/codec';
import { unsupportedMediaType } from '../services/fault';
import { BoundedMap } from '../services/bounded-map';

interface HasHeaders {
  headers: Record<string, unknown>;
}

export function header(r: HasHeaders, name: string): string | undefined {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : undefined;
}

/** The media type chosen for each Accept header seen: clients send few, each on every request. */
const chosen = new BoundedMap<string, string>(100);

function chosenType(r: HasHeaders): string {
  const accept = header(r, 'accept') ?? '';
  let type = chosen.get(accept);
  if (type === undefined) {
    try {
      type = Accept.mediaType(accept, ['application/xml', 'application/json', 'text/xml', NDJSON.mediaType]);
    } catch {
      // A malformed Accept header is treated as no preference.
      type = '';
    }
    chosen.set(accept, type);
  }
  return type;
}

/** XML unless the client prefers JSON (or NDJSON, which is JSON but for lists); oVirt answers XML to clients that do not say. */
export function responseFormat(r: HasHeaders): Format {
  const chosen = chosenType(r);
  return chosen === 'application/json' || chosen === NDJSON.mediaType ? JSON_FORMAT : XML;
}

/** The format of a list: NDJSON when the client prefers it, else as `responseFormat`. */
export function listFormat(r: HasHeaders): ListFormat {
  return chosenType(r) === NDJSON.mediaType ? NDJSON : responseFormat(r);
}

/** The format of a request body; a body in any other media type is refused with 415. */
export function requestFormat(r: HasHeaders): Format {
  const type = (header(r, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === '' || type === 'application/xml' || type === 'text/xml') return XML;
  if (type === 'application/json') return JSON_FORMAT;
  throw unsupportedMediaType(`Content-Type '${type}' is not supported: use application/xml or application/json`);
}
