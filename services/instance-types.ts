// Instance types: hardware settings a new VM takes over its template's when it names one, as in
// oVirt; Tiny to XLarge are oVirt's built-in ones.
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { StoredHooks, mergeInto, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { refTo, resolve } from './refs';
import { withVmBaseDefaults } from './facts/vm-base-defaults';

type VmObj = ObjOf<typeof T.Vm>;

/** The attributes an instance type sets: those its add takes. */
const SETTINGS = [...new Set(S.INSTANCE_TYPE_SETTINGS.map((path) => path.split('.')[0]))];

/** The VM with the settings of the instance type it names, which win over its template's and its own, as oVirt's engine applies them. */
export async function withInstanceType(call: Call, vm: VmObj): Promise<VmObj> {
  if (vm.instance_type === undefined) return vm;
  const instanceType = await resolve(call.repo, T.InstanceType, vm.instance_type, 'instance_type');
  const settings: Obj = {};
  for (const name of SETTINGS) {
    const value = (instanceType as Obj)[name];
    if (value !== undefined) settings[name] = structuredClone(value);
  }
  return { ...mergeInto(T.Vm, vm, settings as VmObj), instance_type: refTo(instanceType) };
}

const hooks: StoredHooks<typeof T.InstanceType> = {
  uniqueName: () => ({}),
  prepare: (_call, body) => ({
    ...withVmBaseDefaults(body, body),
    status: 'ok',
    creation_time: new Date().toISOString(),
    version: { version_number: 1, version_name: 'base version' },
  }),
  async removing(call, instanceType) {
    if ((await call.repo.count(T.Vm, { instance_type: String(instanceType.id) })) > 0) {
      throw conflict(`Cannot remove instance type ${String(instanceType.name)}: virtual machines use it`);
    }
  },
};

export const instanceTypes = implement(S.InstanceTypes, storedCollection(S.InstanceTypes, hooks));
export const instanceType = implement(S.InstanceTypeEntity, storedEntity(S.InstanceTypes, S.InstanceTypeEntity, hooks));
