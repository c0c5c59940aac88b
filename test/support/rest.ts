// Calls of one client in its format that check the status they answer: what a resource's
// tests send and read.
import assert from 'node:assert/strict';
import { StructType } from '../../model/meta';
import * as T from '../../model/types';
import { Obj } from '../../model/codec';
import { ApiClient } from './engine';

/** The calls of the client `client()` answers, once the suite has made it. */
export function restCalls(client: () => ApiClient) {
  const checked = async (method: string, path: string, status: number, body?: string) => {
    const r = await client().call(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    return r;
  };
  /** The object answered, or the fault when `status` is one; `obj` is the body, if any. */
  const send = async (method: string, path: string, type: StructType, obj: Obj | undefined, status: number) => {
    const { format } = client();
    const r = await checked(method, path, status, obj === undefined ? undefined : format.write(type, obj));
    return r.status < 300 ? format.read(type, r.text) : format.read(T.Fault, r.text);
  };
  return {
    send,
    /** The action `name` on the object at `path`: the action answered, or the fault. */
    act: (path: string, name: string, body: Obj = {}, status = 200) => send('POST', `${path}/${name}`, T.Action, body, status),
    post: (path: string, type: StructType, obj: Obj, status = 201) => send('POST', path, type, obj, status),
    get: async (path: string, type: StructType) => client().format.read(type, (await checked('GET', path, 200)).text),
    list: async (path: string, type: StructType) => client().format.readList(type, (await checked('GET', path, 200)).text),
    /** The text answered. */
    remove: async (path: string, status: number) => (await checked('DELETE', path, status)).text,
  };
}
