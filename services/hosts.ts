// Hosts: the machines VMs run on. The root password is used to enrol a host and never kept.
import * as S from '../model/services';
import * as T from '../model/types';
import { Call, implement } from './behaviour';
import { storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { resolve, refTo } from './refs';
import { Obj } from '../model/codec';

async function prepare(call: Call, body: Obj): Promise<Obj> {
  const cluster = await resolve(call.repo, T.Cluster, body.cluster ?? { name: 'Default' }, 'cluster');
  return { port: 54321, type: 'rhel', ...body, cluster: refTo(cluster), status: 'up' };
}

const uniqueName = () => ({});

implement(S.Hosts, storedCollection(S.Hosts, { prepare, uniqueName }));
implement(S.HostEntity, storedEntity(S.Hosts, S.HostEntity, {
  uniqueName,
  async removing(call, host) {
    if ((await call.repo.count(T.Vm, { host: String(host.id) })) > 0) {
      throw conflict(`Cannot remove Host ${String(host.name)}: virtual machines are running on it`);
    }
  },
}));
