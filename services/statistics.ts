// Statistics of hosts and VMs: current figures from the runtime, in oVirt's Statistic shape.
import * as S from '../model/services';
import { CollectionService, EntityService } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load } from './stored';
import { notFound } from './fault';

function statistic(owner: string, ownerObj: Obj, name: string, description: string, unit: string, type: 'integer' | 'decimal', value: number): Obj {
  return {
    id: Buffer.from(`${String(ownerObj.id)}:${name}`).toString('hex').slice(0, 64),
    name,
    description,
    kind: 'gauge',
    type,
    unit,
    values: [{ datum: value }],
    [owner]: { id: ownerObj.id },
  };
}

async function figures(call: Call, owner: 'host' | 'vm', collection: CollectionService): Promise<Obj[]> {
  const obj = await load({ ...call, scope: call.scope.slice(0, 1) }, collection);
  const running = owner === 'host' ? obj.status === 'up' : !['down', 'suspended'].includes(String(obj.status));
  const load_ = running ? call.engine.runtime.load(owner, obj) : { cpuPercent: 0, memoryUsed: 0 };
  const total = Number(obj.memory ?? 0);
  return [
    statistic(owner, obj, 'memory.total', 'Total memory', 'bytes', 'integer', total),
    statistic(owner, obj, 'memory.used', 'Memory used', 'bytes', 'integer', load_.memoryUsed),
    statistic(owner, obj, 'memory.free', 'Memory free', 'bytes', 'integer', Math.max(0, total - load_.memoryUsed)),
    statistic(owner, obj, 'cpu.current.total', 'Total CPU used', 'percent', 'decimal', load_.cpuPercent),
  ];
}

function statistics(collection: CollectionService, parent: CollectionService, owner: 'host' | 'vm') {
  const entity: EntityService = collection.entity();
  return [
    implement(collection, { list: async (call, o) => (await figures(call, owner, parent)).slice(0, o.max) }),
    implement(entity, {
      async get(call) {
        const found = (await figures(call, owner, parent)).find((s) => s.id === call.scope[1]);
        if (!found) throw notFound(`Statistic '${call.scope[1]}' does not exist`);
        return found;
      },
    }),
  ];
}

export const hostStatistics = statistics(S.HostStatistics, S.Hosts, 'host');
export const vmStatistics = statistics(S.VmStatistics, S.Vms, 'vm');
