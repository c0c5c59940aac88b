// Where a VM may run and where it had better run: the rules of its affinity groups (VM to VM and
// VM to host, its VM labels and the groups' host labels acting through the groups that name
// them), then the cluster's scheduling policy. An enforcing rule removes hosts (and when it
// leaves none, the VM does not run: 409 naming the group); a rule that is not enforcing is a
// preference, weighed as oVirt's policies weigh them (a host rule 20 to a VM rule's 1, times the
// group's priority).
import { RUNNING } from './vm-states';
import * as T from '../model/types';
import { ObjOf, Ref } from '../model/meta';
import { Call } from './behaviour';
import { conflict } from './fault';
import { StoredObj } from './store/repo';
import { POLICIES } from './facts/scheduling';

type VmObj = StoredObj<typeof T.Vm>;
type HostObj = StoredObj<typeof T.Host>;
type GroupObj = StoredObj<typeof T.AffinityGroup>;
type LabelObj = StoredObj<typeof T.AffinityLabel>;


/** A host that could take the VM: its free memory and how many VMs run there besides it. */
export interface HostLoad {
  readonly host: HostObj;
  readonly free: number;
  readonly vms: number;
}

const ids = (refs: readonly Ref[] | undefined) => new Set((refs ?? []).map((r) => String(r.id)));

/** The VMs and the hosts of a group: its own, and those carrying its VM and host labels. */
export function membersOf(group: ObjOf<typeof T.AffinityGroup>, labels: readonly LabelObj[]): { vms: Set<string>; hosts: Set<string> } {
  const vms = ids(group.vms);
  const hosts = ids(group.hosts);
  const vmLabels = ids(group.vm_labels);
  const hostLabels = ids(group.host_labels);
  for (const l of labels) {
    if (vmLabels.has(l.id)) for (const v of ids(l.vms)) vms.add(v);
    if (hostLabels.has(l.id)) for (const h of ids(l.hosts)) hosts.add(h);
  }
  return { vms, hosts };
}

/** The hosts the running VMs of `vmIds` are on, one for each VM. */
async function runningOn(call: Call, vmIds: Iterable<string>): Promise<string[]> {
  const found: string[] = [];
  for (const id of vmIds) {
    const vm = await call.repo.get(T.Vm, id);
    if (vm?.host && RUNNING.includes(String(vm.status))) found.push(String(vm.host.id));
  }
  return found;
}

/** Whether the running VMs of an enabled rule of the group break it now (oVirt's `broken`). */
export async function isBroken(call: Call, group: GroupObj): Promise<boolean> {
  const { vms, hosts } = membersOf(group, await call.repo.list(T.AffinityLabel));
  const where = await runningOn(call, vms);
  const vmRule = group.vms_rule;
  if (vmRule?.enabled) {
    const distinct = new Set(where).size;
    if (vmRule.positive ? distinct > 1 : distinct < where.length) return true;
  }
  const hostRule = group.hosts_rule;
  if (hostRule?.enabled && hosts.size > 0) {
    if (where.some((h) => hosts.has(h) !== hostRule.positive)) return true;
  }
  return false;
}

/** One enabled rule as it bears on the VM: the hosts it keeps the VM on (positive) or off. */
interface Constraint {
  readonly group: GroupObj;
  readonly kind: 'vms' | 'hosts';
  readonly positive: boolean;
  readonly enforcing: boolean;
  readonly hosts: ReadonlySet<string>;
}

/** A positive rule with no hosts to go to (no running VMs, no hosts) constrains nothing. */
const allows = (c: Constraint, hostId: string) => (c.positive ? c.hosts.size === 0 || c.hosts.has(hostId) : !c.hosts.has(hostId));

/** The rules of the groups of the VM's cluster that hold the VM, highest priority first. */
async function constraintsOn(call: Call, vm: VmObj): Promise<Constraint[]> {
  const groups = await call.repo.list(T.AffinityGroup, { cluster: String(vm.cluster?.id) });
  if (groups.length === 0) return [];
  const labels = await call.repo.list(T.AffinityLabel);
  const found: Constraint[] = [];
  for (const group of groups.sort((a, b) => Number(b.priority ?? 1) - Number(a.priority ?? 1) || String(a.name).localeCompare(String(b.name)))) {
    const members = membersOf(group, labels);
    if (!members.vms.has(vm.id)) continue;
    const vmRule = group.vms_rule;
    if (vmRule?.enabled) {
      members.vms.delete(vm.id);
      const peers = new Set(await runningOn(call, members.vms));
      found.push({ group, kind: 'vms', positive: vmRule.positive === true, enforcing: vmRule.enforcing === true, hosts: peers });
    }
    const hostRule = group.hosts_rule;
    if (hostRule?.enabled) {
      found.push({ group, kind: 'hosts', positive: hostRule.positive === true, enforcing: hostRule.enforcing === true, hosts: members.hosts });
    }
  }
  return found;
}

async function hostNames(call: Call, hostIds: ReadonlySet<string>): Promise<string> {
  const names = await Promise.all([...hostIds].map(async (id) => String((await call.repo.get(T.Host, id))?.name ?? id)));
  return names.sort().join(', ');
}

async function refusal(call: Call, vm: VmObj, verb: string, c: Constraint): Promise<Error> {
  // A rule refuses only hosts it names: those of the group's running VMs, or its own.
  const where = `${c.kind === 'vms' ? 'its running VMs are on' : 'its hosts are'} ${await hostNames(call, c.hosts)}`;
  return conflict(`Cannot ${verb} VM ${String(vm.name)}: affinity group ${String(c.group.name)} (${c.positive ? 'positive' : 'negative'}, enforcing) allows none of the hosts that could take it (${where})`);
}

/** oVirt's factors of the VM-to-VM and VM-to-host affinity weights. */
const WEIGHT = { vms: 1, hosts: 20 } as const;

/** How each scheduling policy orders hosts that are equal in affinity: first is best. */
const POLICY_ORDER: Record<string, (a: HostLoad, b: HostLoad) => number> = {
  // Fill the busiest host that still fits, so that others may be emptied.
  power_saving: (a, b) => a.free - b.free,
  vm_evenly_distributed: (a, b) => a.vms - b.vms || b.free - a.free,
};
/** none, evenly_distributed and cluster_maintenance: the least loaded host, by free memory. */
const LEAST_LOADED = (a: HostLoad, b: HostLoad) => b.free - a.free;

async function policyOrder(call: Call, vm: VmObj): Promise<(a: HostLoad, b: HostLoad) => number> {
  const cluster = await call.repo.get(T.Cluster, String(vm.cluster?.id));
  const policy = POLICIES.find((p) => p.id === cluster?.scheduling_policy?.id) ?? POLICIES.find((p) => p.default)!;
  return POLICY_ORDER[policy.name] ?? LEAST_LOADED;
}

/**
 * The host to `verb` (run, migrate) the VM on, of `candidates` (hosts that can take it): those
 * its enforcing rules allow, the fewest broken preferences first, then as the policy orders them.
 */
export async function chooseHost(call: Call, vm: VmObj, candidates: readonly HostLoad[], verb: string): Promise<HostObj> {
  const constraints = await constraintsOn(call, vm);
  let allowed = candidates;
  for (const c of constraints.filter((x) => x.enforcing)) {
    allowed = allowed.filter((l) => allows(c, l.host.id));
    if (allowed.length === 0) throw await refusal(call, vm, verb, c);
  }
  const preferences = constraints.filter((c) => !c.enforcing);
  const penalty = (l: HostLoad) => preferences.reduce((sum, c) => sum + (allows(c, l.host.id) ? 0 : WEIGHT[c.kind] * Number(c.group.priority ?? 1)), 0);
  const order = await policyOrder(call, vm);
  const scored = allowed.map((l) => ({ l, penalty: penalty(l) }));
  scored.sort((a, b) => a.penalty - b.penalty || order(a.l, b.l));
  return scored[0].l.host;
}
