// Every cluster has oVirt's defaults for what clients compare (KSM, fencing, migration, error
// handling, firewall, scheduling policy), the seeded one and new ones alike; what a client gives wins, member by member; in
// XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { restCalls } from './support/rest';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`cluster defaults on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      const { post, list } = restCalls(() => api);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
      });
      after(async () => t?.stop());

      it('gives the seeded and new clusters oVirt\'s defaults, under what the client gives', async () => {
        const [seeded] = await list('/clusters?search=name%3DDefault', T.Cluster);
        const made = await post('/clusters', T.Cluster, {
          name: 'tuned', data_center: { name: 'Default' }, cpu: { type: 'Intel Nehalem Family' }, ksm: { enabled: false }, fencing_policy: { enabled: false },
        });
        for (const c of [seeded, made]) {
          assert.equal((c.ksm as Obj).merge_across_nodes, true);
          assert.deepEqual((c.fencing_policy as Obj).skip_if_sd_active, { enabled: false });
          assert.deepEqual((c.fencing_policy as Obj).skip_if_connectivity_broken, { enabled: false, threshold: 50 });
          assert.deepEqual((c.migration as Obj).bandwidth, { assignment_method: 'auto' });
          assert.deepEqual(c.error_handling, { on_error: 'migrate' });
          assert.equal(c.firewall_type, 'firewalld');
          // oVirt's default policy, `none`, which Ansible's ovirt_cluster follows.
          assert.equal((c.scheduling_policy as Obj).id, 'b4ed2332-a7ac-4d5f-9596-99a439cb2812');
        }
        const chosen = await post('/clusters', T.Cluster, {
          name: 'saving', data_center: { name: 'Default' }, cpu: { type: 'Intel Nehalem Family' }, scheduling_policy: { name: 'power_saving' },
        });
        assert.equal((chosen.scheduling_policy as Obj).id, '5a2b0939-7d46-4b73-a469-e9c2c7fc6a53');
        assert.equal((seeded.ksm as Obj).enabled, true);
        assert.equal((made.ksm as Obj).enabled, false);
        assert.equal((made.fencing_policy as Obj).enabled, false);
      });
    });
  }
}
