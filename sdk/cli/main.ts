#!/usr/bin/env node
// `hangar`: the command line of Hangar (and oVirt) engines, built on the SDK. Its commands on the
// tree and their flags come from the model, as `pvesh` comes from Proxmox's schema.
import { Command, CommanderError } from 'commander';
import { ApiError } from '../index';
import { COMPLETE, SHELLS, Shell, candidates, completionScript } from './completion';
import { addEventsCommand } from './events';
import { addLoginCommands } from './login';
import { addTransferCommands } from './transfers';
import { DEFAULT_PROFILE } from './profiles';
import { Session } from './session';
import { Globals, actionsAt, addTreeCommands, print, treeCommandNames } from './tree-commands';

/** The program for `argv` (without node and the script): the flags of its path are added to it. */
export function programFor(argv: readonly string[]): Command {
  const program = new Command('hangar')
    .description('The command line of Hangar engines: log in, then list, show, add, change, remove and act on what the API serves')
    .option('--profile <name>', 'The login profile to use', process.env.HANGAR_PROFILE ?? DEFAULT_PROFILE)
    .showHelpAfterError('(add --help for the flags)')
    .exitOverride();
  addLoginCommands(program);
  const session = (g: Globals) => Session.open(g.profile);
  addTreeCommands(program, argv, session);
  addEventsCommand(program, session);
  addTransferCommands(program, session);
  program.command('completion <shell>')
    .description(`Prints the shell's completion script: source <(hangar completion bash)`)
    .action((shell: string) => {
      if (!SHELLS.includes(shell as Shell)) throw new Error(`Completion is for ${SHELLS.join(' and ')}, not '${shell}'`);
      print(completionScript(shell as Shell));
    });
  program.command(`${COMPLETE} <index> [words...]`, { hidden: true })
    .allowUnknownOption()
    .helpOption(false)
    .action((index: string, words: string[]) => {
      const found = candidates(programFor(words.slice(1)), words, Number(index), { pathCommands: treeCommandNames, actionsAt });
      if (found.length) print(found.join('\n'));
    });
  return program;
}

/** The fault's reason and detail, or the error's message, on stderr. */
function explain(e: unknown): string {
  if (e instanceof ApiError) return `${e.reason}${e.detail && e.detail !== e.reason ? `: ${e.detail}` : ''} (HTTP ${e.status})`;
  return e instanceof Error ? e.message : String(e);
}

async function main(argv: string[]): Promise<number> {
  try {
    await programFor(argv).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    // Commander has printed its own errors and help already.
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`hangar: ${explain(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // Exits once the output is written, not when the SDK's kept-alive connections time out.
  void main(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)));
}
