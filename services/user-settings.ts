// What a user keeps with the engine: its SSH public key (`/users/{id}/sshpublickeys`), its
// preferences as JSON (`/users/{id}/options`), both of which users manage for themselves, and
// the events it is told of by e-mail (`/users/{id}/eventsubscriptions`).
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Call, implement } from './behaviour';
import { load, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';

/** The user whose settings `call` changes, its row locked until commit so that checks of its settings hold while they change. */
const lockedUser = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.Users);

// --- SSH public keys ---------------------------------------------------------

/** Key types OpenSSH takes in authorized_keys. */
const KEY_TYPES = new Set([
  'ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ssh-ed448', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** Whether a line is an OpenSSH public key: `<type> <base64 blob> [comment]`, the blob naming its type first. */
function isPublicKey(line: string): boolean {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/.exec(line.trim());
  if (!m || !KEY_TYPES.has(m[1])) return false;
  const blob = Buffer.from(m[2], 'base64');
  if (blob.length < 4) return false;
  const length = blob.readUInt32BE(0);
  return blob.length > 4 + length && blob.subarray(4, 4 + length).toString('latin1') === m[1];
}

/** oVirt takes one key per line, each a valid one. */
function checkKey(content: string | undefined): void {
  const lines = String(content ?? '').split('\n').filter((l) => l.trim() !== '');
  if (!lines.length || !lines.every(isPublicKey)) throw badRequest('The content is not a valid OpenSSH public key');
}

export const sshPublicKeys = implement(S.SshPublicKeys, storedCollection(S.SshPublicKeys, {
  // A user has one key, as in oVirt; it is replaced, or removed and added again.
  async prepare(call, body) {
    checkKey(body.content);
    // The user's row stays locked until commit, so two keys cannot both be the first.
    const user = await lockedUser(call);
    if ((await call.repo.count(T.SshPublicKey, { user: user.id })) > 0) {
      throw conflict('The user already has an SSH public key: replace it, or remove it first');
    }
    return { content: body.content };
  },
}));

export const sshPublicKey = implement(S.SshPublicKeyEntity, storedEntity(S.SshPublicKeys, S.SshPublicKeyEntity, {
  apply(_call, current, changes) {
    checkKey(changes.content);
    return mergeInto(T.SshPublicKey, current, changes);
  },
}));

// --- options -----------------------------------------------------------------

export const userOptions = implement(S.UserOptions, storedCollection(S.UserOptions, {
  prepare(_call, body) {
    try {
      JSON.parse(String(body.content));
    } catch {
      throw badRequest(`The content of option '${String(body.name)}' is not JSON`);
    }
    return { name: body.name, content: body.content };
  },
  // Names are unique among a user's options.
  uniqueName: (call) => ({ user: call.scope[0] }),
}));

export const userOption = implement(S.UserOptionEntity, storedEntity(S.UserOptions, S.UserOptionEntity));

// --- event subscriptions -------------------------------------------------------

type Subscription = ObjOf<typeof T.EventSubscription>;

/** An e-mail address: one `@`, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Where a new subscription of `user` sends its notifications: SMTP, the one method oVirt's API offers, to the address given, else the user's e-mail. */
function addressOf(user: ObjOf<typeof T.User>, body: Subscription): string {
  if (body.notification_method !== undefined && body.notification_method !== 'smtp') {
    throw badRequest(`Notification method '${body.notification_method}' is not supported: only smtp is`);
  }
  const address = body.address ?? user.email;
  if (address === undefined) throw badRequest(`User ${String(user.name)} has no e-mail address: give one`);
  if (!EMAIL.test(address)) throw badRequest(`'${address}' is not an e-mail address`);
  return address;
}

/** A subscription is named by its event; a user's subscriptions all go to one address. */
export const eventSubscriptions = implement(S.EventSubscriptions, {
  list: storedCollection(S.EventSubscriptions).list,
  listsSeen: true,
  async add(call, body) {
    const user = await lockedUser(call);
    const address = addressOf(user, body);
    const event = String(body.event);
    const held = await call.repo.list(T.EventSubscription, { user: user.id });
    if (held.some((s) => s.id === event)) throw conflict(`User ${String(user.name)} is already subscribed to ${event}`);
    const other = held.find((s) => s.address !== address);
    if (other) throw conflict(`User ${String(user.name)} is told of events at ${String(other.address)}: '${address}' conflicts with it`);
    const subscription: Subscription = { id: event, event: body.event, notification_method: 'smtp', address, user: { id: user.id } };
    return call.repo.insert(T.EventSubscription, subscription);
  },
});

export const eventSubscription = implement(S.EventSubscriptionEntity, storedEntity(S.EventSubscriptions, S.EventSubscriptionEntity));
