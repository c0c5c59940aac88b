// Tags: the tree under the root tag, unique names, tags given to VMs, hosts, templates, users
// and groups by id or name, the `tag` search field, removal down the tree and the permits, in
// XML and JSON, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { StructType } from '../model/meta';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, BACKENDS, FORMATS, TestEngine } from './support/engine';
import { addUser, give } from './support/users';

const ROOT_TAG_ID = '00000000-0000-0000-0000-000000000000';

for (const backend of BACKENDS) {
  for (const format of FORMATS) {
    describe(`tags on ${backend.name} in ${format.name}`, function () {
      let t: TestEngine;
      let api: ApiClient;
      /** The tagged objects of each kind, by the path of their collection. */
      const tagged: Record<string, { type: StructType; obj: Obj }> = {};

      const send = async (client: ApiClient, method: string, path: string, type: StructType, obj: Obj, status: number) => {
        const r = await client.call(method, path, format.write(type, obj));
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
        return r.status < 300 ? format.read(type, r.text) : format.read(T.Fault, r.text);
      };
      const post = (path: string, type: StructType, obj: Obj, status = 201) => send(api, 'POST', path, type, obj, status);
      const list = async (path: string, type: StructType = T.Tag) => {
        const r = await api.call('GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        return format.readList(type, r.text);
      };
      const names = async (path: string, type: StructType = T.Tag) => (await list(path, type)).map((o) => o.name).sort();
      const tagNamed = async (name: string) => (await list('/tags')).find((o) => o.name === name);
      const searched = (collection: string, query: string) => names(`/${collection}?search=${encodeURIComponent(query)}`, tagged[collection].type);

      before(async () => {
        t = await TestEngine.start(backend);
        api = await ApiClient.of(t, format);
        const vm = await post('/vms', T.Vm, { name: 'web1', cluster: { name: 'Default' }, template: { name: 'Blank' } }, 201);
        await post('/vms', T.Vm, { name: 'db1', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        const host = await post('/hosts', T.Host, { name: 'h1', address: 'h1.example.com', root_password: 'secret-pw' });
        const group = await post('/groups', T.Group, { name: 'ops' });
        const templates = await list('/templates', T.Template);
        const users = await list('/users', T.User);
        Object.assign(tagged, {
          vms: { type: T.Vm, obj: vm },
          hosts: { type: T.Host, obj: host },
          templates: { type: T.Template, obj: templates.find((o) => o.name === 'Blank')! },
          users: { type: T.User, obj: users.find((o) => o.name === 'admin')! },
          groups: { type: T.Group, obj: group },
        });
      });
      after(async () => t?.stop());

      it('has the root tag, which every tag without a parent hangs from, and keeps the tree', async () => {
        const root = (await list('/tags'))[0];
        assert.deepEqual([root.id, root.name], [ROOT_TAG_ID, 'root']);
        const entry = format.read(T.Api, (await api.call('GET', '')).text);
        assert.equal(((entry.special_objects as Obj).root_tag as Obj).id, ROOT_TAG_ID);
        // The tagged objects a tag names are shown, never given.
        const web = await post('/tags', T.Tag, { name: 'web', description: 'web servers', vm: { id: tagged.vms.obj.id } });
        assert.deepEqual([(web.parent as Obj).id, web.description, web.vm], [ROOT_TAG_ID, 'web servers', undefined]);
        const front = await post('/tags', T.Tag, { name: 'front', parent: { name: 'web' } });
        assert.equal((front.parent as Obj).id, web.id);
        const edge = await post('/tags', T.Tag, { name: 'edge', parent: { id: front.id } });
        const got = format.read(T.Tag, (await api.call('GET', `/tags/${String(edge.id)}`)).text);
        assert.deepEqual([got.name, (got.parent as Obj).id], ['edge', front.id]);
        // A tag moves under another, never under itself or a tag under it.
        await send(api, 'PUT', `/tags/${String(web.id)}`, T.Tag, { parent: { name: 'edge' } }, 409);
        await send(api, 'PUT', `/tags/${String(web.id)}`, T.Tag, { parent: { id: web.id } }, 409);
        assert.equal(((await tagNamed('web'))!.parent as Obj).id, ROOT_TAG_ID);
        const moved = await send(api, 'PUT', `/tags/${String(edge.id)}`, T.Tag, { parent: { name: 'web' }, description: 'edge proxies' }, 200);
        assert.deepEqual([(moved.parent as Obj).id, moved.description], [web.id, 'edge proxies']);
        await post('/tags', T.Tag, { name: 'lost', parent: { name: 'nowhere' } }, 404);
        assert.equal(await tagNamed('lost'), undefined);
        // The root tag stays as it is.
        await send(api, 'PUT', `/tags/${ROOT_TAG_ID}`, T.Tag, { name: 'top' }, 409);
        assert.equal((await api.call('DELETE', `/tags/${ROOT_TAG_ID}`)).status, 409);
        assert.equal((await tagNamed('root'))!.id, ROOT_TAG_ID);
      });

      it('refuses a second tag of a name with 409, adding or renaming, and changes nothing', async () => {
        const before = await names('/tags');
        await post('/tags', T.Tag, { name: 'web', parent: { name: 'front' } }, 409);
        const front = (await tagNamed('front'))!;
        await send(api, 'PUT', `/tags/${String(front.id)}`, T.Tag, { name: 'web' }, 409);
        assert.deepEqual(await names('/tags'), before);
      });

      it('gives tags by name or id to VMs, hosts, templates, users and groups, and takes them away', async () => {
        const web = (await tagNamed('web'))!;
        for (const [collection, { obj }] of Object.entries(tagged)) {
          const path = `/${collection}/${String(obj.id)}/tags`;
          const given = await post(path, T.Tag, { name: 'web' });
          assert.equal(given.id, web.id);
          await post(path, T.Tag, { id: (await tagNamed('front'))!.id });
          // Giving a tag again changes nothing.
          await post(path, T.Tag, { name: 'web' });
          const held = await list(path);
          assert.deepEqual(held.map((o) => o.name).sort(), ['front', 'web'], path);
          const owner = collection.slice(0, -1);
          assert.ok(held.every((o) => (o[owner] as Obj).id === obj.id), `${path}: each tag names its ${owner}`);
          const one = await api.call('GET', `${path}/${String(web.id)}`);
          assert.equal(format.read(T.Tag, one.text).name, 'web');
          await post(path, T.Tag, { name: 'no-such-tag' }, 404);
          assert.equal((await api.call('DELETE', `${path}/${String(web.id)}`)).status, 200);
          assert.deepEqual(await names(path), ['front']);
          assert.equal((await api.call('GET', `${path}/${String(web.id)}`)).status, 404);
          assert.equal((await api.call('DELETE', `${path}/${String(web.id)}`)).status, 404);
          assert.ok(await tagNamed('web'), 'taking a tag away keeps the tag');
          await post(path, T.Tag, { name: 'web' });
        }
        assert.equal((await api.call('GET', `/vms/${ROOT_TAG_ID.replace(/0$/, '1')}/tags`)).status, 404);
      });

      it('finds what carries a tag, or a tag below it, with the tag search field', async () => {
        for (const [collection, { obj }] of Object.entries(tagged)) {
          assert.deepEqual(await searched(collection, 'tag=web'), [obj.name], collection);
          assert.deepEqual(await searched(collection, 'tag=fr*'), [obj.name], collection);
          assert.deepEqual(await searched(collection, 'tag=edge'), [], collection);
        }
        assert.deepEqual(await searched('vms', 'tag=web or name=db1'), ['db1', 'web1']);
        assert.deepEqual(await searched('vms', 'tag=web and name=db1'), []);
        // db1 carries edge alone, which is under web: web finds it, front (beside edge) does not.
        const db1 = (await list('/vms', T.Vm)).find((v) => v.name === 'db1')!;
        await post(`/vms/${String(db1.id)}/tags`, T.Tag, { name: 'edge' });
        assert.deepEqual(await searched('vms', 'tag=web'), ['db1', 'web1']);
        assert.deepEqual(await searched('vms', 'tag=edge'), ['db1']);
        assert.deepEqual(await searched('vms', 'tag=front'), ['web1']);
        assert.deepEqual(await searched('vms', 'tag=root'), ['db1', 'web1']);
      });

      it('removes the tags under a removed tag, and takes them all from what had them', async () => {
        const web = (await tagNamed('web'))!;
        assert.equal((await api.call('DELETE', `/tags/${String(web.id)}`)).status, 200);
        assert.deepEqual(await names('/tags'), ['root']);
        for (const [collection, { obj }] of Object.entries(tagged)) {
          assert.deepEqual(await names(`/${collection}/${String(obj.id)}/tags`), [], collection);
          assert.deepEqual(await searched(collection, 'tag=*'), [], collection);
        }
        assert.equal(Number((await t.engine.db('tag_assignments').count({ n: '*' }))[0].n), 0);
      });

      it('takes a removed VM\'s or group\'s tags with it', async () => {
        await post('/tags', T.Tag, { name: 'temp' });
        const vm = await post('/vms', T.Vm, { name: 'short-lived', cluster: { name: 'Default' }, template: { name: 'Blank' } });
        const group = await post('/groups', T.Group, { name: 'short-lived' });
        for (const path of [`/vms/${String(vm.id)}`, `/groups/${String(group.id)}`]) {
          await post(`${path}/tags`, T.Tag, { name: 'temp' });
          assert.equal((await api.call('DELETE', path)).status, 200);
        }
        const left = await t.engine.db('tag_assignments').count({ n: '*' });
        assert.equal(Number(left[0].n), 0);
        assert.ok(await tagNamed('temp'), 'the tag stays');
      });

      it('needs tag_management on the whole system to make, change, remove, give and take away tags', async () => {
        const vm = tagged.vms.obj;
        const as = async (login: string) => new ApiClient(t, format, await t.token(login, 'pw-123456'));
        // The helpers speak XML.
        const admin = new ApiClient(t, XML, api.token);
        const plain = await addUser(admin, 'plain', 'pw-123456');
        await give(admin, `/vms/${String(vm.id)}`, 'UserRole', plain);
        const cluster = (await list('/clusters', T.Cluster)).find((c) => c.name === 'Default')!;
        const clusterAdmin = await addUser(admin, 'cadmin', 'pw-123456');
        await give(admin, `/clusters/${String(cluster.id)}`, 'ClusterAdmin', clusterAdmin);
        const manager = await addUser(admin, 'tagger', 'pw-123456');
        await give(admin, '', 'TagManager', manager);

        for (const login of ['plain', 'cadmin']) {
          const fault = await send(await as(login), 'POST', '/tags', T.Tag, { name: `by-${login}` }, 403);
          assert.match(String(fault.detail), /tag_management/);
        }
        // ClusterAdmin carries tag_management, but on the VM's cluster only.
        for (const login of ['plain', 'cadmin']) await send(await as(login), 'POST', `/vms/${String(vm.id)}/tags`, T.Tag, { name: 'temp' }, 403);
        const made = await send(await as('tagger'), 'POST', '/tags', T.Tag, { name: 'by-tagger' }, 201);
        await send(await as('tagger'), 'POST', `/vms/${String(vm.id)}/tags`, T.Tag, { name: 'by-tagger' }, 201);
        for (const login of ['plain', 'cadmin']) {
          const client = await as(login);
          await send(client, 'PUT', `/tags/${String(made.id)}`, T.Tag, { description: 'changed' }, 403);
          assert.equal((await client.call('DELETE', `/vms/${String(vm.id)}/tags/${String(made.id)}`)).status, 403);
          assert.equal((await client.call('DELETE', `/tags/${String(made.id)}`)).status, 403);
        }
        assert.deepEqual(await names(`/vms/${String(vm.id)}/tags`), ['by-tagger']);
        assert.equal((await tagNamed('by-tagger'))!.description, undefined);
        assert.equal((await (await as('tagger')).call('DELETE', `/vms/${String(vm.id)}/tags/${String(made.id)}`)).status, 200);
        assert.equal((await (await as('tagger')).call('DELETE', `/tags/${String(made.id)}`)).status, 200);
      });
    });
  }
}
