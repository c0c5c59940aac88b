// Request paths are taken as sent: a dot segment (`.` or `..`, also percent-encoded) would be
// resolved by the URL parser before routing (`/vms/%2e%2e/hosts` is `/hosts`), so a client could
// reach a route other than the one its path names. Such paths are refused before routing.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import { malformed } from '../services/fault';

/** `.`, `..` and their percent-encoded spellings, as URL parsers take them. */
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

/** The path of a request target as it came, before any parsing (`/a/b?c` → `/a/b`). */
const rawPath = (request: Request) => (request.raw.req.url ?? '').split(/[?#]/, 1)[0];

export const dotSegments: Plugin<void> = {
  name: 'hangar-dot-segments',
  register(server) {
    server.ext('onRequest', (request: Request, h: ResponseToolkit) => {
      // Backslashes separate segments too in http(s) URLs.
      if (rawPath(request).split(/[/\\]/).some((segment) => DOT_SEGMENT.test(segment))) {
        throw malformed('The request path must not have "." or ".." segments');
      }
      return h.continue;
    });
  },
};
