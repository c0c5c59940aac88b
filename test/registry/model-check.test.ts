// The model checks itself at load: a name one declaration gives another that names nothing
// (here in a small test model beside the real one) stops the engine with what is wrong.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { CollectionService, collectionService, defineEntity, entityService, link, links, mandatory, optional, own, str, via } from '../../model/meta';
import { CollectionRoute, collectionRoutes } from '../../model/tree';
import { checkModel, modelProblems } from '../../model/check';

/** A one-collection model of `type`, with `parts` given to its collection. */
function modelOf(type: ReturnType<typeof defineEntity>, parts: Partial<Pick<CollectionService, 'owner' | 'add'>> = {}): CollectionRoute[] {
  const permissions = collectionService({
    name: 'WidgetPermissions', type: () => T.Permission, doc: 'Permissions.', entity: () => entityService({ name: 'WidgetPermission', type: () => T.Permission, doc: 'One.' }),
  });
  const collection: CollectionService = collectionService({
    name: 'Widgets', type: () => type, doc: 'Widgets.', ...parts,
    entity: () => entityService({ name: 'Widget', type: () => type, doc: 'A widget.', locators: { permissions: () => permissions } }),
  });
  return [{ segments: ['widgets'], collection, chain: [collection] }];
}

const widget = (o: { inherits?: string; search?: Record<string, ReturnType<typeof own>>; rel?: string } = {}) => defineEntity('Widget', {
  doc: 'A test type.', inherits: o.inherits, search: o.search,
}, {
  label: str('A label.'),
  cluster: link(() => T.Cluster, 'Where it is.'),
  permissions: links(() => T.Permission, 'Permissions on it.', { rel: o.rel ?? 'permissions' }),
});

describe('registry: the model self-check', () => {
  it('passes the model the engine serves', () => {
    assert.deepEqual(modelProblems(collectionRoutes), []);
    assert.doesNotThrow(() => checkModel(collectionRoutes));
  });

  it('passes a sound test model', () => {
    assert.deepEqual(modelProblems(modelOf(widget({ inherits: 'cluster', search: { label: own('label'), cluster: via('cluster') } }), {
      owner: 'cluster', add: { permit: 'create_vm', inputs: [mandatory('label'), mandatory('cluster.name')], on: ['cluster'], linked: [{ link: 'cluster', permit: 'create_vm' }] },
    })), []);
  });

  it('fails on a misspelled inherits, which would drop permission inheritance', () => {
    assert.throws(() => checkModel(modelOf(widget({ inherits: 'clustr' }))), /Widget: inherits 'clustr', which is not a link to one object/);
  });

  it('fails on a misspelled owner, required path, add link, linked permit link, search field, parent link or served rel, and on an own field through a link', () => {
    // A cluster has no link to a parent cluster to climb.
    const search = { label: own('lable'), cluster: via('clster'), place: via('cluster', 'name', 'data_center'), where: own('cluster.name') };
    const problems = modelProblems(modelOf(widget({ search, rel: 'permission' }), {
      owner: 'clusterr', add: { permit: 'create_vm', inputs: [mandatory('label'), optional('cluster.nam')], on: ['custer'], linked: [{ link: 'clustr', permit: 'create_vm' }] },
    }));
    assert.deepEqual(problems.sort(), [
      "Widget: search field cluster follows 'clster', which is not a link",
      "Widget: search field label names no attribute 'lable'",
      "Widget: search field place climbs 'data_center', which is not a link of Cluster to its parent",
      "Widget: search field where: 'cluster.name' is not a value of the object's own, which a column can hold",
      "Widgets.add: Cluster has no attribute 'nam' (in 'cluster.nam')",
      "Widgets: Widget.permissions has rel 'permission', but Widget serves those at permissions",
      "Widgets: owner 'clusterr' is not a link of Widget",
      "Widgets: the add acts on 'custer', which is not a link of Widget",
      "Widgets: the add checks a permit on 'clustr', which is not a link of Widget",
    ]);
  });
});
