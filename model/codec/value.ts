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
