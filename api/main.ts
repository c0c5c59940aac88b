// `npm start`: one process serving the API from the settings in the environment.
import { configFromEnv } from '../services/config';
import { openEngine } from '../services/engine';
import { ensureAdminPassword } from '../sso/directory';
import { startApi } from './server';
import { controlSocketOf, proxyLimits, startProxy } from '../proxy/server';
import { ensureCertificates } from '../services/pki';

async function main(): Promise<void> {
  const config = configFromEnv();
  const engine = await openEngine(config);
  await ensureAdminPassword(engine, (line) => console.log(line));
  const servers = config.role === 'proxy' ? undefined : await startApi(engine);
  if (servers) console.log(`Hangar API on ${servers.https.info.uri}/ovirt-engine/api`);
  if (servers?.http) console.log(`Hangar API (plain HTTP) on ${servers.http.info.uri}/ovirt-engine/api`);
  const proxy = config.role === 'api' ? undefined : await startProxy(engine.db, await ensureCertificates(engine.db, config.dataDir, config.publicHost), {
    port: config.proxyPort, bind: config.bind, controlSocket: controlSocketOf(config.dataDir), controlPort: config.controlPort, removeTimeout: config.ticketRemoveTimeout, limits: proxyLimits(config),
  });
  // With port 0 the system picks one; transfer URLs must carry the real one.
  if (proxy) config.proxyPort = proxy.port;
  if (proxy) console.log(`Hangar image proxy on https://${config.publicHost}:${proxy.port}/images`);
  if (proxy) console.log(`Hangar ticket control API on ${controlSocketOf(config.dataDir)}${proxy.controlPort ? ` and http://127.0.0.1:${proxy.controlPort}/tickets` : ''}`);
  const stop = async () => {
    await servers?.stop();
    await proxy?.stop();
    await engine.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `Hangar could not start: ${e.message}` : e);
  process.exit(1);
});
