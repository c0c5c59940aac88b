// The hapi servers of the API: HTTPS always, plain HTTP when a port is given.
import Hapi, { Server } from '@hapi/hapi';
import { Engine } from '../services/behaviour';
import { ensureCertificates } from '../services/pki';
import { faults } from './faults';
import { versioning } from './versioning';
import { auth } from './auth';
import { apiRoutes } from './routes';
import { ssoRoutes } from './sso';

const MAX_BODY = 16 * 1024 * 1024;

async function build(engine: Engine, port: number, tls: { key: string; cert: string } | undefined, caPem: string): Promise<Server> {
  const server = Hapi.server({
    port,
    address: engine.config.bind,
    tls,
    routes: { payload: { parse: false, output: 'data', maxBytes: MAX_BODY } },
    router: { stripTrailingSlash: true },
  });
  await server.register([versioning, faults]);
  await server.register({ plugin: auth, options: { engine } });
  server.route([...ssoRoutes(engine, caPem), ...apiRoutes(engine)]);
  return server;
}

export interface ApiServers {
  https: Server;
  http?: Server;
  stop(): Promise<void>;
}

export async function startApi(engine: Engine, ports = { https: engine.config.apiPort, http: engine.config.httpPort }): Promise<ApiServers> {
  const certs = ensureCertificates(engine.config.dataDir);
  const https = await build(engine, ports.https, { key: certs.keyPem, cert: certs.certPem }, certs.caPem);
  await https.start();
  const http = ports.http === undefined ? undefined : await build(engine, ports.http, undefined, certs.caPem);
  await http?.start();
  return {
    https,
    http,
    async stop() {
      await Promise.all([https.stop(), http?.stop()]);
    },
  };
}
