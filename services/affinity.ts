// Affinity groups of clusters (`/clusters/{id}/affinitygroups`, with their VMs, hosts and labels)
// and affinity labels (`/affinitylabels`, given to VMs and hosts), as oVirt's engine keeps them:
// a group's members are of its cluster and listed once, its rules follow oVirt's mapping of the
// deprecated `positive` and `enforcing`, and enforcing VM rules may not contradict each other.
// Where the rules place VMs is services/affinity-placement.ts.
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService, ObjOf, Ref, StructType } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { conflict, notFound } from './fault';
import { refTo, resolve } from './refs';
import { resolveLinks } from './links';
import { StoredObj } from './store/repo';
import { isBroken, membersOf } from './affinity-placement';

type GroupObj = ObjOf<typeof T.AffinityGroup>;
type StoredGroup = StoredObj<typeof T.AffinityGroup>;
type LabelObj = ObjOf<typeof T.AffinityLabel>;
type Rule = ObjOf<typeof T.AffinityRule>;
type GroupMembers = 'vms' | 'hosts' | 'vm_labels' | 'host_labels';

/** A rule no client has set: disabled, and hard positive once enabled, as oVirt's groups are made. */
const UNSET: Rule = { enabled: false, positive: true, enforcing: true };

/**
 * A rule changed as oVirt maps one: `enabled: false` disables it, a polarity given enables it,
 * `enforcing` given sets it; the rest stays.
 */
function ruleWith(had: Rule, given: Rule): Rule {
  const enabled = given.enabled ?? (given.positive !== undefined ? true : had.enabled);
  return { enabled, positive: given.positive ?? had.positive, enforcing: given.enforcing ?? had.enforcing };
}

/**
 * The group's rules after a change: the VM rule from `vms_rule`, else from the deprecated
 * `positive` and `enforcing`, which then show the VM rule again.
 */
function withRules(current: GroupObj, changes: GroupObj): GroupObj {
  const vmsRule = ruleWith(current.vms_rule ?? UNSET, changes.vms_rule ?? { positive: changes.positive, enforcing: changes.enforcing });
  const hostsRule = ruleWith(current.hosts_rule ?? UNSET, changes.hosts_rule ?? {});
  return { vms_rule: vmsRule, hosts_rule: hostsRule, positive: vmsRule.enabled ? vmsRule.positive : undefined, enforcing: vmsRule.enforcing };
}

const MEMBER_TYPES: Record<GroupMembers, StructType> = { vms: T.Vm, hosts: T.Host, vm_labels: T.AffinityLabel, host_labels: T.AffinityLabel };

/** VMs and hosts of a group are of its cluster, and no member is listed twice (409 otherwise). */
async function checkMembers(call: Call, group: GroupObj, clusterId: string): Promise<void> {
  for (const attr of Object.keys(MEMBER_TYPES) as GroupMembers[]) {
    const refs = group[attr] ?? [];
    const type = MEMBER_TYPES[attr];
    const seen = new Set<string>();
    for (const ref of refs) {
      const member = (await call.repo.get(type, String(ref.id)))!;
      if (seen.has(member.id)) throw conflict(`Affinity group ${String(group.name)} lists ${type.name} ${String(member.name)} twice`);
      seen.add(member.id);
      if ((attr === 'vms' || attr === 'hosts') && (member.cluster as Ref | undefined)?.id !== clusterId) {
        throw conflict(`${type.name} ${String(member.name)} is not in the cluster of affinity group ${String(group.name)}`);
      }
    }
  }
}

/**
 * Enforcing VM rules must not contradict each other, as oVirt checks: the VMs that positive
 * groups keep together (through shared VMs too) may not hold two VMs a negative group keeps apart.
 */
async function checkConflicts(call: Call, group: GroupObj, clusterId: string): Promise<void> {
  const others = (await call.repo.list(T.AffinityGroup, { cluster: clusterId })).filter((g) => g.id !== group.id);
  const labels = await call.repo.list(T.AffinityLabel);
  const hard = [...others, group].filter((g) => g.vms_rule?.enabled && g.vms_rule.enforcing).map((g) => ({ g, vms: membersOf(g, labels).vms }));
  // Each VM's set of VMs kept together with it.
  const together = new Map<string, Set<string>>();
  for (const { vms } of hard.filter((h) => h.g.vms_rule!.positive)) {
    const merged = new Set(vms);
    for (const v of vms) for (const w of together.get(v) ?? []) merged.add(w);
    for (const v of merged) together.set(v, merged);
  }
  for (const { g, vms } of hard.filter((h) => !h.g.vms_rule!.positive)) {
    for (const v of vms) {
      const clash = [...vms].filter((w) => w !== v && together.get(v)?.has(w));
      if (clash.length) {
        const names = await Promise.all([v, clash[0]].map(async (id) => String((await call.repo.get(T.Vm, id))?.name)));
        throw conflict(`Affinity group ${String(group.name)} contradicts the other enforcing groups of its cluster: negative group ${String(g.name)} keeps VMs ${names.join(' and ')} apart, positive ones keep them together`);
      }
    }
  }
}

/** Checks the group's members, and its rules against those of the cluster's other groups. */
async function checkGroup(call: Call, group: GroupObj, clusterId: string): Promise<void> {
  await checkMembers(call, group, clusterId);
  await checkConflicts(call, group, clusterId);
}

const view = async (call: Call, group: StoredGroup): Promise<Obj> => ({ ...group, broken: await isBroken(call, group) });

const inCluster = (_call: Call, g: GroupObj) => ({ cluster: String(g.cluster!.id) });

const groups = storedCollection(S.AffinityGroups, {
  uniqueName: inCluster,
  async prepare(call, body) {
    const given = (await resolveLinks(call, T.AffinityGroup, body)) as GroupObj;
    const group: GroupObj = {
      name: given.name, description: given.description, comment: given.comment, priority: given.priority ?? 1,
      ...withRules({}, given),
      vms: given.vms ?? [], hosts: given.hosts ?? [], vm_labels: given.vm_labels ?? [], host_labels: given.host_labels ?? [],
    };
    await checkGroup(call, group, call.scope[0]);
    return group;
  },
});

export const affinityGroups = implement(S.AffinityGroups, {
  list: async (call, o) => Promise.all((await groups.list(call, o)).map((g) => view(call, g as StoredGroup))),
  listsSeen: true,
  view: (call, g) => view(call, g as StoredGroup),
  add: groups.add!,
});

export const affinityGroup = implement(S.AffinityGroupEntity, storedEntity(S.AffinityGroups, S.AffinityGroupEntity, {
  uniqueName: inCluster,
  view,
  async apply(call, current, changes) {
    const next: StoredGroup = { ...current, ...changes, ...withRules(current, changes) };
    await checkGroup(call, next, String(current.cluster!.id));
    return next;
  },
}));

/**
 * The behaviours of one list of a group's members (`/affinitygroups/{id}/vms`): what it lists
 * are the members themselves, of their own collections. Hosts are named by id or by name.
 */
function groupMemberServices(collection: CollectionService, attr: GroupMembers) {
  const type = MEMBER_TYPES[attr];
  const groupOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 2) }, S.AffinityGroups);
  const member = async (call: Call): Promise<{ group: StoredGroup; id: string }> => {
    const group = await groupOf(call);
    const held = new Set((group[attr] ?? []).map((r) => String(r.id)));
    const key = call.scope[2];
    const id = held.has(key) || attr !== 'hosts' ? key : (await call.repo.list(type, {}, { where: { name: key } }))[0]?.id;
    if (id === undefined || !held.has(id)) throw notFound(`Affinity group ${String(group.name)} has no ${type.name} '${key}'`);
    return { group, id };
  };
  return [
    implement(collection, {
      async list(call, o) {
        const group = await groupOf(call);
        const found = await Promise.all((group[attr] ?? []).map((r) => call.repo.get(type, String(r.id))));
        return found.filter((m) => m !== undefined).slice(0, o.max);
      },
      async add(call, body) {
        const group = await groupOf(call);
        const added = await resolve(call.repo, type, body, type.element);
        if ((group[attr] ?? []).some((r) => r.id === added.id)) {
          throw conflict(`${type.name} ${String(added.name)} is already in affinity group ${String(group.name)}`);
        }
        const next = { ...group, [attr]: [...(group[attr] ?? []), refTo(added)] };
        await checkGroup(call, next, String(group.cluster!.id));
        await call.repo.update(T.AffinityGroup, next);
        return added;
      },
    }),
    implement(collection.entity(), {
      async get(call) {
        const { id } = await member(call);
        return (await call.repo.get(type, id))!;
      },
      async remove(call) {
        const { group, id } = await member(call);
        await call.repo.update(T.AffinityGroup, { ...group, [attr]: (group[attr] ?? []).filter((r) => r.id !== id) });
      },
    }),
  ];
}

export const affinityGroupMembers = [
  ...groupMemberServices(S.AffinityGroupVms, 'vms'),
  ...groupMemberServices(S.AffinityGroupHosts, 'hosts'),
  ...groupMemberServices(S.AffinityGroupVmLabels, 'vm_labels'),
  ...groupMemberServices(S.AffinityGroupHostLabels, 'host_labels'),
];

// --- labels -----------------------------------------------------------------

const everyLabel = () => ({});

const labelHooks = {
  uniqueName: everyLabel,
  async prepare(call: Call, body: LabelObj): Promise<LabelObj> {
    const given = (await resolveLinks(call, T.AffinityLabel, body)) as LabelObj;
    return {
      name: given.name, has_implicit_affinity_group: given.has_implicit_affinity_group ?? false, read_only: false,
      vms: given.vms ?? [], hosts: given.hosts ?? [],
    };
  },
};

export const affinityLabels = implement(S.AffinityLabels, storedCollection(S.AffinityLabels, labelHooks));
export const affinityLabel = implement(S.AffinityLabelEntity, storedEntity(S.AffinityLabels, S.AffinityLabelEntity, {
  uniqueName: everyLabel,
  // A removed label no longer names VMs or hosts for the groups that listed it.
  async removing(call, label) {
    for (const group of await call.repo.list(T.AffinityGroup)) {
      const without = (refs: Ref[] | undefined) => (refs ?? []).filter((r) => r.id !== label.id);
      const next = { ...group, vm_labels: without(group.vm_labels), host_labels: without(group.host_labels) };
      if (next.vm_labels.length + next.host_labels.length !== (group.vm_labels ?? []).length + (group.host_labels ?? []).length) {
        await call.repo.update(T.AffinityGroup, next);
      }
    }
  },
}));

/**
 * The behaviours of the VMs or hosts carrying a label (`/affinitylabels/{id}/vms`) and of the
 * labels a VM or host carries (`/vms/{id}/affinitylabels`): both read and change the label's
 * `attr`. Giving a label again changes nothing, as giving a tag again does.
 */
function labelServices(attr: 'vms' | 'hosts', carriers: CollectionService, carried: CollectionService, objects: CollectionService) {
  const type = objects.type();
  const has = (label: LabelObj, id: string) => (label[attr] ?? []).some((r) => r.id === id);
  const give = async (call: Call, label: StoredObj<typeof T.AffinityLabel>, object: Obj) => {
    if (!has(label, String(object.id))) await call.repo.update(T.AffinityLabel, { ...label, [attr]: [...(label[attr] ?? []), refTo(object)] });
  };
  const takeAway = async (call: Call, label: StoredObj<typeof T.AffinityLabel>, id: string) => {
    if (!has(label, id)) throw notFound(`Affinity label ${String(label.name)} is not given to ${type.name} '${id}'`);
    await call.repo.update(T.AffinityLabel, { ...label, [attr]: (label[attr] ?? []).filter((r) => r.id !== id) });
  };
  const labelAt = (call: Call, at: number) => load({ ...call, scope: [call.scope[at]] }, S.AffinityLabels);
  const objectAt = (call: Call, at: number) => load({ ...call, scope: [call.scope[at]] }, objects);
  return [
    implement(carriers, {
      async list(call, o) {
        const label = await labelAt(call, 0);
        const found = await Promise.all((label[attr] ?? []).map((r) => call.repo.get(type, String(r.id))));
        return found.filter((m) => m !== undefined).slice(0, o.max);
      },
      async add(call, body) {
        const label = await labelAt(call, 0);
        const object = await resolve(call.repo, type, body, type.element);
        await give(call, label, object);
        return object;
      },
    }),
    implement(carriers.entity(), {
      async get(call) {
        const label = await labelAt(call, 0);
        if (!has(label, call.scope[1])) throw notFound(`Affinity label ${String(label.name)} is not given to ${type.name} '${call.scope[1]}'`);
        return objectAt(call, 1);
      },
      remove: async (call) => takeAway(call, await labelAt(call, 0), call.scope[1]),
    }),
    implement(carried, {
      async list(call, o) {
        const object = await objectAt(call, 0);
        return (await call.repo.list(T.AffinityLabel)).filter((l) => has(l, object.id)).slice(0, o.max);
      },
      async add(call, body) {
        const object = await objectAt(call, 0);
        const label = await resolve(call.repo, T.AffinityLabel, body, 'label');
        await give(call, label, object);
        return (await call.repo.get(T.AffinityLabel, label.id))!;
      },
    }),
    implement(carried.entity(), {
      async get(call) {
        const object = await objectAt(call, 0);
        const label = await labelAt(call, 1);
        if (!has(label, object.id)) throw notFound(`${type.name} ${String(object.name)} has no affinity label '${call.scope[1]}'`);
        return label;
      },
      remove: async (call) => takeAway(call, await labelAt(call, 1), (await objectAt(call, 0)).id),
    }),
  ];
}

export const affinityLabelCarriers = [
  ...labelServices('vms', S.AffinityLabelVms, S.AssignedAffinityLabels.vm, S.Vms),
  ...labelServices('hosts', S.AffinityLabelHosts, S.AssignedAffinityLabels.host, S.Hosts),
];

/** A VM or host being removed leaves the affinity groups of its cluster and the labels it carries. */
export async function leaveAffinity(call: Call, attr: 'vms' | 'hosts', object: { id: string; cluster?: Ref }): Promise<void> {
  const without = (refs: Ref[] | undefined) => (refs ?? []).filter((r) => r.id !== object.id);
  for (const group of await call.repo.list(T.AffinityGroup, { cluster: String(object.cluster?.id) })) {
    if ((group[attr] ?? []).some((r) => r.id === object.id)) await call.repo.update(T.AffinityGroup, { ...group, [attr]: without(group[attr]) });
  }
  for (const label of await call.repo.list(T.AffinityLabel)) {
    if ((label[attr] ?? []).some((r) => r.id === object.id)) await call.repo.update(T.AffinityLabel, { ...label, [attr]: without(label[attr]) });
  }
}
