// The composition root: `npm start` runs one process serving, from the settings in the
// environment, the API, the image proxy or both, each wired to the one engine.
// `npm run unlock -- <user name | client address>...`: ends the login lockouts of those.
import { isIP } from 'node:net';
import { configFromEnv } from './services/config';
import { connect } from './services/store/connect';
import { prepareStore } from './services/store/prepare';
import { unlockLogin } from './sso';
import { unlockAddress } from './sso/throttle';
import { openEngine } from './services/engine';
import { ensureAdminPassword } from './sso/directory';
import { startApi } from './api/server';
import { controlSocketOf, proxyLimits, startProxy } from './proxy/server';
import { controlTokenOf } from './proxy/control-access';
import { ensureCertificates } from './services/pki';
import { pauseUploadsServedHere } from './services/transfers';

async function main(): Promise<void> {
  const config = configFromEnv();
  const engine = await openEngine(config);
  await ensureAdminPassword(engine, (line) => console.log(line));
  const servers = config.role === 'proxy' ? undefined : await startApi(engine);
  if (servers) console.log(`Hangar API on ${servers.https.info.uri}/ovirt-engine/api`);
  if (servers?.http) console.log(`Hangar API (plain HTTP) on ${servers.http.info.uri}/ovirt-engine/api`);
  const proxy = config.role === 'api' ? undefined : await startProxy(engine.db, await ensureCertificates(engine.db, config.dataDir, config.publicHost), {
    port: config.proxyPort, bind: config.bind, controlSocket: controlSocketOf(config.dataDir), controlPort: config.controlPort, removeTimeout: config.ticketRemoveTimeout, limits: proxyLimits(config),
    log: engine.log, metrics: engine.metrics,
  });
  // With port 0 the system picks one; transfer URLs must carry the real one.
  if (proxy) config.proxyPort = proxy.port;
  if (proxy) console.log(`Hangar image proxy on https://${config.publicHost}:${proxy.port}/images`);
  if (proxy) console.log(`Hangar ticket control API on ${controlSocketOf(config.dataDir)}${proxy.controlPort ? ` and http://127.0.0.1:${proxy.controlPort}/tickets (Authorization: Bearer, the secret in ${controlTokenOf(controlSocketOf(config.dataDir))})` : ''}`);
  // A second signal ends the process at once (the handler is gone).
  const stop = (signal: NodeJS.Signals) => {
    const drainMs = config.shutdownTimeout * 1000;
    engine.log.info({ signal, drain_ms: drainMs }, `Hangar stopping on ${signal}: no new connections; requests and transfers under way have ${config.shutdownTimeout} s to finish`);
    const stopping = async () => {
      await Promise.all([servers?.stop(drainMs), proxy?.stop(drainMs)]);
      const paused = proxy ? await pauseUploadsServedHere(engine) : [];
      await engine.close();
      engine.log.info({ paused_uploads: paused }, `Hangar stopped${paused.length ? `; uploads paused, to be resumed: ${paused.join(', ')}` : ''}`);
    };
    stopping().then(() => process.exit(0), (err: unknown) => {
      engine.log.fatal({ err }, 'Hangar did not stop cleanly');
      process.exit(1);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Clears the failed logins of each account (by any of its names) or client address named. */
async function unlock(names: string[]): Promise<void> {
  if (!names.length) throw new Error('name the users (joe@internal) or client addresses to unlock');
  const config = configFromEnv();
  const db = await connect({ url: config.db, schema: config.dbSchema });
  try {
    await prepareStore(db);
    for (const name of names) {
      const cleared = isIP(name) ? await unlockAddress(db, name) : await unlockLogin(db, name);
      console.log(`${name}: ${cleared ? 'failed logins cleared, logins taken again' : 'no failed logins to clear'}`);
    }
  } finally {
    await db.destroy();
  }
}

const [command, ...args] = process.argv.slice(2);
(command === 'unlock' ? unlock(args) : main()).catch((e: unknown) => {
  console.error(e instanceof Error ? `Hangar could not ${command === 'unlock' ? 'unlock' : 'start'}: ${e.message}` : e);
  process.exit(1);
});
