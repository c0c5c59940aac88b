// The internal directory (`internal-authz`, logged into as `user@internal`): accounts with
// scrypt-hashed passwords. An account becomes an engine user when added to /users or on its
// first login, with the same id.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Knex } from 'knex';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Engine, Principal } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { ADMIN_USER_ID, INTERNAL_DOMAIN, internalDomainId } from '../services/store/seed';
import { badRequest } from '../services/fault';
import { hashPassword, verifyPassword } from './passwords';

export interface Account {
  id: string;
  name: string;
  hash: string | null;
  /** JSON list of group ids. */
  groups: string | null;
}

export const groupRefs = (a: Account): Obj[] => (JSON.parse(a.groups ?? '[]') as string[]).map((id) => ({ id }));

/** The login profile `internal` names the `internal-authz` domain, as in oVirt. */
const PROFILES: Record<string, string> = { internal: INTERNAL_DOMAIN, [INTERNAL_DOMAIN]: INTERNAL_DOMAIN };

/** `joe@internal` → `joe`; undefined for other profiles. */
export function accountName(login: string): string | undefined {
  const at = login.lastIndexOf('@');
  if (at < 0) return login;
  return PROFILES[login.slice(at + 1)] ? login.slice(0, at) : undefined;
}

/** The accounts of the internal directory. */
export const accounts = (db: Knex | Knex.Transaction) => db<Account>('directory_accounts');

/**
 * The engine user of an account: made on first use, like oVirt does on first login, in the
 * groups of the account that the engine knows.
 */
export async function engineUser(repo: Repo, account: Account): Promise<Obj> {
  const existing = await repo.get(T.User, account.id);
  if (existing) return existing;
  const user = await repo.insert(T.User, {
    id: account.id,
    name: account.name,
    user_name: `${account.name}@${INTERNAL_DOMAIN}`,
    principal: account.name,
    namespace: '*',
    domain_entry_id: Buffer.from(account.name).toString('hex'),
    domain: { id: internalDomainId(), name: INTERNAL_DOMAIN },
  });
  for (const group of groupRefs(account)) {
    if (await repo.get(T.Group, String(group.id))) await joinGroup(repo, account.id, String(group.id));
  }
  return user;
}

/** Puts the user in the group: the membership is what access checks, lists and searches read. */
export const joinGroup = (repo: Repo, userId: string, groupId: string) =>
  repo.insert(T.GroupMembership, { id: randomUUID(), user: { id: userId }, group: { id: groupId } });

/** The ids of the groups a user is in. */
export async function groupsOf(repo: Repo, userId: string): Promise<string[]> {
  return (await repo.list(T.GroupMembership, { user: userId })).map((m) => String(m.group?.id));
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
