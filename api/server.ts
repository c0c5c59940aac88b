// The hapi servers of the API: HTTPS always, plain HTTP when a port is given.
import http from 'node:http';
import https from 'node:https';
import Hapi, { Server } from '@hapi/hapi';
import { Engine } from '../services/behaviour';
import { ensureCertificates } from '../services/pki';
import { Sso } from '../sso';
import { faults } from './faults';
import { versioning } from './versioning';
import { dotSegments } from './paths';
import { auth } from './auth';
import { apiRoutes } from './routes';
import { ssoRoutes } from './sso';
import { eventStreamRoute } from './event-stream';
import { accessLog } from './access-log';
import { metricsRoute } from './metrics';
import { draining } from './draining';
import { explorerRoutes } from './explorer';
import { apiLimits, limitConnections, timeoutOptions } from '../services/connections';

/** The Node server under hapi, made here so that it carries the connection limits. */
function listenerFor(engine: Engine, tls: { key: string; cert: string } | undefined): http.Server {
  const limits = apiLimits(engine.config);
  const options = timeoutOptions(limits);
  const listener = tls ? https.createServer({ ...tls, ...options }) : http.createServer(options);
  limitConnections(listener, limits, tls ? 'API (HTTPS)' : 'API (HTTP)', engine.log);
  return listener;
}

async function build(engine: Engine, sso: Sso, port: number, tls: { key: string; cert: string } | undefined, caPem: string): Promise<Server> {
  const server = Hapi.server({
    port,
    address: engine.config.bind,
    listener: listenerFor(engine, tls),
    tls: tls !== undefined,
    // Bodies stay unread until the handler has checked the caller's permit; it then reads at
    // most its route's cap (api/body.ts), which hapi's own byte limit must not undercut.
    routes: { payload: { parse: false, output: 'stream', maxBytes: Number.MAX_SAFE_INTEGER } },
    router: { stripTrailingSlash: true },
    // Server errors are logged by the faults plugin, with the request id the client is given.
    debug: false,
  });
  await server.register({ plugin: accessLog, options: engine });
  await server.register([draining, dotSegments, versioning, faults]);
  await server.register({ plugin: auth, options: { sso, tls: tls !== undefined } });
  const outsideTree = [...ssoRoutes(engine, sso, caPem), eventStreamRoute(engine), metricsRoute(engine)];
  server.route([...outsideTree, ...explorerRoutes(outsideTree), ...apiRoutes(engine)]);
  return server;
}

export interface ApiServers {
  https: Server;
  http?: Server;
  sso: Sso;
  /** Stops taking requests and gives those under way `drainMs` milliseconds (hapi's 5 s by default) before cutting them. */
  stop(drainMs?: number): Promise<void>;
}

export async function startApi(engine: Engine, ports = { https: engine.config.apiPort, http: engine.config.httpPort }): Promise<ApiServers> {
  // Both may make keys on first start, each in the thread pool.
  const [certs, sso] = await Promise.all([ensureCertificates(engine.db, engine.config.dataDir, engine.config.publicHost), Sso.open(engine)]);
  const https = await build(engine, sso, ports.https, { key: certs.keyPem, cert: certs.certPem }, certs.caPem);
  await https.start();
  const http = ports.http === undefined ? undefined : await build(engine, sso, ports.http, undefined, certs.caPem);
  await http?.start();
  return {
    https,
    http,
    sso,
    async stop(drainMs?: number) {
      const options = drainMs === undefined ? undefined : { timeout: drainMs };
      await Promise.all([https.stop(options), http?.stop(options)]);
    },
  };
}
