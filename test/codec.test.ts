// Every type of the model round-trips: what the writer emits, the reader reads back equal,
// in XML and in JSON. Samples are generated from the declarations themselves.
import assert from 'node:assert/strict';
import * as T from '../model/types';
import { Attribute, StructType, ValueType, attributeOf } from '../model/meta';
import { DecodeError, Fields, JSON_FORMAT, Obj, Presentation, Served, Value, XML } from '../model/codec';
import { FORMATS } from './support/engine';

const types = Object.values(T as Record<string, unknown>).filter((v): v is StructType => (v as { kind?: string }).kind === 'struct');

function scalarSample(t: Exclude<ValueType, StructType>, a: Attribute): Value {
  if (t.kind === 'enum') return t.values[t.values.length - 1];
  switch (t.name) {
    case 'string':
      return `${a.name} <&> "quoted" 'single'`;
    case 'integer':
      return 4294967296;
    case 'decimal':
      return 1.5;
    case 'boolean':
      return true;
    case 'date':
      return '2026-01-02T03:04:05.000Z';
  }
}

/** A value for every attribute, nested two levels deep; references beyond that by id only. */
function sample(type: StructType, depth: number): Obj {
  const out: Obj = type.identified ? { id: `${type.element}-id` } : {};
  for (const a of type.attributes) {
    if (a.secret) continue;
    const t = a.type();
    let one: Value | undefined;
    if (t.kind !== 'struct') one = scalarSample(t, a);
    else if (depth < 2) one = sample(t, depth + 1);
    else if (t.identified) one = { id: `${t.element}-ref` };
    if (one === undefined) continue;
    out[a.name] = a.list ? [one, one] : one;
  }
  return out;
}

describe('codec', () => {
  it('knows a good part of the oVirt model', () => {
    assert.ok(types.length > 150, `only ${types.length} types`);
    for (const name of ['Api', 'DataCenter', 'Cluster', 'Host', 'StorageDomain', 'Network', 'VnicProfile', 'Template', 'Vm',
      'Nic', 'Disk', 'DiskAttachment', 'Cdrom', 'File', 'Job', 'Step', 'Event', 'User', 'Domain', 'Fault', 'Action']) {
      assert.ok(types.some((t) => t.name === name), `${name} is declared`);
    }
  });

  it('declares what VMs, templates and instance types share once, in VmBase', () => {
    for (const type of [T.Vm, T.Template, T.InstanceType, T.Snapshot]) {
      assert.deepEqual(type.attributes.slice(0, T.VmBase.attributes.length), T.VmBase.attributes, type.name);
      for (const a of T.VmBase.attributes) assert.equal(attributeOf(type, a.name), a, `${type.name}.${a.name} is VmBase's`);
      assert.equal(type.inherits, type === T.Snapshot ? 'vm' : 'cluster', type.name);
    }
  });

  for (const format of FORMATS) {
    it(`round-trips every type in ${format.name.toUpperCase()}`, () => {
      for (const type of types) {
        const value = sample(type, 0);
        const text = format.write(type, value);
        assert.deepEqual(format.read(type, text), value, `${type.name} in ${format.name}`);
      }
    });

    it(`round-trips lists in ${format.name.toUpperCase()}`, () => {
      const vms = [sample(T.Vm, 1), sample(T.Vm, 1)];
      assert.deepEqual(format.readList(T.Vm, format.writeList(T.Vm, vms)), vms);
      assert.deepEqual(format.readList(T.Vm, format.writeList(T.Vm, [])), []);
    });
  }

  it('never writes secrets', () => {
    const host = { id: 'h', name: 'h', root_password: 'hunter2' };
    for (const format of FORMATS) assert.doesNotMatch(format.write(T.Host, host), /hunter2/);
  });

  it('writes oVirt shapes', () => {
    const vm = { id: '1', name: 'a', memory: 512, os: { boot: { devices: ['hd', 'cdrom'] } }, cluster: { id: 'c' } };
    assert.equal(
      XML.write(T.Vm, vm).split('\n')[1],
      '<vm id="1"><name>a</name><memory>512</memory><os><boot><devices><device>hd</device><device>cdrom</device></devices></boot></os><cluster id="c"/></vm>',
    );
    assert.deepEqual(JSON.parse(JSON_FORMAT.write(T.Vm, vm)), {
      name: 'a', memory: '512', os: { boot: { devices: { device: ['hd', 'cdrom'] } } }, cluster: { id: 'c' }, id: '1',
    });
  });

  describe('hypermedia, written as the presentation tells', () => {
    const vm = { id: '1', name: 'a', comment: 'c&d', console: { enabled: true }, memory: 512, cpu: { topology: { cores: 2, sockets: 1 } }, cluster: { id: 'c', name: 'Default' } };
    const p: Presentation = { hrefOf: (t, o) => `/api/${t.plural}/${String(o.id)}`, allContent: false };
    const served: Served = { href: '/api/vms/1', base: '/api/vms/1', links: [{ rel: 'nics', path: 'nics' }], actions: [{ rel: 'start', path: 'start' }] };

    it('writes actions first, links after the base attributes, hrefs on identified values, and no all-content attribute unless asked', () => {
      assert.equal(
        XML.write(T.Vm, vm, undefined, p, served).split('\n')[1],
        '<vm href="/api/vms/1" id="1"><actions><link href="/api/vms/1/start" rel="start"/></actions><name>a</name><comment>c&amp;d</comment>'
        + '<link href="/api/vms/1/nics" rel="nics"/><cpu><topology><cores>2</cores><sockets>1</sockets></topology></cpu><memory>512</memory>'
        + '<cluster href="/api/clusters/c" id="c"><name>Default</name></cluster></vm>',
      );
      assert.equal(
        JSON_FORMAT.write(T.Vm, vm, undefined, p, served),
        '{"name":"a","comment":"c&d","cpu":{"topology":{"cores":"2","sockets":"1"}},"memory":"512","cluster":{"name":"Default","href":"/api/clusters/c","id":"c"},'
        + '"actions":{"link":[{"href":"/api/vms/1/start","rel":"start"}]},"link":[{"href":"/api/vms/1/nics","rel":"nics"}],"href":"/api/vms/1","id":"1"}',
      );
      assert.match(XML.write(T.Vm, vm, undefined, { ...p, allContent: true }), /<console><enabled>true<\/enabled><\/console>/);
    });

    it('writes only the named fields, with the ids and hrefs at every level', () => {
      const fields: Fields = new Map([['cpu', new Map([['topology', new Map([['cores', new Map()]])]])], ['cluster', new Map()]]);
      const named = { ...p, fields };
      assert.equal(
        XML.write(T.Vm, vm, undefined, named, { ...served, links: [], actions: [] }).split('\n')[1],
        '<vm href="/api/vms/1" id="1"><cpu><topology><cores>2</cores></topology></cpu><cluster href="/api/clusters/c" id="c"><name>Default</name></cluster></vm>',
      );
      assert.equal(
        JSON_FORMAT.write(T.Vm, vm, undefined, named, { ...served, links: [], actions: [] }),
        '{"cpu":{"topology":{"cores":"2"}},"cluster":{"name":"Default","href":"/api/clusters/c","id":"c"},"href":"/api/vms/1","id":"1"}',
      );
    });
  });

  const bad: [string, string, RegExp][] = [
    ['malformed XML', '<vm><name>x</vm>', /Malformed XML/],
    ['another root', '<host><name>x</name></host>', /Expected a <vm> document/],
    ['a non-integer', '<vm><memory>lots</memory></vm>', /memory: expected an integer/],
    ['an unknown enum value', '<vm><type>huge</type></vm>', /Invalid value 'huge' for type/],
    ['a non-boolean', '<vm><stateless>maybe</stateless></vm>', /stateless: expected true or false/],
    ['a repeated element', '<vm><name>a</name><name>b</name></vm>', /name is given more than once/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => XML.read(T.Vm, text), (e: unknown) => e instanceof DecodeError && message.test(e.message));
    });
  }

  it('refuses malformed JSON and wrong JSON values', () => {
    assert.throws(() => JSON_FORMAT.read(T.Vm, '{"name": '), /Malformed JSON/);
    assert.throws(() => JSON_FORMAT.read(T.Vm, '{"cpu": {"topology": {"cores": "x"}}}'), /cpu\.topology\.cores: expected an integer/);
    assert.throws(() => JSON_FORMAT.read(T.Vm, '[1]'), /Expected a JSON object/);
    assert.throws(() => JSON_FORMAT.read(T.Vm, '{"name": "a\\u0000b"}'), /NUL character is not allowed/);
  });
});
