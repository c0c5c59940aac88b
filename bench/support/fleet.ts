// A fleet of VMs written straight into the tables, with hosts, clusters and disks in the
// proportions of a real engine: what the benchmarks of large lists and searches read.
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import * as T from '../../model/types';
import { StructType } from '../../model/meta';
import { Obj } from '../../model/codec';
import { columnsOf, tableOf } from '../../services/store/tables';
import { TestEngine } from '../../test/support/engine';

async function bulk(db: Knex, type: StructType, objs: Obj[]): Promise<void> {
  const rows = objs.map((o) => ({ ...columnsOf(type, o), data: JSON.stringify(o) }));
  await db.batchInsert(tableOf(type).name, rows, 500);
}

/** VMs with hosts, clusters and disks in the proportions of a real engine. */
export async function fill(t: TestEngine, vms: number): Promise<void> {
  const db = t.engine.db;
  const [dc] = await db(tableOf(T.DataCenter).name).select('id');
  const [defaultCluster] = await db(tableOf(T.Cluster).name).where('name', 'Default').select('id');
  const clusters = [String(defaultCluster.id)];
  const more = Array.from({ length: Math.max(1, Math.floor(vms / 1000)) }, (_, i) => ({
    id: randomUUID(), name: `cluster-${i}`, data_center: { id: dc.id }, cpu: { architecture: 'x86_64' },
  }));
  await bulk(db, T.Cluster, more);
  clusters.push(...more.map((c) => c.id));
  const hosts = Array.from({ length: Math.max(2, Math.floor(vms / 50)) }, (_, i) => ({
    id: randomUUID(), name: `host-${i}`, address: `host-${i}.example.com`, status: 'up', memory: 256 * 1024 ** 3,
    cluster: { id: clusters[i % clusters.length] }, hardware_information: { uuid: randomUUID() },
  }));
  await bulk(db, T.Host, hosts);
  const all: Obj[] = [];
  const disks: Obj[] = [];
  for (let i = 0; i < vms; i++) {
    const host = hosts[i % hosts.length];
    const up = i % 3 === 0;
    const vm: Obj = {
      id: randomUUID(), name: `vm-${i}`, description: i % 4 === 0 ? 'web server' : 'database',
      memory: (1 + (i % 8)) * 512 * 1024 ** 2, status: up ? 'down' : 'up', type: 'server',
      cluster: { id: host.cluster.id }, ...(up ? {} : { host: { id: host.id } }),
      template: { id: '00000000-0000-0000-0000-000000000000' }, os: { type: 'other' }, creation_time: new Date().toISOString(),
    };
    all.push(vm);
    disks.push({ id: randomUUID(), name: `vm-${i}_disk1`, format: 'cow', provisioned_size: 10 * 1024 ** 3, status: 'ok' });
  }
  await bulk(db, T.Vm, all);
  await bulk(db, T.Disk, disks);
  // Planner statistics for the bulk-loaded tables, as a live database has them (SQLite's from the
  // engine's `PRAGMA optimize`, PostgreSQL's from autovacuum).
  await db.raw('analyze');
}
