// Graphical consoles of VMs, templates and instance types, one per protocol as in oVirt (its id
// the protocol's name in hex), and the one-time passwords (tickets) that open a running VM's
// console: kept in the database with their expiry, so any engine process answers for any, and
// refused once expired or once the VM stopped. Where a console listens comes from the runtime.
import { randomBytes } from 'node:crypto';
import { Knex } from 'knex';
import * as S from '../model/services';
import * as T from '../model/types';
import { CollectionService, EntityService, ObjOf } from '../model/meta';
import { Obj } from '../model/codec';
import { ActionBody, Call, implement, ownersOf } from './behaviour';
import { load } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { StoredObj } from './store/repo';
import { caCertificate } from './pki';
import { consoleId } from './store/devices';
import { SPICE_SECURE_CHANNELS } from '../model/agent-protocol';

type ConsoleObj = ObjOf<typeof T.GraphicsConsole>;
type VmObj = StoredObj<typeof T.Vm>;
type Protocol = 'spice' | 'vnc';

/** States in which a VM's consoles listen on its host. */
export const CONSOLE_LIVE = ['powering_up', 'up', 'reboot_in_progress', 'migrating', 'powering_down', 'paused'];

/** What oVirt gives a ticket without an expiry, in seconds. */
const DEFAULT_EXPIRY = 120;

const vmOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.Vms);

/** The host a VM's consoles listen on, when it runs. */
async function liveHost(call: Call, vm: VmObj): Promise<StoredObj<typeof T.Host> | undefined> {
  if (!CONSOLE_LIVE.includes(String(vm.status)) || !vm.host?.id) return undefined;
  return call.repo.get(T.Host, String(vm.host.id));
}

/** A console as clients see it: with its address and ports while its VM runs. */
async function viewed(call: Call, console: ConsoleObj): Promise<ConsoleObj> {
  if (!console.vm?.id) return console;
  const vm = await call.repo.get(T.Vm, String(console.vm.id));
  const host = vm && (await liveHost(call, vm));
  if (!host) return console;
  const { address, port, tls } = call.engine.runtime.console(vm, host, console.protocol as Protocol);
  return { ...console, address, port, ...(tls ? { tls_port: tls.port } : {}) };
}

/** The console a VM's device change acts on must be on a VM that is down, as oVirt changes graphics devices only then. */
async function checkVmDown(call: Call, owner: string): Promise<void> {
  if (owner !== 'vm') return;
  const vm = await vmOf(call);
  if (vm.status !== 'down') throw conflict(`Cannot change the graphical consoles of VM ${String(vm.name)}: it is not down`);
}

function consoleServices(collection: CollectionService<typeof T.GraphicsConsole>, entity: EntityService<typeof T.GraphicsConsole>) {
  const owner = String(collection.owner);
  const list = async (call: Call) => call.repo.list(T.GraphicsConsole, ownersOf(collection, call.scope));
  const one = async (call: Call) => {
    const found = await call.repo.getForUpdate(T.GraphicsConsole, call.scope[1], ownersOf(collection, call.scope.slice(0, 1)));
    if (!found) throw notFound(`GraphicsConsole '${call.scope[1]}' does not exist`);
    return found;
  };
  return [
    implement(collection, {
      list: async (call, o) => Promise.all((await list(call)).slice(0, o.max).map((c) => viewed(call, c))),
      async add(call, body) {
        await checkVmDown(call, owner);
        const protocol = String(body.protocol);
        if ((await list(call)).some((c) => c.protocol === protocol)) throw conflict(`There is a ${protocol} console already`);
        const added: ConsoleObj = { id: consoleId(protocol), protocol: body.protocol, [owner]: { id: call.scope[0] } };
        await call.repo.insert(T.GraphicsConsole, added as StoredObj<typeof T.GraphicsConsole>);
        return added;
      },
    }),
    implement(entity, {
      get: async (call) => viewed(call, await one(call)),
      async remove(call) {
        await checkVmDown(call, owner);
        await call.repo.remove(T.GraphicsConsole, (await one(call)).id, ownersOf(collection, call.scope.slice(0, 1)));
      },
      ...(owner === 'vm' ? { actions: { ticket: (call: Call, body: ActionBody) => ticketFor(call, one(call), body), remoteviewerconnectionfile: async (call: Call) => connectionFile(call, await one(call)) } } : {}),
    }),
  ];
}

export const vmConsoles = consoleServices(S.VmGraphicsConsoles, S.VmGraphicsConsoles.entity());
export const templateConsoles = consoleServices(S.TemplateGraphicsConsoles, S.TemplateGraphicsConsoles.entity());
export const instanceTypeConsoles = consoleServices(S.InstanceTypeGraphicsConsoles, S.InstanceTypeGraphicsConsoles.entity());

// --- tickets ----------------------------------------------------------------

/** Keeps the ticket of one console of a VM, replacing the one it had; expired ones are dropped. */
async function keepTicket(db: Knex, vmId: string, protocol: string, value: string, expiry: number): Promise<void> {
  const id = `${vmId}:${protocol}`;
  await db('console_tickets').where('expires_at', '<=', Date.now()).orWhere('id', id).delete();
  await db('console_tickets').insert({ id, vm_id: vmId, protocol, value, expires_at: Date.now() + expiry * 1000 });
}

/**
 * Whether the console of `protocol` of the VM lets in a client with `password`: what the VM's
 * host checks when a console client connects. Refused when there is no such ticket, when it has
 * expired, or when the VM no longer runs.
 */
export async function admitsConsole(db: Knex, vm: Obj | undefined, protocol: string, password: string): Promise<boolean> {
  if (!vm || !CONSOLE_LIVE.includes(String(vm.status))) return false;
  const row = await db('console_tickets').where('id', `${String(vm.id)}:${protocol}`).first();
  return Boolean(row) && row.value === password && Number(row.expires_at) > Date.now();
}

/** Sets a ticket for a console of a running VM: the value given or a new one, for `expiry` seconds. */
async function setTicket(call: Call, vm: VmObj, console: ConsoleObj, given: Obj = {}): Promise<{ value: string; expiry: number }> {
  const host = await liveHost(call, vm);
  if (!host) throw conflict(`Cannot set a console ticket for VM ${String(vm.name)}: it is not running`);
  const expiry = given.expiry === undefined ? DEFAULT_EXPIRY : Number(given.expiry);
  if (!Number.isInteger(expiry) || expiry < 1) throw badRequest(`A ticket's expiry is a number of seconds above 0, not '${String(given.expiry)}'`);
  const value = given.value === undefined ? randomBytes(9).toString('base64url') : String(given.value);
  if (value === '') throw badRequest('A ticket\'s value may not be empty');
  await keepTicket(call.repo.db, String(vm.id), String(console.protocol), value, expiry);
  const guests = call.engine.runtime.guests;
  // A real guest's console takes the ticket as its one-time password, from QEMU itself.
  if (guests) {
    call.files.afterCommit({
      what: `setting the console ticket of VM ${String(vm.name)}`,
      run: async () => void (await guests.command(host, String(vm.id), { op: 'ticket', password: value, seconds: expiry })),
      undo: async (repo) => void (await repo.db('console_tickets').where('id', `${String(vm.id)}:${String(console.protocol)}`).delete()),
    });
  }
  return { value, expiry };
}

async function ticketFor(call: Call, console: Promise<ConsoleObj>, body: ActionBody): Promise<Obj> {
  const vm = await vmOf(call);
  return { status: 'complete', ticket: await setTicket(call, vm, await console, body.ticket as Obj | undefined) };
}

/** The VM's own `ticket`: as oVirt, for its first console. */
export async function vmTicket(call: Call, body: ActionBody): Promise<Obj> {
  const vm = await load(call, S.Vms);
  const [first] = await call.repo.list(T.GraphicsConsole, { vm: vm.id });
  if (!first) throw conflict(`Cannot set a console ticket for VM ${String(vm.name)}: it has no graphical console`);
  return { status: 'complete', ticket: await setTicket(call, vm, first, body.ticket as Obj | undefined) };
}

// --- remote-viewer files ----------------------------------------------------

/**
 * The `.vv` file remote-viewer opens, as oVirt's console descriptor writes it, with a new ticket
 * valid for oVirt's 120 seconds; SPICE connects over TLS, trusting the engine's CA.
 */
async function connectionFile(call: Call, console: ConsoleObj): Promise<Obj> {
  const vm = await vmOf(call);
  const host = await liveHost(call, vm);
  if (!host) throw conflict(`Cannot connect to the console of VM ${String(vm.name)}: it is not running`);
  const protocol = console.protocol as Protocol;
  const where = call.engine.runtime.console(vm, host, protocol);
  const ticket = await setTicket(call, vm, console);
  const lines = [
    '[virt-viewer]',
    `type=${protocol}`,
    `host=${where.address}`,
    `port=${where.port}`,
    `password=${ticket.value}`,
    `# Password is valid for ${ticket.expiry} seconds.`,
    'delete-this-file=1',
    'fullscreen=0',
    `title=${String(vm.name)}:%d`,
    'toggle-fullscreen=shift+f11',
    'release-cursor=shift+f12',
    'secure-attention=ctrl+alt+end',
  ];
  // The secure channels go to the TLS port, where remote-viewer checks the host's certificate.
  if (where.tls) {
    const display = (vm.display ?? {}) as Obj;
    lines.push(
      `tls-port=${where.tls.port}`,
      `enable-smartcard=${display.smartcard_enabled === true ? 1 : 0}`,
      `enable-usb-autoshare=${(vm.usb as Obj | undefined)?.enabled === true ? 1 : 0}`,
      'tls-ciphers=DEFAULT',
      `host-subject=${where.tls.subject}`,
      `ca=${(await caCertificate(call.repo.db)).trim().replace(/\r?\n/g, '\\n')}`,
      `secure-channels=${SPICE_SECURE_CHANNELS.join(';')}`,
    );
  }
  lines.push('', '[ovirt]', `host=${call.engine.config.publicHost}:${call.engine.config.apiPort}`, `vm-guid=${vm.id}`, '');
  return { status: 'complete', remote_viewer_connection_file: lines.join('\n') };
}
