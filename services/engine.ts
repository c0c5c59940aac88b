// Opening an engine: the database (migrated), storage and the behaviours of every service.
import { Config } from './config';
import { checkModel } from '../model/check';
import { collectionRoutes } from '../model/tree';
import { Behaviours, Engine } from './behaviour';
import { connect, isPostgres } from './store/connect';
import { prepareStore } from './store/prepare';
import { Storage } from './storage';
import { SimulatedRuntime } from './runtime/simulated';
import { AgentRuntime } from './runtime/agent';
import { Runtime } from './runtime/runtime';
import { Scheduler } from './transitions';
import { guestSurvey } from './guest-reports';
import { Background } from './background';
import { Log, openLog } from './log';
import { Metrics } from './metrics';
import { eventRetention } from './events';
import * as datacenters from './datacenters';
import * as clusters from './clusters';
import * as hosts from './hosts';
import * as hostDetails from './host-details';
import * as networks from './networks';
import * as storagedomains from './storagedomains';
import * as domainContents from './domain-contents';
import * as ova from './ova';
import { abandonedImageJobMonitor, failAbandonedImageJobs } from './image-jobs';
import * as ovaImports from './ova-imports';
import * as disks from './disks';
import * as templates from './templates';
import * as templateDisks from './template-disks';
import * as vms from './vms';
import * as vmImages from './vm-images';
import * as transfers from './transfers';
import * as backups from './backups';
import * as journal from './journal';
import * as statistics from './statistics';
import * as identity from './identity';
import * as users from './users';
import * as apiTokens from './api-tokens';
import * as userSettings from './user-settings';
import * as catalogs from './catalogs';
import * as scheduling from './scheduling';
import * as tags from './tags';
import * as macPools from './mac-pools';
import * as instanceTypes from './instance-types';
import * as clusterNetworks from './cluster-networks';
import * as hostNetworks from './host-networks';
import * as consoles from './consoles';
import * as vmDevices from './vm-devices';
import * as affinity from './affinity';
import * as vmPools from './vm-pools';
import * as quotas from './quotas';
import * as profiles from './profiles';
import * as configLists from './config-lists';
import * as icons from './icons';
import * as serialConsoles from './serial-consoles';

export interface RunningEngine extends Engine {
  /** Stops background work and closes the database. */
  close(): Promise<void>;
}

/** The modules whose exported implementations make an engine's behaviours. */
const SERVICE_MODULES = [
  datacenters, clusters, hosts, hostDetails, networks, storagedomains, domainContents, ova, ovaImports, disks, templates, templateDisks, vms, vmImages, transfers, backups,
  journal, statistics, identity, users, userSettings, apiTokens, catalogs, scheduling, tags, macPools, instanceTypes, clusterNetworks,
  hostNetworks, consoles, vmDevices, affinity, vmPools, quotas, profiles, configLists, icons, serialConsoles,
];

/** How often each process looks for due transitions, in milliseconds. */
const TICK_MS = 20;

export async function openEngine(config: Config, log: Log = openLog(config)): Promise<RunningEngine> {
  checkModel(collectionRoutes);
  const db = await connect({ url: config.db, schema: config.dbSchema });
  try {
    await prepareStore(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  // SQLite's planner needs table statistics to pick indexes well (PostgreSQL's autovacuum
  // gathers its own); `optimize` refreshes those that are missing or stale.
  if (!isPostgres(config.db)) await db.raw('PRAGMA optimize=0x10002');
  const runtime: Runtime = config.runtime === 'qemu'
    ? new AgentRuntime(db, { dataDir: config.dataDir, pollMs: config.agentPollMs })
    : new SimulatedRuntime({ speed: config.simSpeed, hostMemory: config.simHostMemory, hostCores: config.simHostCores, dataDir: config.dataDir });
  const engine: Engine = {
    config, db, storage: new Storage(config.dataDir, config.storageRoots, config.fsTimeout), runtime, behaviours: new Behaviours(SERVICE_MODULES),
    background: new Background(log), log, metrics: new Metrics(db),
  };
  await transfers.pauseInterruptedUploads(engine);
  await failAbandonedImageJobs(engine);
  const scheduler = new Scheduler(db, log, runtime, TICK_MS, [transfers.transferMonitor(engine), backups.backupMonitor(engine), abandonedImageJobMonitor(engine), eventRetention(engine)],
    runtime.guests ? guestSurvey(db, runtime.guests) : undefined);
  scheduler.start();
  return {
    ...engine,
    async close() {
      await engine.background.close();
      await scheduler.stop();
      if (runtime instanceof AgentRuntime) runtime.close();
      await db.destroy();
    },
  };
}
