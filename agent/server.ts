// The agent's HTTPS API. Until it is enrolled it answers only the enrollment, to the holder of
// its one-time secret; enrolled, it serves its guests over mutual TLS to the engine alone.
import fs from 'node:fs';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import Hapi from '@hapi/hapi';
import Boom from '@hapi/boom';
import { ENGINE_CLIENT_NAME, EnrollmentGrant, GuestDisk, GuestNic, GuestSpec } from '../model/agent-protocol';
import { Identity } from './identity';
import { Guests, NoSuchGuest } from './guests';
import { GuestInUse, GuestNotRunning, NoSuchDevice, NotMigrating } from './guest';
import { capabilities } from './capabilities';
import { guestStatistics } from './statistics';

const TLS_BASE = { minVersion: 'TLSv1.2' as const };

/** The most of a serial log one read answers; the next read asks from where this one ended. */
const SERIAL_READ_MAX = 1024 * 1024;

function readRange(file: string, from: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const out = Buffer.alloc(length);
    return out.subarray(0, fs.readSync(fd, out, 0, length, from));
  } finally {
    fs.closeSync(fd);
  }
}

/** Agent errors as faults the engine reads: the message says what went wrong on the host. */
function fault(e: Error): Boom.Boom {
  // hapi has made every error a Boom by now, keeping its class and message.
  if (e instanceof NoSuchGuest || e instanceof NoSuchDevice) return Boom.notFound(e.message);
  if (e instanceof GuestInUse || e instanceof GuestNotRunning || e instanceof NotMigrating) return Boom.conflict(e.message);
  const b = Boom.isBoom(e) ? e : Boom.boomify(e);
  if (b.output.statusCode === 500) b.output.payload = { statusCode: 500, error: 'Internal Server Error', message: e.message };
  return b;
}

function server(port: number, bind: string, tls: object): Hapi.Server {
  const s = Hapi.server({ port, host: bind, tls, routes: { payload: { maxBytes: 1024 * 1024 } } });
  s.ext('onPreResponse', (request, h) => {
    const r = request.response;
    return r instanceof Error ? fault(r) : h.continue;
  });
  return s;
}

/** Serves the enrollment only; resolves once the engine has completed it. */
export async function serveEnrollment(identity: Identity, port: number, bind: string): Promise<void> {
  const s = server(port, bind, { ...TLS_BASE, key: identity.key, cert: identity.selfSigned() });
  let done!: () => void;
  const completed = new Promise<void>((resolve) => (done = resolve));
  const checkSecret = (payload: unknown) => {
    if (!identity.secretMatches((payload as { secret?: unknown } | null)?.secret)) throw Boom.forbidden('the enrollment secret does not match');
  };
  s.route([
    { method: 'POST', path: '/enrollment', handler: (r) => (checkSecret(r.payload), { csr: identity.certificateRequest() }) },
    {
      method: 'PUT', path: '/enrollment', handler: (r, h) => {
        checkSecret(r.payload);
        identity.complete(r.payload as EnrollmentGrant);
        // The engine's answer goes out before this server makes way for the enrolled one.
        r.raw.res.once('finish', done);
        return h.response().code(204);
      },
    },
    { method: '*', path: '/{any*}', handler: () => Boom.forbidden('this host agent is not enrolled: enroll it first') },
  ]);
  await s.start();
  console.log(`Hangar host agent waiting for enrollment on https://${bind}:${s.info.port} (secret in ${path.join('pki', 'enrollment-secret')} of its run directory)`);
  await completed;
  await s.stop({ timeout: 1000 });
}

export async function serveGuests(identity: Identity, guests: Guests, port: number, bind: string, kvm: boolean): Promise<Hapi.Server> {
  const enrolled = identity.enrolled();
  if (!enrolled) throw new Error('the agent is not enrolled');
  const s = server(port, bind, { ...TLS_BASE, key: enrolled.key, cert: enrolled.cert, ca: enrolled.ca, requestCert: true, rejectUnauthorized: true });
  // The CA also signs other hosts' agents: of its certificates only the engine's may call.
  s.listener.on('secureConnection', (socket: TLSSocket) => {
    if (socket.getPeerCertificate().subject?.CN !== ENGINE_CLIENT_NAME) socket.destroy();
  });
  const idOf = (r: Hapi.Request) => String(r.params.id);
  const guest = (r: Hapi.Request) => guests.get(idOf(r));
  const body = (r: Hapi.Request) => (r.payload ?? {}) as Record<string, unknown>;
  const ok = (h: Hapi.ResponseToolkit) => h.response().code(204);
  s.route([
    { method: 'GET', path: '/capabilities', handler: () => ({ ...capabilities(kvm), committedMemory: guests.committedMemory() }) },
    { method: 'GET', path: '/guests', handler: () => guests.list() },
    { method: 'GET', path: '/guests/{id}', handler: (r) => guest(r).state() },
    { method: 'PUT', path: '/guests/{id}', handler: (r) => guests.start({ ...(r.payload as GuestSpec), id: idOf(r) }) },
    { method: 'DELETE', path: '/guests/{id}', handler: (r, h) => (guests.forget(idOf(r)), ok(h)) },
    { method: 'GET', path: '/guests/{id}/statistics', handler: (r) => guestStatistics(guest(r)) },
    {
      method: 'GET', path: '/guests/{id}/serial', handler: (r) => {
        const file = guest(r).files.serialLog;
        const from = Math.max(0, Number((r.query as Record<string, unknown>).offset) || 0);
        const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
        return { offset: from, size, text: from < size ? readRange(file, from, Math.min(size - from, SERIAL_READ_MAX)).toString('utf8') : '' };
      },
    },
    { method: 'POST', path: '/guests/{id}/shutdown', handler: async (r, h) => (await guest(r).shutdown(Number(body(r).timeoutMs ?? 120_000)), ok(h)) },
    { method: 'POST', path: '/guests/{id}/stop', handler: async (r, h) => (await guest(r).stop(), ok(h)) },
    { method: 'POST', path: '/guests/{id}/reboot', handler: async (r, h) => (await guest(r).reboot(), ok(h)) },
    { method: 'POST', path: '/guests/{id}/suspend', handler: async (r, h) => (await guest(r).suspend(String(body(r).file)), ok(h)) },
    { method: 'POST', path: '/guests/{id}/migrate', handler: async (r, h) => (await guest(r).migrate(String(body(r).address), Number(body(r).port), Number(body(r).bandwidthMbps) || undefined), ok(h)) },
    { method: 'POST', path: '/guests/{id}/cancelmigration', handler: async (r, h) => (await guest(r).cancelMigration(), ok(h)) },
    { method: 'POST', path: '/guests/{id}/ticket', handler: async (r, h) => (await guest(r).ticket(String(body(r).password), Number(body(r).seconds ?? 120)), ok(h)) },
    {
      method: 'POST', path: '/guests/{id}/snapshot', handler: async (r, h) => {
        const b = body(r);
        await guest(r).snapshot(b.disks as { id: string; file: string }[], typeof b.memoryFile === 'string' ? b.memoryFile : undefined);
        return ok(h);
      },
    },
    { method: 'POST', path: '/guests/{id}/plugdisk', handler: async (r, h) => (await guest(r).plugDisk(body(r).disk as GuestDisk), ok(h)) },
    { method: 'POST', path: '/guests/{id}/plugnic', handler: async (r, h) => (await guest(r).plugNic(body(r).nic as GuestNic), ok(h)) },
    { method: 'POST', path: '/guests/{id}/unplugnic', handler: async (r, h) => (await guest(r).unplugNic(String(body(r).id)), ok(h)) },
    { method: 'POST', path: '/guests/{id}/unplugdisk', handler: async (r, h) => (await guest(r).unplugDisk(String(body(r).id)), ok(h)) },
    {
      method: 'POST', path: '/guests/{id}/cdrom', handler: async (r, h) => {
        const file = body(r).file;
        await guest(r).changeCd(typeof file === 'string' && file ? file : undefined);
        return ok(h);
      },
    },
  ]);
  await s.start();
  return s;
}
