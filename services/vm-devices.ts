// Devices of VMs, templates and instance types besides disks and consoles: watchdogs (one at
// most), mediated devices, host devices passed to a VM from its pinned host, virtual NUMA nodes,
// the NICs and CD-ROM of templates and the NICs of instance types; and what a running VM's
// guest agent reports (devices, applications, sessions), from the runtime.
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService, ObjOf, StructType } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { Call, implement, ownersOf } from './behaviour';
import { StoredHooks, load, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict, entityNotFound, notFound } from './fault';
import { refTo, resolve } from './refs';
import { StoredObj } from './store/repo';

type VmObj = StoredObj<typeof T.Vm>;

const vmOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);

/** The stored collection and entity of a device sub-collection, with the same hooks. */
function storedDevices<T extends StructType>(collection: CollectionService<T>, hooks: StoredHooks<NoInfer<T>> = {}) {
  return [implement(collection, storedCollection(collection, hooks)), implement(collection.entity(), storedEntity(collection, collection.entity(), hooks))];
}

// --- watchdogs --------------------------------------------------------------

/** A VM, template or instance type has at most one watchdog, as oVirt allows. */
function oneWatchdog(collection: CollectionService<typeof T.Watchdog>): StoredHooks<typeof T.Watchdog> {
  return {
    async prepare(call, body) {
      if ((await call.repo.count(T.Watchdog, ownersOf(collection, call.scope))) > 0) {
        throw conflict('Cannot add a watchdog: there is one already, and only one is allowed');
      }
      return body;
    },
  };
}

export const watchdogs = [S.VmWatchdogs, S.TemplateWatchdogs, S.InstanceTypeWatchdogs].flatMap((c) => storedDevices(c, oneWatchdog(c)));

// --- mediated devices -------------------------------------------------------

/** A mediated device names its type (`mdevType`), as oVirt's engine requires. */
function checkSpecParams(device: ObjOf<typeof T.VmMediatedDevice>): ObjOf<typeof T.VmMediatedDevice> {
  const params = device.spec_params ?? [];
  if (!params.some((p) => p.name === 'mdevType' && p.value)) throw badRequest('A mediated device needs the spec parameter mdevType');
  return device;
}

const mediatedHooks: StoredHooks<typeof T.VmMediatedDevice> = {
  prepare: (_call, body) => checkSpecParams(body),
  apply: (_call, current, changes) => checkSpecParams(mergeInto(T.VmMediatedDevice, current, changes)),
};

export const mediatedDevices = [S.VmMediatedDevices, S.TemplateMediatedDevices].flatMap((c) => storedDevices(c, mediatedHooks));

// --- host devices -----------------------------------------------------------

/** The one host a VM is pinned to, which it takes host devices from. */
async function pinnedHost(call: Call, vm: VmObj): Promise<StoredObj<typeof T.Host>> {
  const hosts = (vm.placement_policy?.hosts ?? []).filter(isObj);
  if (hosts.length !== 1) throw conflict(`Cannot pass a host device to VM ${String(vm.name)}: it is not pinned to one host`);
  return resolve(call.repo, T.Host, hosts[0], 'host');
}

export const vmHostDevices = [
  implement(S.VmHostDevices, {
    list: (call, o) => call.repo.list(T.HostDevice, { vm: call.scope[0] }, { max: o.max }),
    async add(call, body) {
      const vm = await vmOf(call);
      const host = await pinnedHost(call, vm);
      const key = body.id !== undefined ? `id=${String(body.id)}` : `name=${String(body.name)}`;
      const device = call.engine.runtime.devices(host).find((d) => (body.id !== undefined ? d.id === body.id : d.name === body.name));
      if (!device) throw entityNotFound('HostDevice', `${key} on host ${String(host.name)}`);
      if (device.capability === 'system') throw conflict(`Host device ${String(device.name)} is the host itself and cannot be passed to a VM`);
      if (await call.repo.get(T.HostDevice, String(device.id), { vm: vm.id })) throw conflict(`Host device ${String(device.name)} is passed to VM ${String(vm.name)} already`);
      const passed = { ...device, vm: refTo(vm) } as StoredObj<typeof T.HostDevice>;
      await call.repo.insert(T.HostDevice, passed);
      return passed;
    },
  }),
  implement(S.VmHostDevices.entity(), {
    get: (call) => load(call, S.VmHostDevices),
    async remove(call) {
      await call.repo.remove(T.HostDevice, (await load(call, S.VmHostDevices)).id, { vm: call.scope[0] });
    },
  }),
];

// --- virtual NUMA nodes -----------------------------------------------------

type NumaObj = ObjOf<typeof T.VirtualNumaNode>;

const vcpusOf = (vm: VmObj) => {
  const t = vm.cpu?.topology ?? {};
  return (t.sockets ?? 1) * (t.cores ?? 1) * (t.threads ?? 1);
};

/**
 * A node's index is unique in its VM, its CPUs are among the VM's and taken by no other node,
 * the nodes' memory fits the VM's, and pinning to host nodes needs a VM pinned to a host.
 */
async function checkNode(call: Call, node: NumaObj, self?: string): Promise<NumaObj> {
  const vm = await vmOf(call);
  const others = (await call.repo.list(T.VirtualNumaNode, { vm: vm.id })).filter((n) => n.id !== self);
  if (others.some((n) => n.index === node.index)) throw conflict(`VM ${String(vm.name)} has a NUMA node with index ${String(node.index)} already`);
  const cores = (node.cpu?.cores ?? []).map((c) => Number(c.index));
  const vcpus = vcpusOf(vm);
  const beyond = cores.find((c) => !Number.isInteger(c) || c < 0 || c >= vcpus);
  if (beyond !== undefined) throw conflict(`VM ${String(vm.name)} has ${vcpus} virtual CPUs: it has no CPU ${beyond} to give a NUMA node`);
  const taken = new Set(others.flatMap((n) => (n.cpu?.cores ?? []).map((c) => Number(c.index))));
  const shared = cores.find((c) => taken.has(c));
  if (shared !== undefined) throw conflict(`CPU ${shared} of VM ${String(vm.name)} belongs to another of its NUMA nodes`);
  const memory = others.reduce((sum, n) => sum + Number(n.memory ?? 0), Number(node.memory ?? 0));
  if (memory * 2 ** 20 > Number(vm.memory ?? 0)) throw conflict(`The NUMA nodes of VM ${String(vm.name)} would have more memory than it has`);
  if ((node.numa_node_pins ?? []).length && !(vm.placement_policy?.hosts ?? []).length) {
    throw conflict(`Cannot pin the NUMA nodes of VM ${String(vm.name)} to host nodes: it is not pinned to a host`);
  }
  return node;
}

export const vmNumaNodes = storedDevices(S.VmNumaNodes, {
  prepare: (call, body) => checkNode(call, body),
  apply: (call, current, changes) => checkNode(call, mergeInto(T.VirtualNumaNode, current, changes), current.id),
});

// --- what the guest reports -------------------------------------------------

type Reported = (call: Call, items: Obj[]) => Promise<Obj[]>;

/**
 * Serves one list of what a running VM's guest reports (none when it is not running), or the part
 * of it `of` picks for the collection's owner.
 */
function reported<K extends 'reported_devices' | 'applications' | 'sessions'>(collection: CollectionService, what: K, of: Reported = async (_, items) => items) {
  const all = async (call: Call): Promise<Obj[]> => {
    const vm = await vmOf(call);
    if (!vm.host?.id) return [];
    return of(call, call.engine.runtime.guest(vm)[what].map((item) => ({ ...item, vm: refTo(vm) })));
  };
  return [
    implement(collection, { list: async (call, o) => (await all(call)).slice(0, o.max) }),
    implement(collection.entity(), {
      async get(call) {
        const id = call.scope[call.scope.length - 1];
        const found = (await all(call)).find((item) => item.id === id);
        if (!found) throw notFound(`${collection.type().name} '${id}' does not exist`);
        return found;
      },
    }),
  ];
}

/** The devices reported with the MAC address of the NIC the path names. */
const ofNic: Reported = async (call, items) => {
  const nic = await call.repo.get(T.Nic, call.scope[1], { vm: call.scope[0] });
  if (!nic) throw entityNotFound(T.Nic.name, call.scope[1]);
  return items.filter((d) => isObj(d.mac) && d.mac.address === nic.mac?.address);
};

export const guestReports = [
  ...reported(S.VmReportedDevices, 'reported_devices'),
  ...reported(S.VmNicReportedDevices, 'reported_devices', ofNic),
  ...reported(S.VmApplications, 'applications'),
  ...reported(S.VmSessions, 'sessions'),
];

// --- NICs and CD-ROM of templates and instance types ------------------------

type NicObj = ObjOf<typeof T.Nic>;

/** A template's or instance type's NIC has no MAC address (its VMs get theirs from their pool) and names an existing profile. */
async function templateNic(call: Call, nic: NicObj): Promise<NicObj> {
  const { mac: _mac, network: _legacyNetwork, ...rest } = nic;
  return { ...rest, ...(nic.vnic_profile === undefined ? {} : { vnic_profile: refTo(await resolve(call.repo, T.VnicProfile, nic.vnic_profile, 'vnic_profile')) }) };
}

function templateNicHooks(collection: CollectionService<typeof T.Nic>): StoredHooks<typeof T.Nic> {
  return {
    prepare: async (call, body) => ({ interface: 'virtio', plugged: true, linked: true, ...(await templateNic(call, body)) }),
    apply: async (call, current, changes) => templateNic(call, mergeInto(T.Nic, current, changes)),
    uniqueName: (call) => ownersOf(collection, call.scope.slice(0, 1)),
  };
}

export const templateNics = [S.TemplateNics, S.InstanceTypeNics].flatMap((c) => storedDevices(c, templateNicHooks(c)));
export const templateCdroms = storedDevices(S.TemplateCdroms);
