// `hangar events`: the latest events of the audit log, and with `--follow` those recorded from
// then on, through the SDK's event stream, one per line as they come.
import { Command, Option } from 'commander';
import * as T from '../../model/types';
import { followEvents } from '../events';
import { formatList, formatStreamed } from './output';
import { Session } from './session';
import { Globals, outputOption, print } from './tree-commands';

export function addEventsCommand(program: Command, session: (g: Globals) => Promise<Session>): void {
  program.command('events')
    .description(`${T.Event.doc} The latest events; with --follow, then each one recorded, as it is`)
    .addOption(outputOption())
    .option('-f, --follow', 'Goes on telling the events recorded from now on (JSON: one object per line)')
    .option('--after <id>', 'With --follow: starts after the event of this id, as a stream dropped before resumes')
    .option('--search <query>', 'Only the events this search finds (`severity=error`, `vm.name=web1`)')
    .addOption(new Option('--max <n>', 'The most events listed').default('20'))
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals & { follow?: boolean; after?: string; search?: string; max: string };
      const s = await session(g);
      if (!g.follow) {
        const query = { max: g.max, ...(g.search === undefined ? {} : { search: g.search }) };
        print(formatList(T.Event, await s.list(T.Event, '/events', query), g.output));
        return;
      }
      for await (const e of followEvents(s.conn, { after: g.after })) print(formatStreamed(T.Event, e, g.output));
    });
}
