// The in-memory form of API values: plain objects keyed by wire names.
// Entities carry `id`; the API layer adds the hypermedia members `href`, `link` and `actions`.

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

/** Writes a list one object at a time, so that a long list need not be held whole: the text of each object, then of the end. */
export interface ListWriter {
  item(obj: Obj): string;
  end(): string;
}

/** A whole list at once, as `writer` writes it object by object. */
export function writeAll(writer: ListWriter, objs: Obj[]): string {
  return objs.map((o) => writer.item(o)).join('') + writer.end();
}

/** Members the API layer adds around model attributes. */
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
