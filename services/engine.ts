// Opening an engine: the database (migrated), storage and the behaviours of every service.
import { Config } from './config';
import { Engine, collectionBehaviour, entityBehaviour } from './behaviour';
import { connect } from './store/connect';
import { migrate } from './store/migrations';
import { Storage } from './storage';
import { allServices } from '../model/tree';
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

/** Fails fast when a service of the tree has no behaviour. */
function checkBehaviours(): void {
  const missing = allServices().filter((s) => (s.kind === 'collection' ? !collectionBehaviour(s) : !entityBehaviour(s)));
  if (missing.length) throw new Error(`services without behaviour: ${missing.map((s) => s.name).join(', ')}`);
}

export async function openEngine(config: Config): Promise<Engine> {
  checkBehaviours();
  const db = await connect({ url: config.db, schema: config.dbSchema });
  await migrate(db);
  return { config, db, storage: new Storage(config.dataDir) };
}
