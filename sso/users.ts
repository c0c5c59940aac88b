// Login names and credentials: `admin@internal` names user `admin` of profile `internal`,
// whose authorization domain is `internal-authz`, as in oVirt.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as T from '../model/types';
import { Repo } from '../services/store/repo';
import { Engine, Principal } from '../services/behaviour';
import { ADMIN_USER_ID, INTERNAL_DOMAIN, internalDomainId } from '../services/store/seed';
import { hashPassword, verifyPassword } from './passwords';

const PROFILES: Record<string, { domain: string; domainId: () => string }> = {
  internal: { domain: INTERNAL_DOMAIN, domainId: internalDomainId },
};

/** The user a login name and password stand for, or undefined when they do not match. */
export async function authenticate(repo: Repo, login: string, password: string): Promise<Principal | undefined> {
  const at = login.lastIndexOf('@');
  const profile = PROFILES[at < 0 ? 'internal' : login.slice(at + 1)];
  const name = at < 0 ? login : login.slice(0, at);
  if (!profile) return undefined;
  const [user] = await repo.list(T.User, { domain: profile.domainId() }, { where: { name } });
  const cred: { hash: string } | undefined = user && (await repo.db('credentials').where('user_id', String(user.id)).first('hash'));
  if (!user || !cred || !(await verifyPassword(password, cred.hash))) return undefined;
  return { userId: String(user.id), userName: `${name}@${profile.domain}` };
}

export async function setPassword(repo: Repo, userId: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await repo.db('credentials').insert({ user_id: userId, hash }).onConflict('user_id').merge();
}

/**
 * Gives admin@internal its first password: HANGAR_ADMIN_PASSWORD, or a generated one that is
 * stored in the data dir (readable by the owner only) and printed once.
 */
export async function ensureAdminPassword(engine: Engine, log: (line: string) => void): Promise<void> {
  const repo = new Repo(engine.db);
  if (await repo.db('credentials').where('user_id', ADMIN_USER_ID).first()) return;
  let password = engine.config.adminPassword;
  if (!password) {
    password = randomBytes(12).toString('base64url');
    const file = path.join(engine.config.dataDir, 'admin-password');
    fs.mkdirSync(engine.config.dataDir, { recursive: true });
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    log(`admin@internal password: ${password} (also in ${file})`);
  }
  await setPassword(repo, ADMIN_USER_ID, password);
}
