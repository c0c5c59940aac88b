// The serial console of a VM whose guest runs on a real host (a Hangar extension): what the guest
// wrote on it since it started, read from its host; `offset` asks for what came after a read.
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { load } from './stored';
import { notFound } from './fault';
import { RUNNING } from './vm-states';

/** A VM has one serial console. */
const CONSOLE_ID = 'serial0';

/** The VM's host, where its guest runs on one. */
async function guestHost(call: Call) {
  const vm = await load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);
  const guests = call.engine.runtime.guests;
  const host = guests && RUNNING.includes(String(vm.status)) && vm.host?.id ? await call.repo.get(T.Host, vm.host.id) : undefined;
  return { vm, on: guests && host ? { guests, host } : undefined };
}

export const vmSerialConsoles = implement(S.VmSerialConsoles, {
  async list(call, o) {
    const { vm, on } = await guestHost(call);
    return (on ? [{ id: CONSOLE_ID, vm: { id: vm.id } }] : []).slice(0, o.max);
  },
});

export const vmSerialConsole = implement(S.VmSerialConsole, {
  async get(call): Promise<Obj> {
    const { vm, on } = await guestHost(call);
    if (call.scope[1] !== CONSOLE_ID || !on) throw notFound(`VM ${String(vm.name)} has no serial console '${call.scope[1]}' now: it has one, '${CONSOLE_ID}', while it runs on a real host`);
    const offset = Math.max(0, Number(call.params.offset ?? 0));
    const read = await on.guests.serial(on.host, vm.id, offset);
    return { id: CONSOLE_ID, vm: { id: vm.id }, log: read.text, offset: read.offset, size: read.size };
  },
});
