// Command-line flags derived from a method's declared inputs and query parameters, as `pvesh`
// derives its own from each method's schema: `--name x`, `--cluster Default` (a link, by name or
// id), `--cpu.topology.cores 2` (nested values by dots), `--storage-domains a,b` (several links).
import { InvalidArgumentError, Option } from 'commander';
import { EnumType, InputRule, Params, PrimitiveType, StructType, attributeOf } from '../../model/meta';
import { parseScalar } from '../../model/codec/scalars';
import { DecodeError, Obj, Scalar, Value } from '../../model/codec';

/** Where a flag's value goes and how it is read. */
export type FlagTarget =
  /** A value at a dotted path of the body; `list` when several are given, comma-separated. */
  | { readonly kind: 'value'; readonly path: string; readonly type: PrimitiveType | EnumType; readonly list: boolean }
  /** A reference at a path of the body, given by name or id; `byName` when the method takes the name itself. */
  | { readonly kind: 'ref'; readonly path: string; readonly target: StructType; readonly byName: boolean; readonly list: boolean }
  /** A query parameter. */
  | { readonly kind: 'param'; readonly name: string; readonly type: Params[string] };

export interface Flag {
  /** The flag without its dashes: `cluster`, `cpu.topology.cores`, `all-content`. */
  readonly name: string;
  readonly doc: string;
  readonly required: boolean;
  readonly target: FlagTarget;
}

/** Wire names in snake_case become flags in kebab-case, step by step. */
export const flagName = (path: string) => path.replace(/_/g, '-');

/** What a path of `type` reaches: the attributes walked, or why no flag can give it. */
function walk(type: StructType, path: string) {
  const steps = path.split('.');
  const attrs = [];
  let t: StructType = type;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    if (step === 'id' && last && t.identified) return { attrs, end: 'id' as const };
    const a = attributeOf(t, step);
    if (!a) return undefined;
    attrs.push(a);
    const at = a.type();
    if (last) return { attrs, end: at.kind === 'struct' ? ('struct' as const) : ('value' as const) };
    if (at.kind !== 'struct') return undefined;
    t = at;
  }
  return undefined;
}

/**
 * The flags of the body paths `rules` declare for `type`, and of those of `alternatives` (which
 * none makes required: a method's signatures). A path walking into the items of a
 * list, or ending at a whole structure, has no flag: only whole references may be lists.
 */
export function inputFlags(type: StructType, rules: readonly InputRule[], alternatives: readonly InputRule[] = []): Flag[] {
  const paths = new Set([...rules, ...alternatives].flatMap((r) => r.paths));
  const flags = new Map<string, Flag>();
  const requiredOf = (flagPaths: string[]) => rules.some((r) => r.mandatory && r.paths.every((p) => flagPaths.includes(p)));
  for (const path of paths) {
    const w = walk(type, path);
    if (!w) continue;
    const { attrs, end } = w;
    const lists = attrs.filter((a) => a.list);
    const parent = path.slice(0, path.lastIndexOf('.'));
    const owner = attrs[attrs.length - (end === 'id' ? 1 : 2)];
    const ownerType = owner?.type();
    // `x.id`, a link's `x.name`, or a structure's `x.id` with `x.name`: a reference to an object.
    const isRef = ownerType?.kind === 'struct' && ownerType.identified &&
      (end === 'id' || (path.endsWith('.name') && (owner.link || paths.has(`${parent}.id`))));
    if (isRef) {
      if (lists.length > 1 || (lists.length === 1 && lists[0] !== owner)) continue;
      const byName = paths.has(`${parent}.name`);
      flags.set(parent, {
        name: flagName(parent), doc: owner.doc, required: requiredOf([`${parent}.id`, `${parent}.name`]),
        target: { kind: 'ref', path: parent, target: ownerType, byName, list: owner.list },
      });
      continue;
    }
    if (end === 'id') {
      // The body's own id (a tag given to an object by id or name).
      flags.set(path, { name: path, doc: 'The id of the object.', required: requiredOf([path, 'name']), target: { kind: 'value', path, type: { kind: 'primitive', name: 'string' }, list: false } });
      continue;
    }
    const leaf = attrs[attrs.length - 1];
    const leafType = leaf.type();
    if (end === 'struct' || leafType.kind === 'struct' || lists.some((a) => a !== leaf)) continue;
    flags.set(path, {
      name: flagName(path), doc: leaf.doc, required: requiredOf([path, ...(path === 'name' ? ['id'] : [])]),
      target: { kind: 'value', path, type: leafType, list: leaf.list },
    });
  }
  return [...flags.values()];
}

const PARAM_DOCS: Record<string, string> = {
  search: 'A search query, in oVirt\'s search language (`name=web*`, `status=up`).',
  max: 'The most objects to answer.',
  follow: 'Links to answer inline, comma-separated (`nics,disk_attachments.disk`).',
  all_content: 'Answers the attributes that are left out unless asked for.',
  case_sensitive: 'Whether the search tells capitals from small letters.',
  async: 'Answers before the operation completes.',
  force: 'Forces the operation.',
  filter: 'Answers what the caller\'s permissions give, as a user would see it.',
};

/** The flags of a method's query parameters, those `taken` by body flags left out. */
export function paramFlags(params: Params, taken: readonly Flag[] = []): Flag[] {
  const names = new Set(taken.map((f) => f.name));
  return Object.entries(params).filter(([name]) => !names.has(flagName(name))).map(([name, type]) => ({
    name: flagName(name), doc: PARAM_DOCS[name] ?? `The \`${name}\` parameter.`, required: false, target: { kind: 'param', name, type },
  }));
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/i;
const UNITS: Record<string, number> = { b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/** An integer as given: plain, or a size with its unit (`1GiB`, `512MiB`, `10GB`). */
export function integerText(text: string): string {
  const m = SIZE.exec(text.trim());
  return m ? String(Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()])) : text;
}

/** Reads one scalar as the model reads it from the wire. */
function scalarOf(type: PrimitiveType | EnumType, text: string, flag: string): Scalar {
  try {
    return parseScalar(type, type.kind === 'primitive' && type.name === 'integer' ? integerText(text) : text, `--${flag}`);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof DecodeError ? e.message : String(e));
  }
}

const BOOLEAN: PrimitiveType = { kind: 'primitive', name: 'boolean' };

/** The commander option of a flag; its parsed value is what goes in the body or the query. */
export function optionOf(f: Flag): Option {
  const t = f.target;
  const isBoolean = t.kind === 'param' ? t.type === 'boolean' : t.kind === 'value' && !t.list && t.type.kind === 'primitive' && t.type.name === 'boolean';
  const placeholder = isBoolean ? '[true|false]' : t.kind === 'ref' ? (t.list ? '<names|ids>' : '<name|id>') : t.kind === 'value' && t.list ? '<values>' : '<value>';
  const o = new Option(`--${f.name} ${placeholder}`, f.required ? `${f.doc} (required)` : f.doc);
  if (t.kind === 'value' && t.type.kind === 'enum' && !t.list) o.choices(t.type.values);
  if (t.kind === 'value') {
    const type = t.type;
    o.argParser((text: string) => (t.list ? text.split(',').map((x) => scalarOf(type, x, f.name)) : scalarOf(type, text, f.name)));
    if (isBoolean) o.preset('true');
  } else if (t.kind === 'ref') {
    o.argParser((text: string) => (t.list ? text.split(',') : text));
  } else {
    const type: PrimitiveType = t.type === 'boolean' ? BOOLEAN : { kind: 'primitive', name: t.type };
    o.argParser((text: string) => scalarOf(type, text, f.name));
    if (isBoolean) o.preset('true');
  }
  return o;
}

/** Sets `value` at a dotted path of `obj`, making the objects on the way. */
function setPath(obj: Obj, path: string, value: Value): void {
  const steps = path.split('.');
  let node = obj;
  for (const step of steps.slice(0, -1)) node = (node[step] ??= {}) as Obj;
  node[steps[steps.length - 1]] = value;
}

/** Finds the object a reference names: `{ id }` or `{ name }` as the method takes it. */
export type RefResolver = (target: StructType, key: string, byName: boolean) => Promise<Obj>;

/** The body and the query that the given flags (commander's parsed values, by attribute name) make. */
export async function requestOf(flags: readonly Flag[], given: Record<string, unknown>, resolve: RefResolver): Promise<{ body: Obj; query: Record<string, Scalar> }> {
  const body: Obj = {};
  const query: Record<string, Scalar> = {};
  for (const f of flags) {
    const v = given[attributeName(f)];
    if (v === undefined) continue;
    const t = f.target;
    if (t.kind === 'param') query[t.name] = v as Scalar;
    else if (t.kind === 'value') setPath(body, t.path, v as Value);
    else if (t.list) setPath(body, t.path, await Promise.all((v as string[]).map((k) => resolve(t.target, k, t.byName))));
    else setPath(body, t.path, await resolve(t.target, v as string, t.byName));
  }
  return { body, query };
}

/** Where commander keeps a flag's value. */
const attributeName = (f: Flag) => new Option(`--${f.name}`).attributeName();
