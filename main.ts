// The composition root: `npm start` runs one process serving, from the settings in the
// environment, the API, the image proxy or both, each wired to the one engine.
// `npm run unlock -- <user name | client address>...`: ends the login lockouts of those.
// The engine's modules (behaviours, background work, API, SSO) are loaded only by a process that
// serves the API: a proxy alone needs the database, its certificate and the data plane.
import { isIP } from 'node:net';
import { Knex } from 'knex';
import { Config, configFromEnv } from './services/config';
import { connect } from './services/store/connect';
import { Log, openLog } from './services/log';
import { Metrics } from './services/metrics';
import { Proxy, controlSocketOf, proxyLimits, startProxy } from './proxy/server';
import { controlTokenOf } from './proxy/control-access';
import { ensureCertificates } from './services/pki';
import { serveMetrics } from './services/metrics-port';
import { localUrl } from './services/local-url';

/** Brings the database to what this code expects (the migrations use the engine's modules). */
async function prepare(db: Knex): Promise<void> {
  const { prepareStore } = await import('./services/store/prepare');
  await prepareStore(db);
}

async function serveImages(config: Config, db: Knex, log: Log, metrics: Metrics): Promise<Proxy> {
  const proxy = await startProxy(db, await ensureCertificates(db, config.dataDir, config.publicHost), {
    port: config.proxyPort, bind: config.bind, controlSocket: controlSocketOf(config.dataDir), controlPort: config.controlPort, removeTimeout: config.ticketRemoveTimeout, limits: proxyLimits(config),
    log, metrics,
  });
  // With port 0 the system picks one; transfer URLs must carry the real one.
  config.proxyPort = proxy.port;
  console.log(`Hangar image proxy on ${localUrl('https', config.bind, proxy.port)}/images`);
  console.log(`Hangar ticket control API on ${controlSocketOf(config.dataDir)}${proxy.controlPort ? ` and http://127.0.0.1:${proxy.controlPort}/tickets (Authorization: Bearer, the secret in ${controlTokenOf(controlSocketOf(config.dataDir))})` : ''}`);
  return proxy;
}

/** What a process serves: its metrics, and what stopping it does within `drainMs` (answering the uploads it paused). */
interface Serving {
  metrics: Metrics;
  stop(drainMs: number): Promise<string[]>;
}

/** Uploads this process's proxy served, paused once it stopped (the transfers' module is the engine's). */
async function pauseServedHere(config: Config, db: Knex): Promise<string[]> {
  const { pauseUploadsServedHere } = await import('./services/transfers');
  return pauseUploadsServedHere({ config, db });
}

/**
 * Serves the image proxy alone: the engine's processes do the background work and prepare the
 * database; a proxy does so only on a database no engine has prepared (one of its own).
 */
async function proxyOnly(config: Config, log: Log): Promise<Serving> {
  const db = await connect({ url: config.db, schema: config.dbSchema });
  if (!(await db.schema.hasTable('transfer_tickets'))) await prepare(db);
  const metrics = new Metrics(db);
  const proxy = await serveImages(config, db, log, metrics);
  return {
    metrics,
    async stop(drainMs) {
      await proxy.stop(drainMs);
      const paused = await pauseServedHere(config, db);
      await db.destroy();
      return paused;
    },
  };
}

async function engineProcess(config: Config, log: Log): Promise<Serving> {
  const { openEngine } = await import('./services/engine');
  const { ensureAdminPassword } = await import('./sso/directory');
  const { startApi } = await import('./api/server');
  const engine = await openEngine(config, log);
  await ensureAdminPassword(engine, (line) => console.log(line));
  const servers = await startApi(engine);
  const https = localUrl('https', config.bind, servers.https.info.port);
  console.log(`Hangar API on ${https}/ovirt-engine/api, its documentation on ${https}/ovirt-engine/api/docs`);
  console.log(`Hangar CA certificate (for --cacert) on ${https}/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA`);
  if (servers.http) console.log(`Hangar API (plain HTTP) on ${localUrl('http', config.bind, servers.http.info.port)}/ovirt-engine/api`);
  const proxy = config.role === 'api' ? undefined : await serveImages(config, engine.db, engine.log, engine.metrics);
  return {
    metrics: engine.metrics,
    async stop(drainMs) {
      await Promise.all([servers.stop(drainMs), proxy?.stop(drainMs)]);
      const paused = proxy ? await pauseServedHere(config, engine.db) : [];
      await engine.close();
      return paused;
    },
  };
}

async function main(): Promise<void> {
  const config = configFromEnv();
  const log = openLog(config);
  const serving = config.role === 'proxy' ? await proxyOnly(config, log) : await engineProcess(config, log);
  const metrics = config.metricsPort === undefined ? undefined : await serveMetrics(serving.metrics, config.metricsPort, config.metricsBind);
  if (metrics) console.log(`Hangar metrics on ${localUrl('http', config.metricsBind, metrics.port)}/metrics`);
  // A second signal ends the process at once (the handler is gone).
  const stop = (signal: NodeJS.Signals) => {
    const drainMs = config.shutdownTimeout * 1000;
    log.info({ signal, drain_ms: drainMs }, `Hangar stopping on ${signal}: no new connections; requests and transfers under way have ${config.shutdownTimeout} s to finish`);
    Promise.all([serving.stop(drainMs), metrics?.stop()]).then(([paused]) => {
      log.info({ paused_uploads: paused }, `Hangar stopped${paused.length ? `; uploads paused, to be resumed: ${paused.join(', ')}` : ''}`);
      process.exit(0);
    }, (err: unknown) => {
      log.fatal({ err }, 'Hangar did not stop cleanly');
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
  const { unlockLogin } = await import('./sso');
  const { unlockAddress } = await import('./sso/throttle');
  const db = await connect({ url: config.db, schema: config.dbSchema });
  try {
    await prepare(db);
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
