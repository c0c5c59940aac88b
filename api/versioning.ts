// API versions: only v4 is served, chosen by the `/v4` path prefix or the `Version` header.
import { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import { badRequest } from '../services/fault';

export const API_ROOT = '/ovirt-engine/api';
const PREFIXED = /^\/ovirt-engine\/api\/v(\d+)(?=\/|$)/;

export const versioning: Plugin<void> = {
  name: 'hangar-versioning',
  register(server) {
    server.ext('onRequest', (request: Request, h: ResponseToolkit) => {
      const path = request.url.pathname;
      const prefixed = PREFIXED.exec(path);
      const asked = prefixed?.[1] ?? request.headers.version;
      if (asked !== undefined && path.startsWith(API_ROOT) && String(asked).trim() !== '4') {
        throw badRequest(`API version ${String(asked)} is not supported: this engine serves version 4`);
      }
      if (prefixed) request.setUrl(path.replace(`/v${prefixed[1]}`, '') + request.url.search);
      return h.continue;
    });
  },
};
