// Objects are typed by the declarations of their types (`ObjOf<typeof T.Vm>`): a misspelled
// attribute, a value of the wrong type or an enum value the model does not declare is a compile
// error. The `@ts-expect-error` lines fail the build if they stop being errors; the runtime part
// shows that the declarations the types come from still drive the wire.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { ObjOf, Ref, StructType, defineEntity, link, str } from '../../model/meta';
import { Obj, XML } from '../../model/codec';
import { modelProblems } from '../../model/check';
import * as S from '../../model/services';

type VmObj = ObjOf<typeof T.Vm>;

/** A VM as a service builds one; each member is checked against Vm's declaration. */
const vm: VmObj = {
  id: '9a8d2c1e-0b7f-4e3a-9c6d-5f4e3d2c1b0a',
  name: 'web',
  memory: 1 << 30,
  status: 'down',
  cluster: { id: 'c1' },
  cpu: { topology: { sockets: 2, cores: 1, threads: 1 } },
  os: { boot: { devices: ['hd', 'network'] } },
  nics: [{ id: 'n1' }],
};

describe('registry: objects typed by the model', () => {
  it('makes a misspelled attribute, a wrong value or an undeclared enum value a compile error', () => {
    // @ts-expect-error `memroy` is not an attribute of Vm.
    const misspelled: VmObj = { memroy: 1 };
    // @ts-expect-error `memory` holds a number.
    const wrongValue: VmObj = { memory: '1 GiB' };
    // @ts-expect-error `sleeping` is not a VmStatus.
    const undeclared: VmObj = { status: 'sleeping' };
    // @ts-expect-error `socket` is not an attribute of CpuTopology: value structs are typed too.
    const nested: VmObj = { cpu: { topology: { socket: 2 } } };
    // @ts-expect-error reading an undeclared attribute.
    const read = vm.memroy;
    assert.deepEqual([misspelled, wrongValue, undeclared, nested, read].length, 5);
  });

  it('types what Vm inherits from VmBase, identity members and links as references', () => {
    const link: Ref | undefined = vm.cluster;
    const memory: number | undefined = vm.memory;
    const name: string | undefined = vm.name;
    // @ts-expect-error `fqdn` is Vm's own, not VmBase's.
    const baseOnly: ObjOf<typeof T.VmBase> = { fqdn: 'web.example.com' };
    // @ts-expect-error a link holds a reference, not a string.
    const notRef: VmObj = { cluster: 'c1' };
    assert.deepEqual([link?.id, memory, name], ['c1', 1 << 30, 'web']);
    assert.ok(baseOnly && notRef);
  });

  it('holds any object for a type known only as a StructType', () => {
    const untyped: ObjOf<StructType> = { whatever: 1 };
    const obj: Obj = untyped;
    assert.equal(obj.whatever, 1);
  });

  it('reads and writes the typed object through the declaration it is typed by', () => {
    const read = XML.read(T.Vm, XML.write(T.Vm, vm)) as VmObj;
    assert.deepEqual(read.cpu?.topology, { sockets: 2, cores: 1, threads: 1 });
    assert.deepEqual(read.os?.boot?.devices, ['hd', 'network']);
    assert.equal(read.cluster?.id, 'c1');
  });

  it('fails the model self-check on a link whose target is not a declared type', () => {
    const Widget = defineEntity('Widget', { doc: 'A test type.' }, {
      label: str('A label.'),
      owner: link(() => undefined, 'A link to nothing.'),
    });
    const collection = { ...S.Vms, name: 'Widgets', type: () => Widget, owner: undefined, add: undefined, entity: () => ({ ...S.VmEntity, type: () => Widget, locators: {}, update: undefined, actions: [] }) };
    assert.deepEqual(modelProblems([{ segments: ['widgets'], collection, chain: [collection] }]), ['Widget: owner links to something that is not a declared type']);
  });
});
