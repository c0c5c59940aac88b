// The in-memory form of API values: plain objects keyed by wire names.
// Entities carry `id`. The engine's values hold no hypermedia: the writers write `href`, `link`
// and `actions` as they go, from what the API layer tells them (a Presentation). A client's
// objects keep the `href` they were answered with.
import { StructType } from '../meta';

export type Scalar = string | number | boolean;
export type Value = Scalar | Obj | Value[];
export interface Obj {
  [member: string]: Value | undefined;
}

/** A hypermedia link: `<link href rel/>`. */
export interface Link {
  href: string;
  rel: string;
}

/** A link or an action of a served value: `rel`, at `path` below the value's base. */
export interface Rel {
  readonly rel: string;
  readonly path: string;
}

/** The hypermedia of the value written at the top: its href, and its links and actions below `base`. */
export interface Served {
  readonly href?: string;
  readonly base: string;
  readonly links: readonly Rel[];
  readonly actions: readonly Rel[];
}

/** The members named at one level of a value (`fields=`), each with what is named below it (empty: all of it). */
export type Fields = ReadonlyMap<string, Fields>;

/** How the values of one answer are written, besides their attributes. */
export interface Presentation {
  /** Where an identified value inside the written one is served: its `href`, if it has one. */
  readonly hrefOf?: (type: StructType, obj: Obj) => string | undefined;
  /** Whether attributes given only when asked for (`all_content`) are written; they are unless false. */
  readonly allContent?: boolean;
  /** Only these members of the value at the top (besides its id and href); every member when absent. */
  readonly fields?: Fields;
}

/** Values written as they are: no hypermedia, every attribute. */
export const AS_IS: Presentation = {};

/** Writes a list one object at a time, so that a long list need not be held whole: the text of each object, then of the end. */
export interface ListWriter {
  item(obj: Obj, served?: Served): string;
  end(): string;
}

/** A whole list at once, as `writer` writes it object by object. */
export function writeAll(writer: ListWriter, objs: Obj[]): string {
  return objs.map((o) => writer.item(o)).join('') + writer.end();
}

/** The wire names of the hypermedia members. */
export const HREF = 'href';
export const LINKS = 'link';
export const ACTIONS = 'actions';

/** Raised when a body does not match the model; `field` is the dotted path of the culprit. */
export class DecodeError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How deep a request body's elements or members may nest: far more than any model value needs. */
export const MAX_NESTING = 32;

/** Member names that would reach an object's prototype; no model attribute has one. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a decoded document tree nesting deeper than MAX_NESTING or using a reserved member
 * name; walks it without recursion, so no document can exhaust the stack.
 */
export function checkTree(tree: unknown): void {
  const stack: [unknown, number][] = [[tree, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_NESTING) throw new DecodeError(`The document nests deeper than ${MAX_NESTING} levels`);
    for (const key of Object.keys(node)) {
      if (RESERVED.has(key)) throw new DecodeError(`'${key}' is not a member name the API takes`);
      stack.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
}
