// VMs as their hosts report them (the qemu runtime): each poll of a host's agent moves the VMs it
// runs on through their pending steps, brings down those whose QEMU ended, with why, keeps what
// their guest agents report, brings back up those whose migration ended short, and tells hosts to
// stop guests left waiting for one and to forget guests that are down once the engine has taken note.
import { isDeepStrictEqual } from 'node:util';
import { Knex } from 'knex';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { GuestState } from '../model/agent-protocol';
import { Repo, StoredObj } from './store/repo';
import { GuestDriver } from './runtime/runtime';
import { abandon, applyStep, reached, schedule } from './transitions';
import { EventCode } from './events';
import { downStep, migrationCancelled } from './vm-lifecycle';
import { RUNNING } from './vm-states';
import { GUEST_FACTS, vmFactsOf } from './guest-facts';

type VmObj = StoredObj<typeof T.Vm>;

/** The engine's status for what a guest does. */
function statusOf(g: GuestState): string {
  switch (g.status) {
    case 'starting': return 'wait_for_launch';
    case 'migrating_out': return 'migrating';
    case 'migrating_in': return 'migrating';
    case 'down': return g.exit?.reason === 'saved' ? 'suspended' : 'down';
    default: return g.status;
  }
}

/** States in which a VM may not be on its host yet: the engine has asked and the host has not answered. */
const ASKED = ['wait_for_launch', 'restoring_state'];

const vmAbout = (vm: VmObj, host: Obj) => ({ vm: { id: vm.id }, host: { id: host.id } });

/**
 * A migrating VM whose source reports it up again after trying: the move was cancelled (its job
 * aborted) or failed (its job failed, with an error event saying why). Answers the host that was
 * to take it, whose incoming guest is of no more use.
 */
async function migrationEnded(repo: Repo, host: Obj, vm: VmObj, ended: NonNullable<GuestState['migration']>): Promise<Obj | undefined> {
  const targetId = (vm as VmObj & { migration_target?: { id?: string } }).migration_target?.id;
  const target = targetId ? await repo.get(T.Host, targetId) : undefined;
  if (ended.failed === 'cancelled') await schedule(repo, T.Vm, vm.id, []);
  else await abandon(repo, T.Vm, vm.id);
  await applyStep(repo, T.Vm, vm.id, {
    after: 0, status: 'up', unset: ['migration_target'],
    event: ended.failed === 'cancelled'
      ? { ...migrationCancelled(vm), about: vmAbout(vm, host) }
      // oVirt's wording of its event 65, with QEMU's reason.
      : { code: EventCode.VM_MIGRATION_FAILED, severity: 'error', about: vmAbout(vm, host), description: `Migration failed${ended.error ? `: ${ended.error}` : ''} (VM: ${String(vm.name)}, Source: ${String(host.name)}${target ? `, Destination: ${String(target.name)}` : ''}).` },
  });
  return target;
}

/** A VM of this host that is not migrating, as the host reports it (or does not). */
async function follow(repo: Repo, host: Obj, vm: VmObj, g: GuestState | undefined): Promise<void> {
  if (!g) {
    if (ASKED.includes(String(vm.status))) return;
    await abandon(repo, T.Vm, vm.id);
    await applyStep(repo, T.Vm, vm.id, { ...downStep(vm, 0, ''), event: { code: EventCode.VM_DOWN_ERROR, severity: 'error', description: `VM ${String(vm.name)} is down with error: it does not run on host ${String(host.name)} any more.`, about: vmAbout(vm, host) } });
    return;
  }
  const status = statusOf(g);
  if (status === vm.status || (await reached(repo, T.Vm, vm.id, status))) return;
  await abandon(repo, T.Vm, vm.id);
  if (status === 'down') {
    const exit = g.exit ?? { reason: 'crashed', message: 'no reason given' };
    const error = exit.reason === 'crashed' || exit.reason === 'failed';
    await applyStep(repo, T.Vm, vm.id, {
      ...downStep(vm, 0, ''),
      event: error
        ? { code: EventCode.VM_DOWN_ERROR, severity: 'error', description: `VM ${String(vm.name)} is down with error. Exit message: ${exit.message}.`, about: vmAbout(vm, host) }
        : { code: EventCode.VM_DOWN, severity: 'normal', description: `VM ${String(vm.name)} is down: ${exit.message}.`, about: vmAbout(vm, host) },
    });
    return;
  }
  // What the guest did by itself (a pause on an I/O error, a reboot from inside) is shown as it is.
  await applyStep(repo, T.Vm, vm.id, { after: 0, status, ...(status === 'suspended' ? { unset: ['host'] } : {}) });
}

/** Keeps what the guest's agent reports on the VM, written only when it changed; none without an answering agent. */
async function noteFacts(repo: Repo, vm: VmObj, g: GuestState | undefined): Promise<VmObj> {
  const facts = g?.guestAgent && g.status !== 'down' ? vmFactsOf(g.guestAgent) : {};
  // As JSON, members left undefined are no members at all.
  const plain = (o: Partial<VmObj>) => JSON.parse(JSON.stringify(Object.fromEntries(GUEST_FACTS.map((k) => [k, o[k]])))) as unknown;
  if (isDeepStrictEqual(plain(vm), plain(facts))) return vm;
  const next: VmObj = { ...vm };
  for (const k of GUEST_FACTS) delete next[k];
  const updated = { ...next, ...facts, id: vm.id };
  await repo.update(T.Vm, updated);
  return updated;
}

/** An incoming migration to this host: once its guest is up here, the VM has moved. */
async function arrive(repo: Repo, vm: VmObj, g: GuestState | undefined): Promise<void> {
  if (g?.status === 'up') await reached(repo, T.Vm, vm.id, 'up');
}

export function guestSurvey(db: Knex, guests: GuestDriver) {
  return async (host: Obj, states: GuestState[]): Promise<void> => {
    const byId = new Map(states.map((g) => [g.id, g]));
    const hostId = String(host.id);
    const strays: { host: Obj; vmId: string }[] = [];
    await db.transaction(async (trx) => {
      const repo = new Repo(trx);
      for (const vm of await repo.list(T.Vm, { host: hostId })) {
        if (vm.status === 'down' || vm.status === 'suspended') continue;
        const locked = await repo.getForUpdate(T.Vm, vm.id);
        if (!locked) continue;
        const g = byId.get(vm.id);
        const noted = await noteFacts(repo, locked, g);
        if (noted.status !== 'migrating') await follow(repo, host, noted, g);
        // A move is decided by the target coming up; up here after trying, the move ended short
        // (up without trying yet, the source has not been told to send it).
        else if (g?.status === 'up' && g.migration?.failed) {
          const target = await migrationEnded(repo, host, noted, g.migration);
          if (target) strays.push({ host: target, vmId: vm.id });
        }
      }
      for (const vm of await repo.list(T.Vm, {}, { where: { status: 'migrating' } })) {
        const target = (vm as VmObj & { migration_target?: unknown }).migration_target;
        if (isObj(target) && target.id === hostId) await arrive(repo, vm, byId.get(vm.id));
      }
      // A host preparing for maintenance is in maintenance once no VM runs on it any more.
      if (host.status === 'preparing_for_maintenance') {
        const left = (await repo.list(T.Vm, { host: hostId })).filter((v) => RUNNING.includes(String(v.status)));
        if (!left.length) await reached(repo, T.Host, hostId, 'maintenance');
      }
    });
    // A migration's target that waits for a state that will not come is stopped, then forgotten as below.
    for (const s of strays) await guests.command(s.host, s.vmId, { op: 'stop' }).catch(() => undefined);
    // Once recorded, a guest that is down is of no more use to its host.
    for (const g of states.filter((s) => s.status === 'down')) await guests.forget(host, g.id).catch(() => undefined);
  };
}
