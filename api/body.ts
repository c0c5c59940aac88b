// Request bodies: decoded by the model's reader, cleaned of what clients may not set, checked
// against the ranges the model declares and the mandatory attributes the service declares.
import { Request } from '@hapi/hapi';
import { Attribute, StructType, attributeOf } from '../model/meta';
import { DecodeError, Obj, Value, isObj } from '../model/codec';
import { outOfRange } from '../model/ranges';
import { badRequest, incomplete, malformed } from '../services/fault';
import { requestFormat } from './negotiation';

/** Removes attributes the engine computes, at every depth. */
export function withoutReadOnly(type: StructType, obj: Obj): Obj {
  const out: Obj = {};
  if (obj.id !== undefined) out.id = obj.id;
  for (const a of type.attributes) {
    const v = obj[a.name];
    if (v === undefined || a.readOnly) continue;
    const t = a.type();
    const one = (x: Value): Value => (t.kind === 'struct' && isObj(x) ? withoutReadOnly(t, x) : x);
    out[a.name] = a.list ? (v as Value[]).map(one) : one(v);
  }
  return out;
}

export function readBody(request: Request, type: StructType, o: { optional?: boolean } = {}): Obj {
  const format = requestFormat(request);
  const text = Buffer.isBuffer(request.payload) ? request.payload.toString('utf8') : '';
  if (text.trim() === '') {
    if (o.optional) return {};
    throw malformed(`The request needs a ${type.element} in its body`);
  }
  let body: Obj;
  try {
    const root = type.name === 'Action' ? 'action' : type.element;
    body = withoutReadOnly(type, format.read(type, text, root));
  } catch (e) {
    if (e instanceof DecodeError) throw malformed(e.message);
    throw e;
  }
  const wrong = outOfRange(type, body);
  if (wrong) throw badRequest(wrong);
  return body;
}

const named = (v: unknown) => isObj(v) && (v.id !== undefined || v.name !== undefined);

/** Whether an attribute points at identified objects, which clients name by id or name. */
function refersToEntity(a: Attribute): boolean {
  const t = a.type();
  return a.link || (t.kind === 'struct' && t.identified);
}

function given(a: Attribute, v: Value | undefined): boolean {
  if (v === undefined) return false;
  if (a.list) return Array.isArray(v) && v.length > 0 && (!refersToEntity(a) || v.every(named));
  return refersToEntity(a) ? named(v) : true;
}

/** Refuses a body lacking a mandatory attribute, naming it as oVirt does: `[cluster.id|name]`. */
export function checkRequired(type: StructType, body: Obj, paths: readonly string[]): void {
  const missing: string[] = [];
  for (const path of paths) {
    const steps = path.split('.');
    let t: StructType = type;
    let v: Value | undefined = body;
    for (let i = 0; i < steps.length; i++) {
      const a = attributeOf(t, steps[i]);
      if (!a) throw new Error(`${type.name} has no attribute ${path}`);
      v = isObj(v) ? v[steps[i]] : undefined;
      const at = a.type();
      if (i === steps.length - 1) {
        if (!given(a, v)) missing.push(refersToEntity(a) ? `${path}.id|name` : path);
      } else if (at.kind === 'struct') {
        t = at;
      }
    }
  }
  if (missing.length) throw incomplete(type.name, missing, 'add');
}
