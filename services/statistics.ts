// Statistics of hosts, host interfaces and VMs: current figures from the runtime, in oVirt's Statistic shape.
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService, EntityService } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load } from './stored';
import { notFound } from './fault';
import { interfacesOf } from './host-networks';
import { RUNNING } from './vm-states';

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

/** The traffic of the host interface at `scope[1]`, as oVirt reports it per interface. */
async function nicFigures(call: Call): Promise<Obj[]> {
  const host = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Hosts);
  const nic = (await interfacesOf(call, host)).find((n) => n.id === call.scope[1]);
  if (!nic) throw notFound(`Host NIC '${call.scope[1]}' does not exist`);
  return trafficFigures('host_nic', { id: nic.id, host: { id: host.id } }, call.engine.runtime.traffic(nic));
}

/** An interface's traffic as oVirt names it: rates now, totals where they are known, and errors. */
function trafficFigures(owner: string, owned: Obj, io: { rx: number; tx: number; rxTotal?: number; txTotal?: number }): Obj[] {
  return [
    statistic(owner, owned, 'data.current.rx', 'Receive data rate', 'bytes_per_second', 'decimal', io.rx),
    statistic(owner, owned, 'data.current.tx', 'Transmit data rate', 'bytes_per_second', 'decimal', io.tx),
    statistic(owner, owned, 'data.current.rx.bps', 'Receive data rate', 'bits_per_second', 'decimal', io.rx * 8),
    statistic(owner, owned, 'data.current.tx.bps', 'Transmit data rate', 'bits_per_second', 'decimal', io.tx * 8),
    ...(io.rxTotal === undefined || io.txTotal === undefined ? [] : [
      statistic(owner, owned, 'data.total.rx', 'Total received data', 'bytes', 'integer', io.rxTotal),
      statistic(owner, owned, 'data.total.tx', 'Total transmitted data', 'bytes', 'integer', io.txTotal),
    ]),
    statistic(owner, owned, 'errors.total.rx', 'Total receive errors', 'none', 'integer', 0),
    statistic(owner, owned, 'errors.total.tx', 'Total transmit errors', 'none', 'integer', 0),
  ];
}

/** The traffic of the VM NIC at `scope[1]`, which only a running VM has. */
async function vmNicFigures(call: Call): Promise<Obj[]> {
  const vm = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);
  const nic = await call.repo.get(T.Nic, call.scope[1], { vm: String(vm.id) });
  if (!nic) throw notFound(`NIC '${call.scope[1]}' does not exist`);
  const io = RUNNING.includes(String(vm.status)) ? call.engine.runtime.nicIo(vm, nic.id) : { rx: 0, tx: 0, rxTotal: 0, txTotal: 0 };
  return trafficFigures('nic', { id: nic.id, vm: { id: vm.id } }, io);
}

/** The I/O of the disk at `scope[0]`, which only a running VM does. */
async function diskFigures(call: Call): Promise<Obj[]> {
  const disk = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Disks);
  const users = await call.repo.list(T.DiskAttachment, {}, { where: { id: String(disk.id) } });
  const vms = await Promise.all(users.map((a) => call.repo.get(T.Vm, String(a.vm?.id))));
  const running = vms.some((vm) => vm !== undefined && RUNNING.includes(String(vm.status)));
  const io = running ? call.engine.runtime.diskIo(disk) : { read: 0, write: 0, readLatency: 0, writeLatency: 0, flushLatency: 0 };
  return [
    statistic('disk', disk, 'data.current.read', 'Read data rate', 'bytes_per_second', 'decimal', io.read),
    statistic('disk', disk, 'data.current.write', 'Write data rate', 'bytes_per_second', 'decimal', io.write),
    statistic('disk', disk, 'disk.read.latency', 'Read latency', 'seconds', 'decimal', io.readLatency),
    statistic('disk', disk, 'disk.write.latency', 'Write latency', 'seconds', 'decimal', io.writeLatency),
    statistic('disk', disk, 'disk.flush.latency', 'Flush latency', 'seconds', 'decimal', io.flushLatency),
  ];
}

function statistics(collection: CollectionService, figuresOf: (call: Call) => Promise<Obj[]>, depth: number) {
  const entity: EntityService = collection.entity();
  return [
    implement(collection, { list: async (call, o) => (await figuresOf(call)).slice(0, o.max) }),
    implement(entity, {
      async get(call) {
        const found = (await figuresOf(call)).find((s) => s.id === call.scope[depth]);
        if (!found) throw notFound(`Statistic '${call.scope[depth]}' does not exist`);
        return found;
      },
    }),
  ];
}

export const hostStatistics = statistics(S.HostStatistics, (call) => figures(call, 'host', S.Hosts), 1);
export const vmStatistics = statistics(S.VmStatistics, (call) => figures(call, 'vm', S.Vms), 1);
export const hostNicStatistics = statistics(S.HostNicStatistics, nicFigures, 2);
export const vmNicStatistics = statistics(S.VmNicStatistics, vmNicFigures, 2);
export const diskStatistics = statistics(S.DiskStatistics, diskFigures, 1);
