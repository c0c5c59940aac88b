// Opening an engine: the database (migrated), storage and the behaviours of every service.
import { Config } from './config';
import { Engine } from './behaviour';
import { connect } from './store/connect';
import { migrate } from './store/migrations';
import { Storage } from './storage';
import './datacenters';
import './clusters';
import './hosts';
import './networks';
import './storagedomains';
import './disks';
import './templates';
import './vms';
import './journal';
import './identity';

export async function openEngine(config: Config): Promise<Engine> {
  const db = await connect({ url: config.db, schema: config.dbSchema });
  await migrate(db);
  return { config, db, storage: new Storage(config.dataDir) };
}
