// Each method's inputs come from the service tree: a call lacking a mandatory input is refused
// with 400 naming it as oVirt does, before any state is looked at and with nothing changed; an
// update applies only what its method declares; a typed query parameter takes only values of
// its type; and a misspelled path in a declaration fails the model's check at load.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../model/types';
import * as S from '../../model/services';
import { Obj, XML } from '../../model/codec';
import { collectionService, entityService, mandatory, optional } from '../../model/meta';
import { collectionRoutes } from '../../model/tree';
import { checkModel } from '../../model/check';
import { ApiClient, BACKENDS, TestEngine, withEngine } from '../support/engine';
import { vmBody } from '../support/users';
import { until } from '../support/until';

const faultOf = (text: string) => XML.read(T.Fault, text, 'fault');

for (const backend of BACKENDS) {
  describe(`method inputs (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let t: TestEngine;
    let api: ApiClient;
    let vm: Obj;

    const rows = async (table: string) => Number((await t.engine.db(table).count({ n: '*' }))[0].n);
    const stored = async (table: string, id: unknown): Promise<Obj> => {
      const row: { data: string } = await t.engine.db(table).where('id', String(id)).first('data');
      return JSON.parse(row.data) as Obj;
    };
    /** Calls and expects a 400 fault whose detail is `detail`. */
    const refused = async (method: string, path: string, body: string | undefined, detail: string | RegExp) => {
      const r = await api.call(method, path, body);
      assert.equal(r.status, 400, r.text);
      const f = faultOf(r.text);
      if (typeof detail === 'string') assert.equal(f.detail, detail);
      else assert.match(String(f.detail), detail);
      return f;
    };

    before(async () => {
      ({ t, api } = ctx);
      const made = await api.call('POST', '/vms', vmBody('inputs-vm'));
      assert.equal(made.status, 201, made.text);
      vm = XML.read(T.Vm, made.text);
    });

    describe('mandatory inputs', () => {
      it('refuses an add lacking one, naming it, and adds nothing', async () => {
        const before = await rows('snapshots');
        const f = await refused('POST', `/vms/${vm.id}/snapshots`, '<snapshot><persist_memorystate>false</persist_memorystate></snapshot>', 'Snapshot [description] required for add');
        assert.equal(f.reason, 'Incomplete parameters');
        assert.equal(await rows('snapshots'), before);
      });

      it('names alternatives with one name: a storage domain attached by id or by name', async () => {
        const dc = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters?search=name%3DDefault')).text)[0];
        await refused('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><description>which?</description></storage_domain>', 'StorageDomain [id|name] required for add');
      });

      it('names alternatives of different links in full: a transfer of a disk, a snapshot or an image', async () => {
        await refused('POST', '/imagetransfers', '<image_transfer><direction>upload</direction></image_transfer>', 'ImageTransfer [disk.id|snapshot.id|image.id] required for add');
      });

      it('tells what the closest signature lacks: a new disk made with its attachment', async () => {
        const before = await rows('disks');
        await refused(
          'POST', `/vms/${vm.id}/diskattachments`,
          '<disk_attachment><interface>virtio</interface><disk><provisioned_size>1048576</provisioned_size></disk></disk_attachment>',
          'DiskAttachment [disk.format, disk.storage_domains.id|name] required for add',
        );
        await refused('POST', `/vms/${vm.id}/diskattachments`, '<disk_attachment><interface>virtio</interface><disk/></disk_attachment>', 'DiskAttachment [disk.id] required for add');
        assert.equal(await rows('disks'), before);
      });

      it('refuses an action lacking one before looking at the state it acts on', async () => {
        const snapshot = XML.read(T.Snapshot, (await api.call('POST', `/vms/${vm.id}/snapshots`, '<snapshot><description>look</description></snapshot>')).text);
        const previewed = await api.call('POST', `/vms/${vm.id}/previewsnapshot`, `<action><snapshot id="${String(snapshot.id)}"/></action>`);
        assert.equal(previewed.status, 200, previewed.text);
        // Already previewing: the state would refuse it (409), but the inputs are checked first.
        await refused('POST', `/vms/${vm.id}/previewsnapshot`, '<action><restore_memory>false</restore_memory></action>', 'Action [snapshot.id] required for previewsnapshot');
        assert.equal((await api.call('POST', `/vms/${vm.id}/undosnapshot`, '<action/>')).status, 200);
      });
    });

    describe('updates', () => {
      it('ignore members the update does not declare: a cluster keeps its data center', async () => {
        const other = await api.call('POST', '/datacenters', '<data_center><name>elsewhere</name></data_center>');
        assert.equal(other.status, 201, other.text);
        const otherId = XML.read(T.DataCenter, other.text).id;
        const made = await api.call('POST', '/clusters', '<cluster><name>staying</name><data_center><name>Default</name></data_center></cluster>');
        const cluster = XML.read(T.Cluster, made.text);
        const before = await stored('clusters', cluster.id);
        const r = await api.call('PUT', `/clusters/${cluster.id}`, `<cluster><description>stays</description><data_center id="${String(otherId)}"/></cluster>`);
        assert.equal(r.status, 200, r.text);
        const after = await stored('clusters', cluster.id);
        assert.deepEqual(after.data_center, before.data_center);
        assert.equal(after.description, 'stays');
      });

      it('take back a whole object as read, changing only what is declared', async () => {
        const before = await stored('vms', vm.id);
        const read = XML.read(T.Vm, (await api.call('GET', `/vms/${vm.id}`)).text);
        const sent = { ...read, description: 'whole', initialization: { host_name: 'not-applied' } };
        const r = await api.call('PUT', `/vms/${vm.id}`, XML.write(T.Vm, sent));
        assert.equal(r.status, 200, r.text);
        const after = await stored('vms', vm.id);
        assert.deepEqual(after, { ...before, description: 'whole' });
      });
    });

    describe('action bodies', () => {
      let dir: string;
      after(() => fs.rmSync(dir, { recursive: true, force: true }));

      it('pass on only the members the action declares: async where it is declared', async () => {
        const ok = async (method: string, p: string, body: string, status: number) => {
          const r = await api.call(method, p, body);
          assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
          return r.text;
        };
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-inputs-'));
        await ok('POST', '/storagedomains', `<storage_domain><name>inputs</name><type>data</type><storage><type>localfs</type><path>${dir}</path></storage></storage_domain>`, 201);
        const [dc] = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters?search=name%3DDefault')).text);
        await ok('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>inputs</name></storage_domain>', 201);
        const host = XML.read(T.Host, await ok('POST', '/hosts', '<host><name>ih</name><address>ih.example.com</address><root_password>secret-pw</root_password></host>', 201));
        await until(async () => XML.read(T.Host, (await api.call('GET', `/hosts/${host.id}`)).text).status === 'up');
        const disk = XML.read(T.Disk, await ok('POST', '/disks', '<disk><name>inputs-disk</name><format>raw</format><provisioned_size>1048576</provisioned_size><storage_domains><storage_domain><name>inputs</name></storage_domain></storage_domains></disk>', 201));
        const up = XML.read(T.ImageTransfer, await ok('POST', '/imagetransfers', `<image_transfer><disk id="${String(disk.id)}"/></image_transfer>`, 201));
        await until(async () => XML.read(T.ImageTransfer, (await api.call('GET', `/imagetransfers/${up.id}`)).text).phase === 'transferring');
        // oVirt's transfer actions take no `async`: it is not read, and the answer is the action's own.
        await ok('POST', `/imagetransfers/${up.id}/extend`, '<action><async>true</async></action>', 200);
        const job = XML.read(T.Job, await ok('POST', '/jobs', '<job><description>inputs job</description></job>', 201));
        await ok('POST', `/jobs/${job.id}/end`, '<action><succeeded>true</succeeded><async>true</async></action>', 202);
        await ok('POST', `/imagetransfers/${up.id}/cancel`, '<action/>', 200);
      });
    });

    describe('typed query parameters', () => {
      it('refuses a value not of the type, naming the parameter, and changes nothing', async () => {
        await refused('DELETE', `/vms/${vm.id}?detach_only=maybe`, undefined, "detach_only must be true or false, got 'maybe'");
        assert.equal((await api.call('GET', `/vms/${vm.id}`)).status, 200);
        await refused('GET', '/vms?case_sensitive=yes', undefined, /^case_sensitive must be true or false/);
        await refused('GET', '/events?from=last', undefined, "from must be an integer, got 'last'");
        await refused('GET', `/vms/${vm.id}?all_content=1`, undefined, /^all_content must be true or false/);
      });

      it('takes parameters a method does not declare as oVirt does: ignored', async () => {
        assert.equal((await api.call('GET', `/vms/${vm.id}?detach_only=maybe`)).status, 200);
      });
    });
  });
}

describe('the model check of declared inputs', () => {
  it('passes the service tree', () => {
    assert.doesNotThrow(() => checkModel(collectionRoutes));
  });

  it('fails on a path naming an attribute its type lacks', () => {
    const misspelt = (inputs: ReturnType<typeof mandatory>[]) => {
      const entity = entityService({ name: 'Typo', type: () => T.Vm, doc: 'A typo.' });
      const collection = collectionService({ name: 'Typos', type: () => T.Vm, doc: 'Typos.', add: { permit: 'create_vm', inputs }, entity: () => entity });
      return () => checkModel([{ segments: ['typos'], collection, chain: [collection] }]);
    };
    assert.throws(misspelt([mandatory('nmae')]), /Typos\.add: Vm has no attribute 'nmae'/);
    assert.throws(misspelt([optional('cpu.topology.cors')]), /CpuTopology has no attribute 'cors'/);
    assert.doesNotThrow(misspelt([mandatory('cluster.id'), optional('cpu.topology.cores')]));
    assert.ok(S.Vms.add?.inputs.length);
  });
});
