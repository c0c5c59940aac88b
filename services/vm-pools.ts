// VM pools: VMs made from one template, named `<pool>-1`, `<pool>-2`, ..., which users take with
// `allocatevm`. As in oVirt, a user's VM is one of the pool's VMs the user holds UserVmManager
// on; the pool keeps `prestarted_vms` of its free VMs running, grows and shrinks with its size,
// and goes with its VMs, which must be down. A VM leaves its pool only through `detach`.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Obj } from '../model/codec';
import { ActionBody, Call, implement } from './behaviour';
import { StoredHooks, load, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { refTo, resolve } from './refs';
import { StoredObj } from './store/repo';
import { ROLES } from './store/builtin-roles';
import { configurationOf } from './templates';
import { vmActions } from './vm-lifecycle';
import { EventCode, recordEvent } from './events';

type VmObj = StoredObj<typeof T.Vm>;
/** The settings the pool's VMs take over the template's (the add's `vm`) are kept in the pool's row. */
type StoredPool = StoredObj<typeof T.VmPool> & { vm_settings?: Obj };

const USER_VM_MANAGER = ROLES.find((r) => r.name === 'UserVmManager')!.id;

/** The number of a pool VM's name (`web-3` → 3); 0 for a name the pool did not give. */
function numberOf(pool: StoredPool, vm: VmObj): number {
  const prefix = `${String(pool.name)}-`;
  const name = String(vm.name);
  return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)) ? Number(name.slice(prefix.length)) : 0;
}

/** The pool's VMs, in the order of their numbers. */
async function vmsOf(call: Call, pool: StoredPool): Promise<VmObj[]> {
  const vms = await call.repo.list(T.Vm, { vm_pool: pool.id });
  return vms.sort((a, b) => numberOf(pool, a) - numberOf(pool, b));
}

/** Who holds each taken VM: VM id → user id. */
async function holders(call: Call, vms: readonly VmObj[]): Promise<Map<string, string>> {
  const ids = new Set(vms.map((v) => v.id));
  const given = await call.repo.list(T.Permission, { role: USER_VM_MANAGER });
  return new Map(given.filter((p) => p.user?.id !== undefined && ids.has(String(p.vm?.id))).map((p) => [String(p.vm?.id), String(p.user?.id)]));
}

const poolEvent = (call: Call, vm: { id: string }, description: string) =>
  recordEvent(call.repo, { code: EventCode.OBJECT_UPDATED, severity: 'normal', description, userId: call.principal.userId, about: { vm: { id: vm.id } } });

/** Makes `count` more VMs of the pool, each with the next number no VM's name holds. */
async function grow(call: Call, pool: StoredPool, count: number): Promise<void> {
  const addVm = call.engine.behaviours.adder(S.Vms);
  let n = 0;
  for (let made = 0; made < count; made++) {
    let name: string;
    do name = `${String(pool.name)}-${++n}`;
    while ((await call.repo.count(T.Vm, {}, { name })) > 0);
    const body: ObjOf<typeof T.Vm> = {
      ...configurationOf(pool.vm_settings ?? {}),
      ...(pool.soundcard_enabled !== undefined ? { soundcard_enabled: pool.soundcard_enabled } : {}),
      ...(pool.tpm_enabled !== undefined ? { tpm_enabled: pool.tpm_enabled } : {}),
      name,
      cluster: pool.cluster,
      template: pool.template,
      ...(pool.instance_type ? { instance_type: pool.instance_type } : {}),
      vm_pool: refTo(pool),
    };
    const vm = await addVm(call, body);
    await poolEvent(call, { id: String(vm.id) }, `VM ${name} was added to VM pool ${String(pool.name)} by ${call.principal.userName}.`);
  }
}

/** Removes a VM of the pool: it leaves the pool, then goes as any VM goes (with its disks; 409 unless down). */
async function removeVm(call: Call, vm: VmObj): Promise<void> {
  await call.repo.update(T.Vm, { ...vm, vm_pool: undefined });
  await call.engine.behaviours.entity(S.VmEntity).remove!({ ...call, scope: [vm.id], params: {} });
  await recordEvent(call.repo, {
    code: EventCode.OBJECT_REMOVED, severity: 'normal', description: `VM ${String(vm.name)} was removed with its pool by ${call.principal.userName}.`,
    userId: call.principal.userId, about: { vm: { id: vm.id } },
  });
}

/** Removes `count` of the pool's VMs, the highest numbers first, of those down and free; 409 when too few are. */
async function shrink(call: Call, pool: StoredPool, count: number): Promise<void> {
  const vms = await vmsOf(call, pool);
  const taken = await holders(call, vms);
  const removable = vms.filter((v) => v.status === 'down' && !taken.has(v.id)).reverse();
  if (removable.length < count) {
    throw conflict(`Cannot take ${count} VMs out of VM pool ${String(pool.name)}: only ${removable.length} of its VMs are down and free`);
  }
  for (const vm of removable.slice(0, count)) await removeVm(call, vm);
}

const start = (call: Call, vm: VmObj) => vmActions.start({ ...call, scope: [vm.id], params: {} }, {});

/**
 * Starts free VMs of the pool until `prestarted_vms` of them run. As oVirt's pool monitor, which
 * prestarts in the background, a VM that cannot start leaves the pool short, and an event says why.
 */
async function prestart(call: Call, pool: StoredPool): Promise<void> {
  const vms = await vmsOf(call, pool);
  const taken = await holders(call, vms);
  const free = vms.filter((v) => !taken.has(v.id));
  let running = free.filter((v) => v.status !== 'down').length;
  for (const vm of free.filter((v) => v.status === 'down')) {
    if (running >= Number(pool.prestarted_vms ?? 0)) return;
    try {
      await start(call, vm);
    } catch (e) {
      await recordEvent(call.repo, {
        code: EventCode.VM_POOL_PRESTART_FAILED, severity: 'warning', about: { vm: { id: vm.id } },
        description: `VM pool ${String(pool.name)} could not prestart VM ${String(vm.name)}: ${(e as Error).message}`,
      });
      return;
    }
    running++;
  }
}

/** The counts of a pool must fit together: no more VMs prestarted than it has. */
function checkCounts(pool: ObjOf<typeof T.VmPool>): void {
  if (Number(pool.prestarted_vms) > Number(pool.size)) {
    throw badRequest(`VM pool ${String(pool.name)} cannot prestart ${String(pool.prestarted_vms)} VMs: it has ${String(pool.size)}`);
  }
}

const hooks: StoredHooks<typeof T.VmPool> = {
  uniqueName: () => ({}),
  async prepare(call, body) {
    const cluster = await resolve(call.repo, T.Cluster, body.cluster, 'cluster');
    const template = await resolve(call.repo, T.Template, body.template, 'template');
    const instanceType = body.instance_type === undefined ? undefined : await resolve(call.repo, T.InstanceType, body.instance_type, 'instance_type');
    const { vm, ...rest } = body;
    const pool: ObjOf<typeof T.VmPool> & { vm_settings?: Obj } = {
      size: 1, prestarted_vms: 0, max_user_vms: 1, type: 'automatic', stateful: false, auto_storage_select: false, use_latest_template_version: false,
      ...rest,
      cluster: refTo(cluster),
      template: refTo(template),
      ...(instanceType ? { instance_type: refTo(instanceType) } : {}),
      ...(vm ? { vm_settings: vm as Obj } : {}),
    };
    if (Number(pool.size) < 1) throw badRequest(`VM pool ${String(pool.name)} needs at least one VM`);
    checkCounts(pool);
    return pool;
  },
  async created(call, pool) {
    await grow(call, pool, Number(pool.size));
    await prestart(call, pool);
  },
  async apply(call, current, changes) {
    for (const [name, type] of [['cluster', T.Cluster], ['template', T.Template]] as const) {
      if (changes[name] === undefined) continue;
      const given = await resolve(call.repo, type, changes[name], name);
      if (given.id !== current[name]?.id) throw conflict(`The ${name} of VM pool ${String(current.name)} cannot change`);
    }
    const next: StoredPool = { ...mergeInto(T.VmPool, current, changes), id: current.id };
    checkCounts(next);
    const have = (await vmsOf(call, next)).length;
    const want = Number(next.size);
    if (want > have) await grow(call, next, want - have);
    if (want < have) await shrink(call, next, have - want);
    await prestart(call, next);
    return next;
  },
  async removing(call, pool) {
    const vms = await vmsOf(call, pool);
    const running = vms.filter((v) => v.status !== 'down');
    if (running.length) {
      throw conflict(`Cannot remove VM pool ${String(pool.name)}: its VMs must be down, and these are not: ${running.map((v) => String(v.name)).join(', ')}`);
    }
    for (const vm of vms) await removeVm(call, vm);
  },
};

async function allocateVm(call: Call): Promise<Obj> {
  const pool: StoredPool = await load(call, S.VmPools);
  const vms = await vmsOf(call, pool);
  const taken = await holders(call, vms);
  const user = call.principal.userId;
  const mine = [...taken.values()].filter((u) => u === user).length;
  if (mine >= Number(pool.max_user_vms ?? 1)) {
    throw conflict(`Cannot allocate a VM of pool ${String(pool.name)}: ${call.principal.userName} holds ${mine} of its VMs, as many as one user may`);
  }
  const free = vms.filter((v) => !taken.has(v.id));
  // A prestarted VM first: the user has it at once.
  const vm = free.find((v) => v.status === 'up') ?? free.find((v) => v.status === 'down');
  if (!vm) throw conflict(`Cannot allocate a VM of pool ${String(pool.name)}: none of its VMs is free`);
  await call.repo.insert(T.Permission, { id: randomUUID(), role: { id: USER_VM_MANAGER }, user: { id: user }, vm: refTo(vm) });
  const started = vm.status === 'down' ? await start(call, vm) : {};
  await poolEvent(call, vm, `VM ${String(vm.name)} of pool ${String(pool.name)} was allocated to ${call.principal.userName}.`);
  await prestart(call, pool);
  return { ...started, vm: refTo(vm) };
}

/** `vms/{id}/detach`: the VM leaves its pool, which is one VM smaller. */
async function detach(call: Call, _body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  if (!vm.vm_pool?.id) throw conflict(`Cannot detach VM ${String(vm.name)}: it is not in a pool`);
  const pool: StoredPool | undefined = await call.repo.getForUpdate(T.VmPool, vm.vm_pool.id);
  await call.repo.update(T.Vm, { ...vm, vm_pool: undefined });
  if (pool) {
    const size = Math.max(0, Number(pool.size) - 1);
    await call.repo.update(T.VmPool, { ...pool, size, prestarted_vms: Math.min(Number(pool.prestarted_vms ?? 0), size) });
    await poolEvent(call, vm, `VM ${String(vm.name)} was detached from VM pool ${String(pool.name)} by ${call.principal.userName}.`);
  }
  return {};
}

export const poolActions = { detach };

export const vmPools = implement(S.VmPools, storedCollection(S.VmPools, hooks));
export const vmPool = implement(S.VmPoolEntity, { ...storedEntity(S.VmPools, S.VmPoolEntity, hooks), actions: { allocatevm: allocateVm } });
