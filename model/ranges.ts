// The values the model allows: each attribute's declared range, a type's bound on the product of
// some of its attributes, and the order of pairs of them. Checked on what clients send, whatever
// the type.
import { Range, StructType } from './meta';
import { Obj, Value, isObj } from './codec/value';

const within = (r: Range, n: number) => (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);

function describe(r: Range): string {
  if (r.min !== undefined && r.max !== undefined) return `from ${r.min} to ${r.max}`;
  return r.min !== undefined ? `at least ${r.min}` : `at most ${String(r.max)}`;
}

/** The product limit of `type` broken by `obj`, described; members left out count as their minimum. */
function productOutOfRange(type: StructType, obj: Obj, path: string): string | undefined {
  if (!type.product) return undefined;
  const { of, max } = type.product;
  const product = of.reduce((p, name) => {
    const given = obj[name];
    return p * (typeof given === 'number' ? given : type.attributes.find((a) => a.name === name)?.range?.min ?? 1);
  }, 1);
  return product > max ? `Invalid value for ${path}: ${of.join(' × ')} is ${product}; it must be at most ${max}` : undefined;
}

/** The value at a dotted path of attributes (`memory_policy.max`), if given. */
function valueAt(obj: Obj, path: string): Value | undefined {
  let v: Value | undefined = obj;
  for (const step of path.split('.')) v = isObj(v) ? v[step] : undefined;
  return v;
}

/** The first ordered pair of `type` that `obj` breaks, described. */
function orderBroken(type: StructType, obj: Obj, path: string): string | undefined {
  for (const [low, high] of type.ordered ?? []) {
    const [a, b] = [valueAt(obj, low), valueAt(obj, high)];
    if (typeof a === 'number' && typeof b === 'number' && a > b) return `Invalid value for ${path}.${low}: ${a}; it must be at most ${path}.${high} (${b})`;
  }
  return undefined;
}

/** The first value of `obj`, at any depth, outside what the model allows, described; none if all are in range. */
export function outOfRange(type: StructType, obj: Obj, path = type.element): string | undefined {
  for (const a of type.attributes) {
    const v = obj[a.name];
    if (v === undefined || a.link) continue;
    const at = `${path}.${a.name}`;
    const t = a.type();
    for (const x of (a.list && Array.isArray(v) ? v : [v]) as Value[]) {
      if (a.range && typeof x === 'number' && !within(a.range, x)) return `Invalid value for ${at}: ${x}; it must be ${describe(a.range)}`;
      const inner = t.kind === 'struct' && isObj(x) ? outOfRange(t, x, at) : undefined;
      if (inner) return inner;
    }
  }
  return productOutOfRange(type, obj, path) ?? orderBroken(type, obj, path);
}
