// An engine's behaviours: taken from what the modules of services/ export, each service once,
// every service of the tree covered, and no module registering anything by being imported.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as S from '../../model/services';
import { Behaviours, implement } from '../../services/behaviour';
import * as vms from '../../services/vms';
import * as datacenters from '../../services/datacenters';

const source = path.join(__dirname, '..', '..', '..');

describe('registry: behaviours', () => {
  it('refuses a service implemented twice', () => {
    assert.throws(() => new Behaviours([datacenters, { again: datacenters.dataCenters }], [S.DataCenters]), /Service DataCenters is implemented twice/);
  });

  it('refuses an action the service does not declare', () => {
    const flying = implement(S.VmEntity, { get: async () => ({}), actions: { fly: async () => ({}) } });
    assert.throws(() => new Behaviours([{ flying }], [S.VmEntity]), /Service Vm declares no action 'fly'/);
  });

  it('refuses to make an engine with a service left without behaviour', () => {
    assert.throws(() => new Behaviours([vms]), /Services without behaviour: .*DataCenters/);
  });

  it('takes what it is given, per instance: nothing is registered by importing a module', () => {
    const behaviours = new Behaviours([datacenters], [S.DataCenters]);
    assert.equal(behaviours.collection(S.DataCenters), datacenters.dataCenters.behaviour);
    assert.throws(() => behaviours.collection(S.Vms), /Service Vms has no behaviour/);
    const bare = /^import '[^']+';$/m;
    for (const dir of ['services', 'api', 'sso']) {
      for (const file of fs.readdirSync(path.join(source, dir)).filter((f) => f.endsWith('.ts'))) {
        assert.doesNotMatch(fs.readFileSync(path.join(source, dir, file), 'utf8'), bare, `${dir}/${file} imports a module for its side effects`);
      }
    }
  });
});
