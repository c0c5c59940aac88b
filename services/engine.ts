// Opening an engine: the database (migrated), storage and the behaviours of every service.
import { Config } from './config';
import { Engine } from './behaviour';
import { connect, isPostgres } from './store/connect';
import { prepareStore } from './store/prepare';
import { Storage } from './storage';
import { SimulatedRuntime } from './runtime/simulated';
import { Scheduler } from './transitions';
import { monitorTransfers, pauseInterruptedUploads } from './transfers';
import './datacenters';
import './clusters';
import './hosts';
import './networks';
import './storagedomains';
import './disks';
import './templates';
import './vms';
import './journal';
import './statistics';
import './identity';

export interface RunningEngine extends Engine {
  /** Stops background work and closes the database. */
  close(): Promise<void>;
}

/** How often each process looks for due transitions, in milliseconds. */
const TICK_MS = 20;

export async function openEngine(config: Config): Promise<RunningEngine> {
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
  const runtime = new SimulatedRuntime({
    speed: config.simSpeed, hostMemory: config.simHostMemory, hostCores: config.simHostCores, dataDir: config.dataDir,
  });
  const engine: Engine = { config, db, storage: new Storage(config.dataDir, config.storageRoots, config.fsTimeout), runtime };
  await pauseInterruptedUploads(engine);
  const scheduler = new Scheduler(db, runtime, TICK_MS, [() => monitorTransfers(engine)]);
  scheduler.start();
  return {
    ...engine,
    async close() {
      await scheduler.stop();
      await db.destroy();
    },
  };
}
