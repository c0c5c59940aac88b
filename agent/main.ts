#!/usr/bin/env node
// The host agent (`npm run agent`, `hangar-agent`): runs and watches this host's QEMU guests for
// the engine. Until enrolled it waits for the engine with its one-time secret; enrolled, it adopts
// the guests it left running and serves them over mutual TLS.
import { agentSettings } from './settings';
import { Identity } from './identity';
import { Guests } from './guests';
import { serveEnrollment, serveGuests } from './server';
import { kvmUsable } from './capabilities';
import { qemuUser } from './qemu-user';

async function main(): Promise<void> {
  const settings = agentSettings();
  const runAs = settings.qemuUser && process.getuid?.() === 0 ? qemuUser(settings.qemuUser) : undefined;
  const identity = new Identity(settings.runDir, settings.secret);
  if (!identity.enrolled()) {
    if (!settings.secret) console.log(`Hangar host agent enrollment secret (give it to the engine as the host's root password): ${identity.secret()}`);
    await serveEnrollment(identity, settings.port, settings.bind);
  }
  const kvm = !settings.noKvm && (await kvmUsable(settings.runDir));
  const guests = await Guests.open(settings.runDir, { kvm, consoleBind: settings.guestBind, runAs, x509Dir: identity.qemuX509Dir() }, settings.guestBind);
  const server = await serveGuests(identity, guests, settings.port, settings.bind, kvm);
  console.log(`Hangar host agent on https://${settings.bind}:${server.info.port} (${kvm ? 'KVM' : 'TCG: KVM does not run guests here'}), ${guests.list().length} guests adopted`);
  // Guests run on when the agent stops: only the agent ends.
  const stop = async () => {
    await server.stop({ timeout: 2000 });
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `The Hangar host agent could not start: ${e.message}` : e);
  process.exit(1);
});
