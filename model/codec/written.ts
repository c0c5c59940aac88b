// What the writers write of a value at one level, given the answer's presentation: the
// attributes it holds that are asked for, and where it is served.
import { Attribute, StructType, attributesIn } from '../meta';
import { Fields, HREF, Obj, Presentation, Served } from './value';

/**
 * The attributes of `obj` to write, in declaration order: those it holds, less those `fields`
 * does not name (its `id` is always written) and the all-content ones when they are not asked for.
 */
export function writtenAttributes(type: StructType, obj: Obj, p: Presentation, fields: Fields | undefined): Attribute[] {
  const held = attributesIn(type, obj);
  if (!fields && p.allContent !== false) return held;
  return held.filter((a) => (!fields || a.name === 'id' || fields.has(a.name)) && !(a.allContent && p.allContent === false));
}

/** What is asked for below attribute `a` of a level asked for with `fields`: all of it when nothing is named. */
export function fieldsBelow(fields: Fields | undefined, a: Attribute): Fields | undefined {
  const below = fields?.get(a.name);
  return below?.size ? below : undefined;
}

/**
 * The `href` written for a value: the one it is served at, for the value at the top; else the one
 * it holds (a client's objects keep theirs), or the one the presentation tells for an identified value.
 */
export function hrefWritten(type: StructType, obj: Obj, p: Presentation, served: Served | undefined): string | undefined {
  if (served) return served.href;
  const held = obj[HREF];
  if (held !== undefined) return String(held);
  return type.identified && p.hrefOf ? p.hrefOf(type, obj) : undefined;
}
