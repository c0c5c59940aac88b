// The internal directory (`internal-authz`, logged into as `user@internal`): accounts with
// scrypt-hashed passwords. An account becomes an engine user when added to /users or on its
// first login, with the same id.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Knex } from 'knex';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Engine, Principal, implement } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { ADMIN_USER_ID, INTERNAL_DOMAIN, internalDomainId } from '../services/store/seed';
import { badRequest, conflict, notFound } from '../services/fault';
import { resolve } from '../services/refs';
import { removeOwnedBy } from '../services/ownership';
import { hashPassword, verifyPassword } from './passwords';
import { revokeUserCredentials } from './tokens';

export interface Account {
  id: string;
  name: string;
  hash: string | null;
  /** JSON list of group ids. */
  groups: string | null;
}

const groupRefs = (a: Account): Obj[] => (JSON.parse(a.groups ?? '[]') as string[]).map((id) => ({ id }));

/** The login profile `internal` names the `internal-authz` domain, as in oVirt. */
const PROFILES: Record<string, string> = { internal: INTERNAL_DOMAIN, [INTERNAL_DOMAIN]: INTERNAL_DOMAIN };

/** `joe@internal` → `joe`; undefined for other profiles. */
export function accountName(login: string): string | undefined {
  const at = login.lastIndexOf('@');
  if (at < 0) return login;
  return PROFILES[login.slice(at + 1)] ? login.slice(0, at) : undefined;
}

const accounts = (db: Knex | Knex.Transaction) => db<Account>('directory_accounts');

/** The engine user of an account: made on first use, like oVirt does on first login. */
export async function engineUser(repo: Repo, account: Account): Promise<Obj> {
  const existing = await repo.get(T.User, account.id);
  if (existing) return existing;
  return repo.insert(T.User, {
    id: account.id,
    name: account.name,
    user_name: `${account.name}@${INTERNAL_DOMAIN}`,
    principal: account.name,
    namespace: '*',
    domain_entry_id: Buffer.from(account.name).toString('hex'),
    domain: { id: internalDomainId(), name: INTERNAL_DOMAIN },
    groups: groupRefs(account),
  });
}

/** The account a login name names, if the internal directory has it. */
export async function accountOf(db: Knex, login: string): Promise<Account | undefined> {
  const name = accountName(login);
  return name === undefined ? undefined : accounts(db).where('name', name).first();
}

let dummyHash: Promise<string> | undefined;

/**
 * The hash an unknown name (or an account without a password) is checked against, so that such
 * a login costs the one verification a wrong password does: made once per process.
 */
export function unknownAccountHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64'));
  return dummyHash;
}

/** Whether `password` is the account's; always exactly one verification. */
export async function passwordMatches(account: Account | undefined, password: string): Promise<boolean> {
  const matches = await verifyPassword(password, account?.hash ?? (await unknownAccountHash()));
  return matches && account?.hash != null;
}

/** The caller an account logs in as. */
export async function principalOfAccount(db: Knex, account: Account): Promise<Principal> {
  const user = await engineUser(new Repo(db), account);
  return { userId: String(user.id), userName: String(user.user_name) };
}

const MIN_PASSWORD_LENGTH = 8;

export async function setPassword(db: Knex | Knex.Transaction, accountId: string, password: string): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH) throw badRequest(`A password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  await accounts(db).where('id', accountId).update({ hash: await hashPassword(password) });
}

/**
 * Gives admin@internal its first password: HANGAR_ADMIN_PASSWORD, or a generated one that is
 * stored in the data dir (readable by the owner only) and printed once.
 */
export async function ensureAdminPassword(engine: Engine, log: (line: string) => void): Promise<void> {
  const admin = await accounts(engine.db).where('id', ADMIN_USER_ID).first();
  if (!admin || admin.hash) return;
  let password = engine.config.adminPassword;
  if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`HANGAR_ADMIN_PASSWORD must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (!password) {
    password = randomBytes(12).toString('base64url');
    const file = path.join(engine.config.dataDir, 'admin-password');
    fs.mkdirSync(engine.config.dataDir, { recursive: true });
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    log(`admin@internal password: ${password} (also in ${file})`);
  }
  await setPassword(engine.db, ADMIN_USER_ID, password);
}

/** An account as the domain's users collection shows it. */
function accountUser(a: Account): Obj {
  return {
    id: a.id,
    name: a.name,
    user_name: `${a.name}@${INTERNAL_DOMAIN}`,
    principal: a.name,
    namespace: '*',
    domain: { id: internalDomainId(), name: INTERNAL_DOMAIN },
    groups: groupRefs(a),
  };
}

function checkDomain(id: string): void {
  if (id !== internalDomainId()) throw notFound(`Domain '${id}' does not exist`);
}

implement(S.DomainUsers, {
  async list(call, o) {
    checkDomain(call.scope[0]);
    const q = accounts(call.repo.db).orderBy('name');
    if (o.max !== undefined) q.limit(o.max);
    return (await q).map(accountUser);
  },
  async add(call, body) {
    checkDomain(call.scope[0]);
    const name = accountName(String(body.user_name));
    if (!name || !/^[A-Za-z0-9._-]+$/.test(name)) throw badRequest(`'${String(body.user_name)}' is not a valid internal user name`);
    if (await accounts(call.repo.db).where('name', name).first()) throw conflict(`The internal domain already has a user named '${name}'`);
    const given = Array.isArray(body.groups) ? body.groups : [];
    const groups = await Promise.all(given.map((g) => resolve(call.repo, T.Group, g, 'groups.group')));
    const account: Account = { id: randomUUID(), name, hash: null, groups: JSON.stringify(groups.map((g) => String(g.id))) };
    await accounts(call.repo.db).insert(account);
    await setPassword(call.repo.db, account.id, String(body.password));
    return accountUser(account);
  },
});

implement(S.DomainUser, {
  async get(call) {
    checkDomain(call.scope[0]);
    const a = await accounts(call.repo.db).where('id', call.scope[1]).first();
    if (!a) throw notFound(`User '${call.scope[1]}' does not exist in ${INTERNAL_DOMAIN}`);
    return accountUser(a);
  },
});

/** Adds a directory account to the engine's users: `<user><user_name>joe@internal-authz</user_name>...`. */
implement(S.Users, {
  list: (call, o) => call.repo.list(T.User, {}, o),
  async add(call, body) {
    const domain = body.domain as Obj;
    if (domain.id !== internalDomainId() && domain.name !== INTERNAL_DOMAIN) throw notFound(`Domain '${String(domain.name ?? domain.id)}' does not exist`);
    const name = accountName(String(body.user_name));
    const account = name === undefined ? undefined : await accounts(call.repo.db).where('name', name).first();
    if (!account) throw notFound(`User '${String(body.user_name)}' does not exist in ${INTERNAL_DOMAIN}`);
    if (await call.repo.get(T.User, account.id)) throw conflict(`User '${account.name}' is already added`);
    return engineUser(call.repo, account);
  },
});

implement(S.UserEntity, {
  async get(call) {
    const user = await call.repo.get(T.User, call.scope[0]);
    if (!user) throw notFound(`User '${call.scope[0]}' does not exist`);
    return user;
  },
  /** The one change a user may make: its own password. The old one's tokens and sessions end with it. */
  async update(call, body) {
    const user = await call.repo.get(T.User, call.scope[0]);
    if (!user) throw notFound(`User '${call.scope[0]}' does not exist`);
    if (body.password === undefined) throw badRequest('Only the password of a user can be changed');
    await setPassword(call.repo.db, String(user.id), String(body.password));
    await revokeUserCredentials(call.repo.db, String(user.id));
    return user;
  },
  async remove(call) {
    const id = call.scope[0];
    if (id === ADMIN_USER_ID) throw conflict('The built-in admin user cannot be removed');
    if (!(await call.repo.remove(T.User, id))) throw notFound(`User '${id}' does not exist`);
    await removeOwnedBy(call.repo, T.User, id);
    await call.repo.db('api_token_secrets').where('user_id', id).delete();
  },
});
