// Networks on hosts, as oVirt's engine sets them up: each network attachment puts a network of
// the host's cluster on one interface, a physical one (the runtime's) or a bond (made of physical
// ones); a VLAN network shows as a VLAN interface on it. What the engine keeps per host: its
// attachments, and HostNic rows for its bonds and for the labels of its interfaces. Every change
// (setupnetworks, the attachment collections, labels, copying another host's) is made on the whole
// configuration and checked whole before it is stored:
// - the networks are assigned to the host's cluster, each attached once;
// - an interface carries at most one network without VLAN, and each VLAN once;
// - bond slaves carry no network and belong to one bond; a bond has two slaves or more;
// - the cluster's management network stays attached.
// A label on an interface attaches the cluster's networks carrying that label to it.
import { createHash, randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf, Ref } from '../model/meta';
import { Obj, isObj } from '../model/codec';
import { ActionBody, Call, implement } from './behaviour';
import { load } from './stored';
import { badRequest, conflict, entityNotFound, notFound } from './fault';
import { refTo, resolve } from './refs';
import { StoredObj } from './store/repo';
import { EventCode, recordEvent } from './events';
import { endJob, startJob } from './jobs';

type HostObj = StoredObj<typeof T.Host>;
type NicObj = ObjOf<typeof T.HostNic>;
type AttachmentObj = ObjOf<typeof T.NetworkAttachment>;
type NetworkObj = StoredObj<typeof T.Network>;

/** A host's network configuration, as the engine keeps it. */
interface Setup {
  /** The bonds, each with its `bonding` (slaves by id and name). */
  bonds: NicObj[];
  attachments: AttachmentObj[];
  /** Interface id → its labels. */
  labels: Map<string, string[]>;
}

/** What a host's configuration is checked against. */
interface Context {
  host: HostObj;
  /** The runtime's interfaces of the host. */
  physical: Obj[];
  /** The networks assigned to the host's cluster, by id. */
  assigned: Map<string, NetworkObj>;
  /** The cluster's management network. */
  management?: string;
}

const BOND_NAME = /^bond\w+$/;
// oVirt's labels: letters, digits, `_` and `-`.
const LABEL = /^[\w-]+$/;

const hostOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.Hosts);
const idOf = (ref: Ref | undefined) => String(ref?.id);
const vlanOf = (network: NetworkObj | undefined) => network?.vlan?.id;

async function setupOf(call: Call, hostId: string): Promise<Setup> {
  const rows = await call.repo.list(T.HostNic, { host: hostId });
  return {
    bonds: rows.filter((r) => r.bonding !== undefined),
    attachments: await call.repo.list(T.NetworkAttachment, { host: hostId }),
    labels: new Map(rows.filter((r) => r.network_labels?.length).map((r) => [r.id, r.network_labels!.map(idOf)])),
  };
}

async function contextOf(call: Call, host: HostObj): Promise<Context> {
  const assigned = new Map<string, NetworkObj>();
  let management: string | undefined;
  for (const a of await call.repo.list(T.ClusterNetwork, { cluster: idOf(host.cluster) })) {
    const network = await call.repo.get(T.Network, idOf(a.network));
    if (network) assigned.set(network.id, network);
    if (a.usages?.includes('management')) management = idOf(a.network);
  }
  return { host, physical: installed(host) ? call.engine.runtime.nics(host) : [], assigned, management };
}

const installed = (host: Obj) => !['installing', 'install_failed'].includes(String(host.status));
/** Hosts whose networks the engine can set up now. */
const settable = (host: Obj) => ['up', 'maintenance', 'non_operational'].includes(String(host.status));

/** The interface a reference names among the physical ones and the bonds. */
function nicNamed(ctx: Context, setup: Setup, ref: unknown, field: string): Obj {
  if (!isObj(ref) || (ref.id === undefined && ref.name === undefined)) throw badRequest(`${field} must be given by id or by name`);
  const found = [...ctx.physical, ...setup.bonds].find((n) => (ref.id !== undefined ? n.id === ref.id : n.name === ref.name));
  if (!found) throw entityNotFound('HostNic', ref.id !== undefined ? `id=${String(ref.id)}` : `name=${String(ref.name)}`);
  return found;
}

/** A network by id, or by name among those of the host's data center, where names are unique. */
async function networkNamed(call: Call, ctx: Context, ref: unknown): Promise<NetworkObj> {
  if (isObj(ref) && ref.id === undefined && ref.name !== undefined) {
    const cluster = await call.repo.get(T.Cluster, idOf(ctx.host.cluster));
    return resolve(call.repo, T.Network, ref, 'network', { data_center: idOf(cluster?.data_center) });
  }
  return resolve(call.repo, T.Network, ref, 'network');
}

function copyOf(setup: Setup): Setup {
  return {
    bonds: setup.bonds.map((b) => ({ ...b })),
    attachments: setup.attachments.map((a) => ({ ...a })),
    labels: new Map([...setup.labels].map(([k, v]) => [k, [...v]])),
  };
}

function attachmentIn(setup: Setup, ref: unknown): AttachmentObj {
  const id = isObj(ref) ? ref.id : undefined;
  if (id === undefined) throw badRequest('NetworkAttachment [id] required');
  const found = setup.attachments.find((a) => a.id === id);
  if (!found) throw entityNotFound('NetworkAttachment', `id=${String(id)}`);
  return found;
}

function changeBonds(ctx: Context, next: Setup, body: ActionBody): void {
  for (const ref of body.removed_bonds ?? []) {
    const bond = next.bonds.find((b) => (ref.id !== undefined ? b.id === ref.id : b.name === ref.name));
    if (!bond) throw entityNotFound('HostNic', ref.id !== undefined ? `id=${String(ref.id)}` : `name=${String(ref.name)}`);
    next.bonds = next.bonds.filter((b) => b !== bond);
    next.labels.delete(String(bond.id));
  }
  for (const given of body.modified_bonds ?? []) {
    const existing = next.bonds.find((b) => (given.id !== undefined ? b.id === given.id : b.name === given.name));
    if (!existing && given.id !== undefined) throw entityNotFound('HostNic', `id=${given.id}`);
    const name = String(existing?.name ?? given.name);
    if (!existing) {
      if (!BOND_NAME.test(name)) throw badRequest(`Bond name '${name}' must start with 'bond'`);
      if (ctx.physical.some((n) => n.name === name)) throw conflict(`Cannot make bond ${name}: an interface of host ${String(ctx.host.name)} has that name`);
    }
    const asked = given.bonding?.slaves;
    const slaves = asked
      ? asked.map((ref) => {
          const nic = nicNamed(ctx, next, ref, 'bonding.slaves');
          if (nic.bonding) throw conflict(`Cannot make bond ${name}: ${String(nic.name)} is a bond itself`);
          return { id: String(nic.id), name: String(nic.name) };
        })
      : existing?.bonding?.slaves;
    if (!slaves) throw badRequest(`HostNic [bonding.slaves] required for the new bond ${name}`);
    if (new Set(slaves.map((s) => s.id)).size < 2) throw conflict(`Cannot make bond ${name}: a bond needs at least two slaves`);
    // oVirt's default bonding: 802.3ad with link monitoring every 100 ms.
    const options = given.bonding?.options ?? existing?.bonding?.options ?? [{ name: 'mode', value: '4' }, { name: 'miimon', value: '100' }];
    const bond: NicObj = { id: existing?.id ?? randomUUID(), name, host: refTo(ctx.host), bonding: { options, slaves } };
    next.bonds = [...next.bonds.filter((b) => b !== existing), bond];
  }
}

async function changeAttachments(call: Call, ctx: Context, next: Setup, body: ActionBody): Promise<void> {
  for (const ref of body.removed_network_attachments ?? []) {
    const gone = attachmentIn(next, ref);
    next.attachments = next.attachments.filter((a) => a !== gone);
  }
  for (const given of body.modified_network_attachments ?? []) {
    const existing = given.id !== undefined ? attachmentIn(next, given) : undefined;
    if (!existing && given.network === undefined) throw badRequest('NetworkAttachment [network.id|name] required');
    const network = given.network !== undefined ? await networkNamed(call, ctx, given.network) : undefined;
    if (existing && network && network.id !== idOf(existing.network)) {
      throw conflict(`Cannot change network attachment ${String(existing.id)}: it attaches another network; remove it and attach ${String(network.name)}`);
    }
    if (!existing && next.attachments.some((a) => idOf(a.network) === network!.id)) {
      throw conflict(`Cannot attach Network ${String(network!.name)} to host ${String(ctx.host.name)}: it is attached already`);
    }
    if (!existing && given.host_nic === undefined) throw badRequest('NetworkAttachment [host_nic.id|name] required');
    const nic = given.host_nic !== undefined ? nicNamed(ctx, next, given.host_nic, 'host_nic') : undefined;
    const attachment: AttachmentObj = {
      ...existing,
      id: existing?.id ?? randomUUID(),
      host: refTo(ctx.host),
      network: existing?.network ?? refTo(network!),
      host_nic: nic ? { id: String(nic.id) } : existing!.host_nic,
      ip_address_assignments: given.ip_address_assignments ?? existing?.ip_address_assignments ?? [],
      properties: given.properties ?? existing?.properties ?? [],
    };
    next.attachments = [...next.attachments.filter((a) => a !== existing), attachment];
  }
  for (const ref of body.synchronized_network_attachments ?? []) attachmentIn(next, ref);
}

/** The cluster's networks carrying a label. */
const labelled = (ctx: Context, label: string) => [...ctx.assigned.values()].filter((n) => n.network_labels?.some((l) => l.id === label));

function changeLabels(ctx: Context, next: Setup, body: ActionBody): void {
  const kept = new Set((body.modified_network_attachments ?? []).map((a) => String(a.network?.id ?? a.network?.name ?? a.id)));
  for (const ref of body.removed_labels ?? []) {
    const label = String(ref.id);
    const holder = [...next.labels].find(([, labels]) => labels.includes(label));
    if (!holder) throw notFound(`Label '${label}' is on no interface of host ${String(ctx.host.name)}`);
    next.labels.set(holder[0], holder[1].filter((l) => l !== label));
    // The networks the label brought go with it, unless this change keeps them.
    const brought = new Set(labelled(ctx, label).filter((n) => !kept.has(n.id) && !kept.has(String(n.name))).map((n) => n.id));
    next.attachments = next.attachments.filter((a) => !(brought.has(idOf(a.network)) && idOf(a.host_nic) === holder[0]));
  }
  for (const given of body.modified_labels ?? []) {
    if (given.id === undefined) throw badRequest('NetworkLabel [id] required');
    const label = String(given.id);
    if (!LABEL.test(label)) throw badRequest(`Label '${label}' may hold only letters, digits, '_' and '-'`);
    const nic = nicNamed(ctx, next, given.host_nic, 'host_nic');
    for (const [id, labels] of next.labels) next.labels.set(id, labels.filter((l) => l !== label));
    next.labels.set(String(nic.id), [...(next.labels.get(String(nic.id)) ?? []), label]);
    for (const network of labelled(ctx, label)) {
      if (!next.attachments.some((a) => idOf(a.network) === network.id)) {
        next.attachments.push({ id: randomUUID(), host: refTo(ctx.host), network: refTo(network), host_nic: { id: String(nic.id) }, ip_address_assignments: [], properties: [] });
      }
    }
  }
}

/** Refuses a configuration that breaks a rule, naming it; `before` is the stored one. */
function check(ctx: Context, before: Setup, next: Setup): void {
  const what = `Cannot set up networks on host ${String(ctx.host.name)}`;
  const nics = new Map([...ctx.physical, ...next.bonds].map((n) => [String(n.id), n]));
  const slaveOf = new Map<string, string>();
  for (const bond of next.bonds) {
    for (const s of bond.bonding?.slaves ?? []) {
      const other = slaveOf.get(idOf(s));
      if (other) throw conflict(`${what}: ${String(s.name)} is a slave of both ${other} and ${String(bond.name)}`);
      slaveOf.set(idOf(s), String(bond.name));
    }
  }
  const plain = new Map<string, string>();
  const vlans = new Set<string>();
  const seen = new Set<string>();
  for (const a of next.attachments) {
    const network = ctx.assigned.get(idOf(a.network));
    const nicId = idOf(a.host_nic);
    const nic = nics.get(nicId);
    if (!network) throw conflict(`${what}: a network attached is not assigned to the host's cluster (${idOf(a.network)})`);
    if (!nic) throw conflict(`${what}: Network ${String(network.name)} is attached to an interface that is removed`);
    const on = `${String(network.name)} on ${String(nic.name)}`;
    if (slaveOf.has(nicId)) throw conflict(`${what}: ${on}: ${String(nic.name)} is a slave of ${slaveOf.get(nicId)!}`);
    if (seen.has(network.id)) throw conflict(`${what}: Network ${String(network.name)} is attached twice`);
    seen.add(network.id);
    const vlan = vlanOf(network);
    if (vlan === undefined) {
      if (plain.has(nicId)) throw conflict(`${what}: ${on}: ${String(nic.name)} carries ${plain.get(nicId)!} already, and an interface carries one network without VLAN`);
      plain.set(nicId, String(network.name));
    } else {
      if (vlans.has(`${nicId}:${vlan}`)) throw conflict(`${what}: ${on}: another network on ${String(nic.name)} has VLAN ${vlan}`);
      vlans.add(`${nicId}:${vlan}`);
    }
  }
  const mgmt = ctx.management;
  if (mgmt && before.attachments.some((a) => idOf(a.network) === mgmt) && !seen.has(mgmt)) {
    throw conflict(`${what}: the management network ${String(ctx.assigned.get(mgmt)?.name)} must stay attached`);
  }
}

/** Stores a checked configuration in place of the host's. */
async function save(call: Call, ctx: Context, next: Setup): Promise<void> {
  const host = { host: ctx.host.id };
  await call.repo.removeOwned(T.HostNic, host);
  await call.repo.removeOwned(T.NetworkAttachment, host);
  const labelsOf = (id: string) => (next.labels.get(id) ?? []).map((l) => ({ id: l }));
  for (const bond of next.bonds) await call.repo.insert(T.HostNic, { ...bond, network_labels: labelsOf(String(bond.id)) });
  for (const nic of ctx.physical) {
    const labels = labelsOf(String(nic.id));
    if (labels.length) await call.repo.insert(T.HostNic, { id: String(nic.id), name: String(nic.name), host: refTo(ctx.host), network_labels: labels });
  }
  // Everything the engine sets up is as it asked: the simulated host applies it at once.
  for (const a of next.attachments) await call.repo.insert(T.NetworkAttachment, { ...a, in_sync: true });
}

/**
 * Applies a change to the host's network configuration in one step, as setupnetworks does:
 * everything is checked before anything is stored. Answers the configuration stored.
 */
async function setUp(call: Call, host: HostObj, change: (ctx: Context, next: Setup) => Promise<void> | void): Promise<Setup> {
  if (!settable(host)) {
    throw conflict(`Cannot set up networks on host ${String(host.name)}: it is ${String(host.status)}`);
  }
  const ctx = await contextOf(call, host);
  const before = await setupOf(call, host.id);
  const next = copyOf(before);
  await change(ctx, next);
  check(ctx, before, next);
  await save(call, ctx, next);
  return next;
}

const applying = (call: Call, body: ActionBody) => async (ctx: Context, next: Setup) => {
  changeBonds(ctx, next, body);
  await changeAttachments(call, ctx, next, body);
  changeLabels(ctx, next, body);
};

/** Records a network action of a host as a finished job and an event. */
async function recorded(call: Call, host: HostObj, verb: string, code: number): Promise<Obj> {
  const job = await startJob(call.repo, `${verb} host ${String(host.name)}`, call.principal.userId);
  await recordEvent(call.repo, { code, severity: 'normal', description: `${verb} host ${String(host.name)}.`, userId: call.principal.userId, about: { host: { id: host.id } } });
  await endJob(call.repo, job.id, 'finished');
  return { status: 'complete', job: { id: job.id } };
}

export async function setupNetworks(call: Call, body: ActionBody): Promise<Obj> {
  const host = await load(call, S.Hosts);
  await setUp(call, host, applying(call, body));
  return recorded(call, host, 'Set up networks on', EventCode.HOST_NETWORKS_CHANGED);
}

export async function commitNetConfig(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  if (!installed(host)) throw conflict(`Cannot commit the network configuration of host ${String(host.name)}: it is ${String(host.status)}`);
  return recorded(call, host, 'Committed the network configuration of', EventCode.HOST_NETWORKS_COMMITTED);
}

/** Brings every attachment of the host back to its network's definition. */
async function synchronize(call: Call, host: HostObj): Promise<void> {
  await setUp(call, host, () => undefined);
}

export async function syncAllNetworks(call: Call): Promise<Obj> {
  const host = await load(call, S.Hosts);
  await synchronize(call, host);
  return recorded(call, host, 'Synchronized the networks of', EventCode.HOST_NETWORKS_CHANGED);
}

export async function syncClusterNetworks(call: Call): Promise<Obj> {
  const cluster = await load(call, S.Clusters);
  const job = await startJob(call.repo, `Synchronizing the networks of the hosts of cluster ${String(cluster.name)}`, call.principal.userId);
  for (const host of await call.repo.list(T.Host, { cluster: cluster.id })) {
    if (!installed(host) || host.status === 'non_responsive') continue;
    await synchronize(call, host);
    await recordEvent(call.repo, { code: EventCode.HOST_NETWORKS_CHANGED, severity: 'normal', description: `Synchronized the networks of host ${String(host.name)}.`, userId: call.principal.userId, about: { host: { id: host.id } } });
  }
  await endJob(call.repo, job.id, 'finished');
  return { status: 'complete', job: { id: job.id } };
}

/** Gives the host the bonds, attachments and labels of the source host, interface by interface name. */
export async function copyHostNetworks(call: Call, body: ActionBody): Promise<Obj> {
  const host = await load(call, S.Hosts);
  const source = await resolve(call.repo, T.Host, body.source_host, 'source_host');
  if (source.id === host.id) throw conflict(`Cannot copy the networks of host ${String(host.name)} to itself`);
  const from = await contextOf(call, source);
  const copied = await setupOf(call, source.id);
  await setUp(call, host, (ctx, next) => {
    const names = new Map([...from.physical, ...copied.bonds].map((n) => [String(n.id), String(n.name)]));
    const ids = new Map<string, string>(ctx.physical.map((n) => [String(n.name), String(n.id)]));
    next.bonds = copied.bonds.map((b) => {
      const id = randomUUID();
      ids.set(String(b.name), id);
      return { ...b, id, host: refTo(host) };
    });
    const here = (id: string) => {
      const found = ids.get(names.get(id) ?? '');
      if (!found) throw conflict(`Cannot copy the networks of host ${String(source.name)}: host ${String(host.name)} has no interface ${String(names.get(id))}`);
      return found;
    };
    for (const b of next.bonds) {
      for (const s of b.bonding?.slaves ?? []) here(idOf(s));
      b.bonding = { ...b.bonding, slaves: b.bonding?.slaves?.map((s) => ({ id: ids.get(String(s.name)), name: s.name })) };
    }
    next.attachments = copied.attachments.map((a) => ({ ...a, id: randomUUID(), host: refTo(host), host_nic: { id: here(idOf(a.host_nic)) } }));
    next.labels = new Map([...copied.labels].map(([id, labels]) => [here(id), labels]));
  });
  return recorded(call, host, `Copied the networks of host ${String(source.name)} to`, EventCode.HOST_NETWORKS_CHANGED);
}

/** The management network of a new host's cluster goes on its first interface, with DHCP, as an installed host has it. */
export async function attachManagementNetwork(call: Call, host: HostObj): Promise<void> {
  const ctx = await contextOf(call, { ...host, status: 'up' });
  const [first] = call.engine.runtime.nics(host);
  if (!ctx.management || !first) return;
  await call.repo.insert(T.NetworkAttachment, {
    id: randomUUID(), host: refTo(host), network: { id: ctx.management }, host_nic: { id: String(first.id) },
    ip_address_assignments: [{ assignment_method: 'dhcp' }], properties: [], in_sync: true,
  });
}

// --- what clients read --------------------------------------------------------

/** A stable id for the VLAN interface an attachment makes. */
function vlanNicId(attachmentId: string): string {
  const h = createHash('sha256').update(`vlan:${attachmentId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An interface with what its attachment without VLAN gives it: the network, the bridge, the addresses. */
function carrying(nic: Obj, a: AttachmentObj | undefined, network: NetworkObj | undefined): Obj {
  const ip = a?.ip_address_assignments?.find((x) => x.ip?.version !== 'v6');
  return {
    ...nic,
    bridged: network?.usages?.includes('vm') === true,
    ...(network ? { network: refTo(network) } : {}),
    ...(ip?.assignment_method ? { boot_protocol: ip.assignment_method } : {}),
    ...(ip?.ip?.address ? { ip: { ...ip.ip, version: 'v4' } } : {}),
  };
}

/** The host's interfaces as clients see them: physical ones, bonds, then VLAN interfaces. */
export async function interfacesOf(call: Call, host: HostObj): Promise<Obj[]> {
  if (!installed(host)) return [];
  const physical = call.engine.runtime.nics(host);
  const setup = await setupOf(call, host.id);
  const networks = new Map<string, NetworkObj>();
  for (const a of setup.attachments) {
    const n = await call.repo.get(T.Network, idOf(a.network));
    if (n) networks.set(n.id, n);
  }
  const bonds = setup.bonds.map((b): Obj => {
    const slaves = physical.filter((p) => b.bonding?.slaves?.some((s) => s.id === p.id));
    const mode = b.bonding?.options?.find((o) => o.name === 'mode')?.value;
    return {
      id: b.id, name: b.name, host: { id: host.id }, mtu: 1500, boot_protocol: 'none',
      mac: slaves[0]?.mac, speed: slaves[0]?.speed, status: slaves.some((s) => s.status === 'up') ? 'up' : 'down',
      bonding: {
        options: b.bonding?.options ?? [],
        slaves: slaves.map((s) => ({ id: s.id, host: { id: host.id } })),
        // Active-backup sends through one slave at a time: the first.
        ...(mode === '1' && slaves[0] ? { active_slave: { id: slaves[0].id, host: { id: host.id } } } : {}),
      },
    };
  });
  const out: Obj[] = [];
  const vlanNics: Obj[] = [];
  for (const nic of [...physical, ...bonds]) {
    const on = setup.attachments.filter((a) => idOf(a.host_nic) === nic.id);
    const plain = on.find((a) => vlanOf(networks.get(idOf(a.network))) === undefined);
    out.push(carrying(nic, plain, plain && networks.get(idOf(plain.network))));
    for (const a of on.filter((x) => x !== plain)) {
      const network = networks.get(idOf(a.network));
      const vlan = vlanOf(network);
      if (vlan === undefined) continue;
      const device = { id: vlanNicId(String(a.id)), name: `${String(nic.name)}.${vlan}`, base_interface: nic.name, vlan: { id: vlan }, mac: nic.mac, mtu: nic.mtu, status: nic.status, boot_protocol: 'none', host: { id: host.id } };
      vlanNics.push(carrying(device, a, network));
    }
  }
  return [...out, ...vlanNics];
}

async function nicOf(call: Call): Promise<Obj> {
  const nic = (await interfacesOf(call, await hostOf(call))).find((n) => n.id === call.scope[1]);
  if (!nic) throw notFound(`Host NIC '${call.scope[1]}' does not exist`);
  return nic;
}

export const hostNics = implement(S.HostNics, { list: async (call, o) => (await interfacesOf(call, await hostOf(call))).slice(0, o.max) });
export const hostNicEntity = implement(S.HostNicEntity, { get: nicOf });

/** An attachment as clients see it: in sync, with what the host reports next to what the network asks. */
async function attachmentView(call: Call, a: AttachmentObj): Promise<Obj> {
  const network = await call.repo.get(T.Network, idOf(a.network));
  const expected: [string, string][] = [['mtu', String(network?.mtu || 1500)], ['bridged', String(network?.usages?.includes('vm') === true)]];
  const vlan = vlanOf(network);
  if (vlan !== undefined) expected.push(['vlan', String(vlan)]);
  return {
    ...a,
    // Interfaces are found under their host.
    host_nic: { ...a.host_nic, host: a.host },
    in_sync: true,
    reported_configurations: expected.map(([name, value]) => ({ name, expected_value: value, actual_value: value, in_sync: true })),
  };
}

/** The attachments of the host (`scope[0]`), of one interface when `nicId` is given. */
async function attachmentsOf(call: Call, nicId?: string): Promise<AttachmentObj[]> {
  const host = await hostOf(call);
  if (nicId !== undefined) await nicOf({ ...call, scope: [host.id, nicId] });
  return (await setupOf(call, host.id)).attachments.filter((a) => nicId === undefined || idOf(a.host_nic) === nicId);
}

/** The attachment collections and their entities, at the host (`depth` 1) or at one of its interfaces (2). */
function attachmentServices(collection: typeof S.HostNetworkAttachments, depth: 1 | 2) {
  const nicIn = (call: Call) => (depth === 2 ? call.scope[1] : undefined);
  const one = async (call: Call) => {
    const found = (await attachmentsOf(call, nicIn(call))).find((a) => a.id === call.scope[depth]);
    if (!found) throw notFound(`NetworkAttachment '${call.scope[depth]}' does not exist`);
    return found;
  };
  const change = async (call: Call, body: ActionBody, id: string) => {
    const next = await setUp(call, await hostOf(call), applying(call, body));
    return attachmentView(call, next.attachments.find((a) => a.id === id)!);
  };
  return [
    implement(collection, {
      list: async (call, o) => Promise.all((await attachmentsOf(call, nicIn(call))).slice(0, o.max).map((a) => attachmentView(call, a))),
      async add(call, body) {
        const host_nic = depth === 2 ? { id: String((await nicOf(call)).id) } : body.host_nic;
        const next = await setUp(call, await hostOf(call), applying(call, { modified_network_attachments: [{ ...body, id: undefined, host_nic }] }));
        // A new attachment comes last.
        return attachmentView(call, next.attachments[next.attachments.length - 1]);
      },
    }),
    implement(collection.entity(), {
      get: async (call) => attachmentView(call, await one(call)),
      update: async (call, changes) => {
        const a = await one(call);
        return change(call, { modified_network_attachments: [{ ...changes, id: a.id, network: undefined, host_nic: undefined }] }, String(a.id));
      },
      async remove(call) {
        const a = await one(call);
        await setUp(call, await hostOf(call), applying(call, { removed_network_attachments: [{ id: a.id }] }));
      },
    }),
  ];
}

export const hostNetworkAttachments = attachmentServices(S.HostNetworkAttachments, 1);
export const hostNicNetworkAttachments = attachmentServices(S.HostNicNetworkAttachments, 2);

// --- labels -------------------------------------------------------------------

const labelOf = (id: string, on: Obj): Obj => ({ id, ...on });

export const hostNicNetworkLabels = [
  implement(S.HostNicNetworkLabels, {
    async list(call, o) {
      const nic = await nicOf(call);
      const labels = (await setupOf(call, call.scope[0])).labels.get(String(nic.id)) ?? [];
      return labels.slice(0, o.max).map((l) => labelOf(l, { host_nic: { id: nic.id, host: { id: call.scope[0] } } }));
    },
    async add(call, body) {
      const nic = await nicOf(call);
      await setUp(call, await hostOf(call), (ctx, next) => changeLabels(ctx, next, { modified_labels: [{ id: body.id, host_nic: { id: String(nic.id) } }] }));
      return labelOf(String(body.id), { host_nic: { id: nic.id, host: { id: call.scope[0] } } });
    },
  }),
  implement(S.HostNicNetworkLabels.entity(), {
    async get(call) {
      const nic = await nicOf(call);
      if (!((await setupOf(call, call.scope[0])).labels.get(String(nic.id)) ?? []).includes(call.scope[2])) throw notFound(`Label '${call.scope[2]}' is not on ${String(nic.name)}`);
      return labelOf(call.scope[2], { host_nic: { id: nic.id, host: { id: call.scope[0] } } });
    },
    async remove(call) {
      const nic = await nicOf(call);
      if (!((await setupOf(call, call.scope[0])).labels.get(String(nic.id)) ?? []).includes(call.scope[2])) throw notFound(`Label '${call.scope[2]}' is not on ${String(nic.name)}`);
      await setUp(call, await hostOf(call), (ctx, next) => changeLabels(ctx, next, { removed_labels: [{ id: call.scope[2] }] }));
    },
  }),
];

/** The hosts with an interface carrying the label, and those interfaces. */
async function holdersOf(call: Call, label: string): Promise<{ host: HostObj; nic: string }[]> {
  const out: { host: HostObj; nic: string }[] = [];
  for (const row of await call.repo.list(T.HostNic)) {
    if (!row.network_labels?.some((l) => l.id === label)) continue;
    const host = await call.repo.getForUpdate(T.Host, idOf(row.host));
    if (host) out.push({ host, nic: row.id });
  }
  return out;
}

const networkLabel = (network: NetworkObj, id: string): Obj => ({ id, network: { id: network.id } });

async function labelOfNetwork(call: Call): Promise<{ network: NetworkObj; label: string }> {
  const network = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Networks);
  const label = network.network_labels?.find((l) => l.id === call.scope[1])?.id;
  if (label === undefined) throw notFound(`Label '${call.scope[1]}' is not on Network ${String(network.name)}`);
  return { network, label };
}

export const networkNetworkLabels = [
  implement(S.NetworkNetworkLabels, {
    async list(call, o) {
      const network = await load(call, S.Networks);
      return (network.network_labels ?? []).slice(0, o.max).map((l) => networkLabel(network, idOf(l)));
    },
    // As in oVirt, a network has one label; labelling it attaches it to the interfaces with that label.
    async add(call, body) {
      const network = await load(call, S.Networks);
      const label = String(body.id);
      if (!LABEL.test(label)) throw badRequest(`Label '${label}' may hold only letters, digits, '_' and '-'`);
      if (network.network_labels?.length) throw conflict(`Cannot label Network ${String(network.name)}: it has the label ${idOf(network.network_labels[0])}`);
      await call.repo.update(T.Network, { ...network, network_labels: [{ id: label }] });
      for (const { host, nic } of await holdersOf(call, label)) {
        if (!settable(host)) continue;
        await setUp(call, host, (ctx, next) => {
          if (ctx.assigned.has(network.id) && !next.attachments.some((a) => idOf(a.network) === network.id)) {
            next.attachments.push({ id: randomUUID(), host: refTo(host), network: refTo(network), host_nic: { id: nic }, ip_address_assignments: [], properties: [] });
          }
        });
      }
      return networkLabel(network, label);
    },
  }),
  implement(S.NetworkNetworkLabels.entity(), {
    async get(call) {
      const { network, label } = await labelOfNetwork(call);
      return networkLabel(network, label);
    },
    // The network leaves the interfaces the label put it on.
    async remove(call) {
      const { network, label } = await labelOfNetwork(call);
      await call.repo.update(T.Network, { ...network, network_labels: [] });
      for (const { host, nic } of await holdersOf(call, label)) {
        if (!settable(host)) continue;
        await setUp(call, host, (_ctx, next) => {
          next.attachments = next.attachments.filter((a) => !(idOf(a.network) === network.id && idOf(a.host_nic) === nic));
        });
      }
    },
  }),
];

// --- unmanaged networks -------------------------------------------------------

async function unmanagedOf(call: Call): Promise<Obj[]> {
  const host = await hostOf(call);
  if (!installed(host)) return [];
  const nics = await interfacesOf(call, host);
  return (await call.engine.runtime.unmanagedNetworks(host)).map((u) => ({
    // Named by the network, as oVirt's ids of unmanaged networks are.
    id: Buffer.from(u.name).toString('hex'),
    name: u.name,
    host: { id: host.id },
    ...(nics.find((n) => n.name === u.nic) ? { host_nic: { id: nics.find((n) => n.name === u.nic)!.id, host: { id: host.id } } } : {}),
  }));
}

async function unmanagedOne(call: Call): Promise<Obj> {
  const found = (await unmanagedOf(call)).find((u) => u.id === call.scope[1]);
  if (!found) throw notFound(`Unmanaged network '${call.scope[1]}' does not exist`);
  return found;
}

export const unmanagedNetworks = implement(S.UnmanagedNetworks, { list: async (call, o) => (await unmanagedOf(call)).slice(0, o.max) });
export const unmanagedNetwork = implement(S.UnmanagedNetwork, {
  get: unmanagedOne,
  async remove(call) {
    const u = await unmanagedOne(call);
    await call.engine.runtime.removeUnmanagedNetwork(await hostOf(call), String(u.name));
  },
});
