// The commands on the service tree, as `pvesh` has them on its own: `ls`, `get`, `add`, `set`,
// `rm` and `do`. Each one's flags and help come from the method the path names: its declared
// inputs and query parameters, the types' attributes and the `doc` strings of the model.
import { Command, Option } from 'commander';
import { ActionDecl, CollectionService, EntityService, InputRule, LIST_PARAMS, READ_PARAMS, StructType } from '../../model/meta';
import * as T from '../../model/types';
import { Root } from '../../model/services';
import { ActionBody, jobDone } from '../index';
import { Flag, inputFlags, optionOf, paramFlags, requestOf } from './flags';
import { OUTPUTS, Output, formatList, formatOne } from './output';
import { Session } from './session';
import { TreePath, namesEntity, parseTreePath } from './tree-paths';
import { structJson } from '../../model/codec/json';

/** The options every command that prints takes. */
export const outputOption = () => new Option('-o, --output <format>', 'What to print: a table, or the objects as JSON, YAML or XML').choices(OUTPUTS).default('table');

export interface Globals {
  profile: string;
  output: Output;
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** What the flags of a command are, once its path (and action) are known. */
interface Derived {
  doc: string;
  flags: Flag[];
}

interface TreeCommand {
  name: string;
  /** Positional arguments after the path. */
  args?: string;
  summary: string;
  derive(p: TreePath, rest: string[]): Derived;
  run(s: Session, p: TreePath, rest: string[], request: Awaited<ReturnType<typeof requestOf>>, g: Globals & Record<string, unknown>): Promise<void>;
}

/** A path as the user would write it: each collection's segment, then the member's key. */
const nameOfPath = (p: TreePath) => p.route.chain.flatMap((_, i) => [p.route.segments[i * 2] as string, ...(i < p.keys.length ? [p.keys[i]] : [])]).join('/');

function collectionOf(p: TreePath): CollectionService {
  if (namesEntity(p)) throw new Error(`'${nameOfPath(p)}' names one ${p.route.collection.type().element}; give the collection`);
  return p.route.collection;
}

function entityOf(p: TreePath): EntityService {
  if (!namesEntity(p)) throw new Error(`'${nameOfPath(p)}' names a collection; give one of its members, '${nameOfPath(p)}/<name|id>'`);
  return p.route.collection.entity();
}

function actionOf(p: TreePath, name: string | undefined): ActionDecl {
  const entity = entityOf(p);
  const found = entity.actions.find((a) => a.name === name);
  if (!found) {
    const known = entity.actions.map((a) => a.name).join(', ') || 'none';
    throw new Error(name ? `A ${entity.type().element} has no action '${name}'; its actions: ${known}` : `Give an action; a ${entity.type().element}'s actions: ${known}`);
  }
  return found;
}

/** The help telling the ways of adding an object (oVirt's signatures) by the flags each needs. */
function signaturesHelp(type: StructType, signatures: [string, readonly InputRule[]][]): string {
  if (!signatures.length) return '';
  const needs = (rules: readonly InputRule[]) => inputFlags(type, rules.filter((r) => r.mandatory)).map((f) => `--${f.name}`).join(' ');
  return `\n\nOne of these ways, with the flags each needs:\n${signatures.map(([name, rules]) => `  ${name.padEnd(24)} ${needs(rules)}`).join('\n')}`;
}

/** The help listing a member's actions, each with its doc. */
function actionsHelp(entity: EntityService): string {
  return entity.actions.length ? `\n\nActions:\n${entity.actions.map((a) => `  ${a.name.padEnd(24)} ${a.doc}`).join('\n')}` : '';
}

/** Sends the flags' body to the path with `method`, and prints the object answered. */
const sendBody = (method: 'POST' | 'PUT'): TreeCommand['run'] => async (s, p, _rest, { body, query }, g) => {
  const type = p.route.collection.type();
  print(formatOne(type, await s.one(type, method, await s.apiPath(p), structJson(type, body), query), g.output));
};

const COMMANDS: TreeCommand[] = [
  {
    name: 'ls', summary: 'Lists the members of a collection',
    derive: (p) => {
      const c = collectionOf(p);
      return { doc: c.doc, flags: paramFlags({ ...LIST_PARAMS, ...c.list }) };
    },
    async run(s, p, _rest, { query }, g) {
      const type = p.route.collection.type();
      print(formatList(type, await s.list(type, await s.apiPath(p), query), g.output));
    },
  },
  {
    name: 'get', summary: 'Shows one object',
    derive: (p) => {
      const e = entityOf(p);
      return { doc: `${e.doc}${actionsHelp(e)}`, flags: paramFlags({ ...READ_PARAMS, ...e.getParams }) };
    },
    async run(s, p, _rest, { query }, g) {
      const type = p.route.collection.type();
      print(formatOne(type, await s.one(type, 'GET', await s.apiPath(p), undefined, query), g.output));
    },
  },
  {
    name: 'add', summary: 'Adds an object to a collection',
    derive: (p) => {
      const c = collectionOf(p);
      if (!c.add) throw new Error(`Nothing is added to '${nameOfPath(p)}'`);
      const signatures = Object.entries(c.add.signatures ?? {});
      const body = inputFlags(c.type(), c.add.inputs, signatures.flatMap(([, rules]) => rules));
      return { doc: `${c.doc}${signaturesHelp(c.type(), signatures)}`, flags: [...body, ...paramFlags(c.add.params ?? {}, body)] };
    },
    run: sendBody('POST'),
  },
  {
    name: 'set', summary: 'Changes an object',
    derive: (p) => {
      const e = entityOf(p);
      if (!e.update) throw new Error(`A ${e.type().element} at '${nameOfPath(p)}' is not changed`);
      const body = inputFlags(e.type(), e.update.inputs);
      return { doc: e.doc, flags: [...body, ...paramFlags(e.update.params ?? {}, body)] };
    },
    run: sendBody('PUT'),
  },
  {
    name: 'rm', summary: 'Removes an object',
    derive: (p) => {
      const e = entityOf(p);
      if (!e.remove) throw new Error(`A ${e.type().element} at '${nameOfPath(p)}' is not removed`);
      return { doc: e.doc, flags: paramFlags(e.remove.params ?? {}) };
    },
    async run(s, p, _rest, { query }) {
      await s.conn.send('DELETE', await s.apiPath(p), undefined, query);
    },
  },
  {
    name: 'do', args: '[action]', summary: 'Runs an action on an object',
    derive: (p, [name]) => {
      const e = entityOf(p);
      if (name === undefined) return { doc: `${e.doc}${actionsHelp(e)}`, flags: [] };
      const a = actionOf(p, name);
      return { doc: a.doc, flags: inputFlags(T.Action, a.inputs) };
    },
    async run(s, p, [name], { body }, g) {
      actionOf(p, name);
      const path = await s.apiPath(p);
      const result = await s.one(T.Action, 'POST', `${path}/${name}`, structJson(T.Action, body));
      if (!g.wait) {
        print(formatOne(T.Action, result, g.output));
        return;
      }
      // An action that answers no job has done its work when it answers.
      if (result.job !== undefined) await jobDone(s.conn, result as ActionBody);
      const type = p.route.collection.type();
      print(formatOne(type, await s.one(type, 'GET', path), g.output));
    },
  },
];

/** The help telling the collections at the root, where every path begins, each with its doc. */
const collectionsHelp = `\nPaths begin with a collection (then a member's name or id, a sub-collection, ...):\n${
  Object.entries(Root.locators).map(([segment, c]) => `  ${segment.padEnd(26)} ${c().doc}`).join('\n')}`;

/** The path and further positional arguments given to a command, before commander reads them. */
function positionals(argv: readonly string[], command: string): string[] | undefined {
  const at = argv.indexOf(command);
  if (at < 0) return undefined;
  const out: string[] = [];
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i + 1)];
    // The options of every command that take a value; the derived ones follow the path.
    if (a === '-o' || a === '--output' || a === '--profile') i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

/**
 * Adds the tree commands to `program`. The one `argv` runs gets the flags and help of the path
 * it is given; `hangar add vms --help` tells what a VM takes.
 */
export function addTreeCommands(program: Command, argv: readonly string[], session: (g: Globals) => Promise<Session>): void {
  const ran = argv.find((a) => COMMANDS.some((c) => c.name === a));
  for (const c of COMMANDS) {
    const cmd = program.command(`${c.name} <path>${c.args ? ` ${c.args}` : ''}`).description(c.summary);
    cmd.addOption(outputOption());
    if (c.name === 'do') cmd.option('--wait', 'Waits until the job the action started has ended, then shows the object');
    let derived: { p: TreePath; d: Derived } | undefined;
    let problem: Error | undefined;
    const given = c.name === ran ? positionals(argv, c.name) : undefined;
    if (!given?.length) cmd.addHelpText('after', collectionsHelp);
    else {
      try {
        const p = parseTreePath(given[0]);
        derived = { p, d: c.derive(p, given.slice(1)) };
        cmd.description(`${c.summary}: ${nameOfPath(p)}\n\n${derived.d.doc}`);
        for (const f of derived.d.flags) cmd.addOption(optionOf(f));
      } catch (e) {
        problem = e as Error;
      }
    }
    cmd.action(async (_path: string, ...rest: unknown[]) => {
      if (problem) throw problem;
      const positional = rest.slice(0, c.args ? 1 : 0) as string[];
      const g = (rest[rest.length - 1] as Command).optsWithGlobals() as Globals & Record<string, unknown>;
      const { p, d } = derived!;
      const s = await session(g);
      const request = await requestOf(d.flags, g, s.ref);
      await c.run(s, p, positional, request, g);
    });
  }
}

/** The actions of the member a path names, for the completion of the argument after it. */
export function actionsAt(pathText: string): string[] {
  try {
    const p = parseTreePath(pathText);
    return namesEntity(p) ? p.route.collection.entity().actions.map((a) => a.name) : [];
  } catch {
    return [];
  }
}

export const treeCommandNames = COMMANDS.map((c) => c.name);
