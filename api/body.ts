// Request bodies: read only once the caller may make the call, up to a cap by what the route
// takes, decoded by the model's reader, cleaned of what clients may not set, and checked
// against the ranges the model declares.
import { Readable } from 'node:stream';
import { Request } from '@hapi/hapi';
import { StructType } from '../model/meta';
import { DecodeError, Obj, Value, isObj } from '../model/codec';
import * as T from '../model/types';
import { outOfRange } from '../model/ranges';
import { badRequest, malformed, tooLarge } from '../services/fault';
import { requestFormat } from './negotiation';

/** The largest body of an add or an update: one entity, with what it holds inline. */
export const ENTITY_BODY_MAX = 1024 * 1024;
/** The largest body of an action: its parameters (a VM's start may carry its initialization). */
export const ACTION_BODY_MAX = 256 * 1024;
/** The largest form of the SSO endpoints: a user name, a password and a few fields. */
export const FORM_BODY_MAX = 16 * 1024;

/** The cap of a body holding `type`: routes of the tree take entities, or actions' parameters. */
const capOf = (type: StructType) => (type === T.Action ? ACTION_BODY_MAX : ENTITY_BODY_MAX);

const overCap = (cap: number) => tooLarge(`The request body is larger than the ${cap} bytes this call takes`);

/**
 * The request's body, up to `cap` bytes; larger ones are refused with 413 without reading the
 * rest (the connection then closes, as hapi does for an unread body).
 */
export function readPayload(request: Request, cap: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > cap) return Promise.reject(overCap(cap));
  const stream = request.payload;
  if (!(stream instanceof Readable) || stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (e?: Error) => {
      stream.off('data', onData).off('end', onEnd).off('close', onClose).off('error', finish);
      if (!e) return resolve(Buffer.concat(chunks));
      stream.pause();
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) finish(overCap(cap));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onClose = () => finish(malformed('The request body ended before its end'));
    stream.on('data', onData).once('end', onEnd).once('close', onClose).once('error', finish);
  });
}

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

export async function readBody(request: Request, type: StructType, o: { optional?: boolean } = {}): Promise<Obj> {
  const format = requestFormat(request);
  const text = (await readPayload(request, capOf(type))).toString('utf8');
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
