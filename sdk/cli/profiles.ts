// Login profiles: the engine's URL, the SSO token and the CA to trust, one file per profile in
// `$XDG_CONFIG_HOME/hangar/` (`~/.config/hangar/`), readable by its owner alone. The password is
// never kept: the token stands for it until it expires or `hangar logout` revokes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Profile {
  url: string;
  username: string;
  token: string;
  /** The CA certificates to trust, in PEM, when the login was given a CA file. */
  ca?: string;
  insecure?: boolean;
}

export const DEFAULT_PROFILE = 'default';

export class ProfileError extends Error {}

export function configDir(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'hangar');
}

export function profileFile(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
    throw new ProfileError(`A profile name is letters, digits, '.', '_' and '-', not '${name}'`);
  }
  return path.join(configDir(), `${name}.json`);
}

export function loadProfile(name: string): Profile {
  const file = profileFile(name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ProfileError(`Not logged in${name === DEFAULT_PROFILE ? '' : ` with profile '${name}'`}: run hangar login URL --user USER first`);
  }
  return JSON.parse(text) as Profile;
}

/** Writes the profile under a temporary name made with owner-only rights, then moves it in place. */
export function saveProfile(name: string, p: Profile): string {
  const file = profileFile(name);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(p, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  fs.renameSync(temp, file);
  return file;
}

export function removeProfile(name: string): void {
  fs.rmSync(profileFile(name), { force: true });
}
