// `hangar login` and `hangar logout`: a profile holds the SSO token a login got, and logging out
// revokes it on the engine before the profile goes.
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { Connection } from '../index';
import { Globals, print } from './tree-commands';
import { loadProfile, removeProfile, saveProfile } from './profiles';
import { connect } from './session';

/** The password from its file (its first line), or asked on the terminal without echo. */
async function passwordOf(file: string | undefined, user: string): Promise<string> {
  if (file) return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0];
  if (!process.stdin.isTTY) throw new Error('No terminal to ask the password on: give --password-file');
  const { default: password } = await import('@inquirer/password');
  return password({ message: `Password of ${user}:`, mask: true });
}

export function addLoginCommands(program: Command): void {
  program.command('login <url>')
    .description('Logs in to an engine (https://host/ovirt-engine/api) and keeps the token in the profile')
    .requiredOption('-u, --user <user>', 'The user, with its domain: admin@internal')
    .option('--password-file <file>', 'A file whose first line is the password; asked on the terminal without it')
    .addOption(new Option('--ca-file <file>', 'The PEM file of the CA that signed the engine\'s certificate').conflicts('insecure'))
    .option('--insecure', 'Trusts any certificate the engine shows (tests only)')
    .action(async (url: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals & { user: string; passwordFile?: string; caFile?: string; insecure?: boolean };
      const ca = g.caFile ? fs.readFileSync(g.caFile, 'utf8') : undefined;
      const conn = await Connection.open({ url, username: g.user, password: await passwordOf(g.passwordFile, g.user), ca, insecure: g.insecure });
      const file = saveProfile(g.profile, { url: conn.url, username: g.user, token: conn.token, ca, insecure: g.insecure || undefined });
      print(`Logged in to ${conn.url} as ${g.user}; profile ${file}`);
    });
  program.command('logout')
    .description('Revokes the profile\'s token and forgets the profile')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      const p = loadProfile(g.profile);
      try {
        await (await connect(p)).close();
      } finally {
        removeProfile(g.profile);
      }
    });
}
