// A bounded hostile-input run against an engine running as a process of its own: a corpus of
// malformed and extreme XML and JSON bodies, search queries, headers, paths and query parameters
// (as an administrator and as a user with one VM), and Range/Content-Range/PATCH inputs to the image
// proxy. Requests are written as raw bytes, so nothing is cleaned up by a client library on the
// way. It prints the answers by status class and the engine's resident memory, and fails when an
// input got a 5xx, the engine stopped, or its memory reached 300 MiB. Run with `npm run bench:hostile`
// (BENCH_SEED picks the corpus, BENCH_CONCURRENCY the requests in flight, default 8).
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient, SQLITE, TestEngine, spawnSibling } from '../test/support/engine';
import { until } from '../test/support/until';

const SEED = Number(process.env.BENCH_SEED ?? 12);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RSS_LIMIT_MIB = 300;
const MIB = 1024 * 1024;

/** A deterministic random source (mulberry32), so a corpus can be replayed by its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <X>(xs: readonly X[]): X => xs[int(xs.length)];
  return { next, int, pick };
}
type Random = ReturnType<typeof random>;

interface Input {
  category: string;
  /** Where it goes: the API listener or the image proxy. */
  target: 'api' | 'proxy';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const NUMBERS = ['-1', '0', '9007199254740992', '18446744073709551616', '1e309', 'NaN', '0x10', '', ' 1 ', '\uff11', '-0', '1.5', '99999999999999999999999999'];
const ODD = ['<', '>', '&', '"', "'", '\0', '\uffff', '\u202e', ';', '%', '\\', '\n', ']]>', '&#0;', '&#xD800;'];
const XXE = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>';
const LAUGHS = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>';

/** Valid bodies to mutate, with where they go (`{vm}` is a VM of the run). */
const XML_BODIES: [string, string][] = [
  ['/vms', '<vm><name>N</name><cluster><name>Default</name></cluster><template><name>Blank</name></template><memory>1073741824</memory><cpu><topology><sockets>1</sockets><cores>2</cores><threads>1</threads></topology></cpu></vm>'],
  ['/clusters', '<cluster><name>N</name><data_center><name>Default</name></data_center><cpu><type>Intel</type></cpu></cluster>'],
  ['/datacenters', '<data_center><name>N</name><local>false</local></data_center>'],
  ['/hosts', '<host><name>N</name><address>n.example.com</address><root_password>pw</root_password></host>'],
  ['/storagedomains', '<storage_domain><name>N</name><type>data</type><storage><type>nfs</type><address>nfs.example.com</address><path>/exports/n</path></storage></storage_domain>'],
  ['/disks', '<disk><name>N</name><format>raw</format><provisioned_size>1048576</provisioned_size><storage_domains><storage_domain><name>hostile</name></storage_domain></storage_domains></disk>'],
  ['/events', '<event><description>d</description><severity>normal</severity><origin>bench</origin><custom_id>1</custom_id></event>'],
  ['/permissions', '<permission><role><name>SuperUser</name></role><user id="00000000-0000-0000-0000-000000000001"/></permission>'],
  ['/vms/{vm}/nics', '<nic><name>N</name><interface>virtio</interface></nic>'],
  ['/vms/{vm}/start', '<action><vm><os><boot><devices><device>network</device></devices></boot></os></vm></action>'],
  ['/imagetransfers', '<image_transfer><disk id="{disk}"/><direction>download</direction></image_transfer>'],
  ['/vms/{vm}/permissions', '<permission><role><name>UserVmManager</name></role><user id="{user}"/></permission>'],
];

const JSON_BODIES: [string, unknown][] = [
  ['/vms', { name: 'N', cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: 1073741824 }],
  ['/datacenters', { name: 'N', local: false }],
  ['/clusters', { name: 'N', data_center: { name: 'Default' } }],
  ['/vms/{vm}/nics', { name: 'N', interface: 'virtio' }],
  ['/events', { description: 'd', severity: 'normal', origin: 'bench', custom_id: 2 }],
  ['/vms/{vm}/stop', {}],
];

function nest(depth: number, open: (i: number) => string, close: (i: number) => string, inner: string): string {
  const parts: string[] = [];
  for (let i = 0; i < depth; i++) parts.push(open(i));
  parts.push(inner);
  for (let i = depth - 1; i >= 0; i--) parts.push(close(i));
  return parts.join('');
}

function mutateXml(r: Random, body: string): string {
  switch (r.int(10)) {
    case 0: return body.slice(0, r.int(body.length));
    case 1: {
      const chars = [...body];
      for (let i = 0; i < 1 + r.int(6); i++) chars[r.int(chars.length)] = r.pick(ODD);
      return chars.join('');
    }
    case 2: return r.pick([XXE, LAUGHS]) + body.replace('>N<', r.pick(['>&e;<', '>&d;<', '>&c;&d;<']));
    case 3: return body.replace(/<\/(\w+)>$/, (_m, root: string) => `${nest(1 + r.int(r.pick([50, 5000, 200000])), () => '<x>', () => '</x>', '')}</${root}>`);
    case 4: return body.replace(/>(\d+)</g, () => `>${r.pick(NUMBERS)}<`);
    case 5: return body.replace('>N<', `>${'n'.repeat(r.pick([300, 70000, 2 * MIB]))}<`);
    case 6: return body.replace(/<name>N<\/name>/, `<name>N</name><name>M</name><${r.pick(['id', 'href', '__proto__', 'constructor', 'x:y'])} ${r.pick(['id', 'href', 'xmlns'])}="${r.pick(['../..', '', '\u0000', 'x'.repeat(5000)])}"/>`);
    case 7: return Buffer.from(Array.from({ length: 1 + r.int(4096) }, () => r.int(256))).toString('latin1');
    case 8: return body.replace('>N<', `>${r.pick(['\u0007bell', 'na\u0000me', '😀'.repeat(100), '../../etc', "'; drop table vms; --", '<![CDATA[x]]>'])}<`);
    default: return body.replace(/<(\w+)>/, '<$1 id="$1" href="/ovirt-engine/api/../../etc/passwd">');
  }
}

function mutateJson(r: Random, body: unknown): string {
  const text = JSON.stringify(body);
  switch (r.int(8)) {
    case 0: return text.slice(0, r.int(text.length));
    case 1: return text.replace(/^\{/, `{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},`);
    case 2: return text.replace(/^\{/, `{"x":${nest(1 + r.int(r.pick([50, 5000, 100000])), () => '[', () => ']', '1')},`);
    case 3: return text.replace(/:(\d+)/g, () => `:${r.pick(['-1', '1e309', '18446744073709551616', '"12"', 'null', '[]', '{}', 'true'])}`);
    case 4: return text.replace(/"name":"N"/, `"name":${r.pick(['1', 'null', '["a"]', '{"a":1}', `"${'n'.repeat(70000)}"`, '"\\u0000"', '"\\ud800"'])}`);
    case 5: return '\ufeff' + text.replace(/^\{/, '{"name":"a","name":"b",');
    case 6: return r.pick(['[]', 'null', '"x"', '1', '', '{', '}', '{"a":}', 'NaN']);
    default: return text.replace(/"cluster":\{[^}]*\}/, `"cluster":${r.pick(['"Default"', '[{"name":"Default"}]', '{"id":"../../x"}', '{"id":{"$gt":""}}'])}`);
  }
}

const FIELDS = ['name', 'status', 'memory', 'cluster', 'host', 'datacenter', 'description', 'id', 'cluster.name', 'storage.name', 'nosuch', 'name.name', 'memory.x', ''];
const OPS = ['=', '!=', '<', '>', '<=', '>=', '==', '~', '', '=>', '=<'];
const VALUES = ['vm*', '"quoted', '"a b"', '12', 'lots', '-1', '1e400', "'", '\\', '%', '_', '(', ')', '*', '**', 'up', 'UP', '""', '"\\"', 'x'.repeat(100000), '\u0000', '18446744073709551616'];
const JOINS = ['and', 'or', 'AND', 'OR', 'sortby name', 'sortby nosuch desc', 'page 2', 'page -1', 'page 99999999999999999999', 'asc', ')', '('];
const COLLECTIONS = ['vms', 'hosts', 'clusters', 'datacenters', 'disks', 'storagedomains', 'events', 'users', 'templates', 'networks', 'groups', 'roles'];

function searchQuery(r: Random): string {
  switch (r.int(6)) {
    case 0: return Array.from({ length: r.pick([999, 1500, 3000]) }, (_, i) => `name=vm-${i}`).join(' or ');
    case 1: return nest(r.pick([100, 1000, 20000]), () => '(', () => ')', 'name=x');
    case 2: return `${r.pick(['Vms:', 'Hosts:', 'Nosuch:', 'vms :', ':'])} ${r.pick(FIELDS)}${r.pick(OPS)}${r.pick(VALUES)}`;
    default: return Array.from({ length: 1 + r.int(8) }, () => `${r.pick(FIELDS)}${r.pick(OPS)}${r.pick(VALUES)}`).join(` ${r.pick(JOINS)} `);
  }
}

const ACCEPT = ['application/xml', 'application/json', '*/*', 'text/html', 'application/json;q=abc', 'application/xml;charset=ebcdic', ',,,', 'a/'.repeat(2000), 'application/json, application/xml;q=0.5', ''];
const CONTENT_TYPES = ['application/xml', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'xml', ''];

function headerInput(r: Random, auth: Record<string, string>): Input {
  const headers: Record<string, string> = { ...auth, Accept: r.pick(ACCEPT) };
  switch (r.int(8)) {
    case 0: headers.Version = r.pick(['3', '5', 'x', '', '4.0', '04', '9'.repeat(30)]); break;
    case 1: headers.Filter = r.pick(['maybe', 'TRUE', '1', '']); headers['All-Content'] = r.pick(['yes', 'true', '']); break;
    case 2: headers.Prefer = r.pick(['persistent-auth', 'persistent-auth'.repeat(500), 'return=minimal', '']); break;
    case 3: headers.Authorization = r.pick(['Bearer', 'Bearer ' + 'a'.repeat(20000), 'Basic !!!', 'Basic ' + Buffer.from(':').toString('base64'), 'Negotiate x', 'Bearer a.b.c']); break;
    case 4: headers['X-Big'] = 'x'.repeat(r.pick([8000, 20000, 100000])); break;
    case 5: for (let i = 0; i < r.pick([100, 500, 3000]); i++) headers[`X-H${i}`] = 'v'; break;
    case 6: headers.Range = r.pick(['bytes=0-1', 'bytes=-', 'garbage']); headers.Expect = r.pick(['100-continue', 'nonsense']); break;
    default: headers.Cookie = r.pick(['JSESSIONID=x', 'JSESSIONID=' + 'a'.repeat(5000), 'JSESSIONID="', ';;;=']); headers.Prefer = 'persistent-auth';
  }
  const post = r.int(2) === 0;
  if (post) headers['Content-Type'] = r.pick(CONTENT_TYPES);
  return { category: 'headers', target: 'api', method: post ? 'POST' : 'GET', path: '/ovirt-engine/api/vms', headers, body: post ? XML_BODIES[0][1].replace('>N<', `>h-${r.int(1e9)}<`) : undefined };
}

const SEGMENTS = ['..', '%2e%2e', '.', '%2E', '%00', '%ff', '%2f', '//', ';jsessionid=x', 'x'.repeat(10000), '\u00e9', '%C0%AE', '*', '{p0}', 'vms', 'hosts', '00000000-0000-0000-0000-000000000000'];
const FOLLOWS = ['cluster.data_center.clusters.hosts', 'nics,'.repeat(1000), 'a.'.repeat(500) + 'b', 'cluster,cluster,cluster,cluster', 'domain.users', 'permissions.role.permits', ''];

function pathInput(r: Random, auth: Record<string, string>, ids: { vm: string; user: string }): Input {
  const query: string[] = [];
  if (r.int(2)) query.push(`max=${encodeURIComponent(r.pick(['-1', '9223372036854775808', '1e400', 'abc', '', '0', '1'.repeat(400)]))}`);
  if (r.int(2)) query.push(`follow=${encodeURIComponent(r.pick(FOLLOWS))}`);
  if (r.int(4) === 0) query.push(r.pick(['all_content=maybe', 'case_sensitive=x', 'search', 'a=%zz', '%%%', 'filter=true&filter=false']));
  const path = r.int(3) === 0
    ? `/ovirt-engine/api/${r.pick(['vms', 'users', 'clusters', 'datacenters'])}/${r.pick([ids.vm, ids.user, r.pick(SEGMENTS)])}`
    : '/ovirt-engine/api/' + Array.from({ length: 1 + r.int(5) }, () => r.pick(SEGMENTS)).join('/');
  return { category: 'paths', target: 'api', method: r.pick(['GET', 'GET', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']), path: path + (query.length ? '?' + query.join('&') : ''), headers: auth };
}

const RANGES = ['bytes=-', 'bytes=5-3', 'bytes=0-', 'bytes=abc', 'bytes=0-1,2-3', 'bytes=99999999999999999999-', 'bytes=-99999999999999999999', 'items=0-1', 'bytes=8388607-8388608', 'bytes=0-0', ''];
const CONTENT_RANGES = ['bytes 0-3/*', 'bytes 3-0/*', 'bytes 0-3/2', 'bytes */*', 'bytes 8388605-8388608/*', 'bytes -1-2/*', 'garbage', 'bytes 0-99999999999999999999/*'];
const PATCHES = ['{"op":"zero","offset":-1,"size":1}', '{"op":"zero","offset":0,"size":1e30}', '{"op":"flush"}', '{"op":"nope"}', '{"__proto__":{"op":"zero"}}', '[]', '{', '{"op":"zero","offset":"0","size":"1"}', '{"op":"zero","offset":8388600,"size":100}'];

function proxyInput(r: Random, ticket: string): Input {
  const id = r.int(6) === 0 ? r.pick(['../..', 'x'.repeat(5000), '%2e%2e', '00000000-0000-0000-0000-000000000000', '']) : ticket;
  const base = `/images/${id}`;
  switch (r.int(5)) {
    case 0: return { category: 'proxy', target: 'proxy', method: 'GET', path: base, headers: { Range: r.pick(RANGES) } };
    case 1: {
      const body = Buffer.alloc(r.pick([0, 1, 4, 4096]));
      return { category: 'proxy', target: 'proxy', method: 'PUT', path: `${base}?flush=${r.pick(['y', 'n', 'maybe', ''])}`, headers: { 'Content-Range': r.pick(CONTENT_RANGES) }, body };
    }
    case 2: return { category: 'proxy', target: 'proxy', method: 'PATCH', path: base, headers: { 'Content-Type': r.pick(['application/json', 'text/plain']) }, body: r.pick(PATCHES) };
    case 3: return { category: 'proxy', target: 'proxy', method: 'GET', path: `${base}/${r.pick(['extents', 'checksum', 'checksum/algorithms', 'nosuch'])}?${r.pick(['context=zero', 'context=dirty', 'context=x', 'algorithm=md5x', 'block_size=0', 'block_size=-1', 'block_size=1e20', 'block_size=x', ''])}`, headers: {} };
    default: return { category: 'proxy', target: 'proxy', method: r.pick(['OPTIONS', 'DELETE', 'POST', 'HEAD']), path: base, headers: {} };
  }
}

/** The run's corpus: a few thousand inputs. */
function corpus(r: Random, ids: { vm: string; disk: string; user: string; ticket: string }, admin: Record<string, string>, user: Record<string, string>): Input[] {
  const fill = (s: string) => s.replace('{vm}', ids.vm).replace('{disk}', ids.disk).replace('{user}', ids.user);
  const who = () => (r.int(3) === 0 ? user : admin);
  const out: Input[] = [];
  for (let i = 0; i < 900; i++) {
    const [path, body] = r.pick(XML_BODIES);
    out.push({ category: 'xml', target: 'api', method: 'POST', path: `/ovirt-engine/api${fill(path)}`, headers: { ...who(), 'Content-Type': 'application/xml' }, body: mutateXml(r, fill(body).replace('>N<', `>x-${r.int(1e9)}<`)) });
  }
  for (let i = 0; i < 600; i++) {
    const [path, body] = r.pick(JSON_BODIES);
    out.push({ category: 'json', target: 'api', method: r.pick(['POST', 'POST', 'PUT']), path: `/ovirt-engine/api${fill(path)}`, headers: { ...who(), 'Content-Type': 'application/json', Accept: 'application/json' }, body: mutateJson(r, body) });
  }
  for (let i = 0; i < 800; i++) {
    const q = `search=${encodeURIComponent(searchQuery(r))}${r.int(3) === 0 ? `&max=${r.pick(['10', '-1', '9223372036854775807'])}` : ''}${r.int(4) === 0 ? '&case_sensitive=false' : ''}`;
    out.push({ category: 'search', target: 'api', method: 'GET', path: `/ovirt-engine/api/${r.pick(COLLECTIONS)}?${q}`, headers: who() });
  }
  for (let i = 0; i < 400; i++) out.push(headerInput(r, who()));
  for (let i = 0; i < 500; i++) out.push(pathInput(r, who(), ids));
  for (let i = 0; i < 500; i++) out.push(proxyInput(r, ids.ticket));
  return out;
}

interface Outcome {
  status: number;
  error?: string;
}

/** Writes one request as raw bytes and reads the status of its answer (0: closed without one). */
function send(input: Input, port: number, ca: string): Promise<Outcome> {
  const body = input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8');
  const lines = [`${input.method} ${input.path} HTTP/1.1`, `Host: localhost:${port}`, 'Connection: close', ...Object.entries(input.headers).map(([k, v]) => `${k}: ${v}`)];
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
  return new Promise((resolve) => {
    const socket = input.target === 'proxy' ? tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }) : net.connect({ port, host: '127.0.0.1' });
    let first = '';
    let done = false;
    // The final answer's status, past any interim 1xx (100 Continue).
    const status = () => Number(/(?:^|\r\n)HTTP\/1\.\d ([2-5]\d\d)/.exec(first)?.[1] ?? 0);
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ status: status(), error });
    };
    socket.setTimeout(120000, () => finish('timeout'));
    // An answer's status is all this run needs; the rest of the body is read and dropped.
    socket.on('data', (d: Buffer) => {
      if (first.length < 1024) first += d.toString('latin1');
    });
    socket.on('error', (e) => finish(e.message));
    socket.on('close', () => finish());
    socket.write(head);
    if (body) socket.write(body);
  });
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** A domain, a host, a VM, a disk with an upload under way, and a user with a role on the VM. */
async function setUp(t: TestEngine, api: ApiClient) {
  const ok = async (method: string, path: string, body?: string) => {
    const r = await api.call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.text;
  };
  await ok('POST', '/storagedomains', '<storage_domain><name>hostile</name><type>data</type><storage><type>nfs</type><address>bench.example.com</address><path>/exports/hostile</path></storage></storage_domain>');
  const [dc] = XML.readList(T.DataCenter, await ok('GET', '/datacenters'));
  await ok('POST', `/datacenters/${dc.id}/storagedomains`, '<storage_domain><name>hostile</name></storage_domain>');
  const host = XML.read(T.Host, await ok('POST', '/hosts', '<host><name>hh</name><address>hh.example.com</address><root_password>bench-pw</root_password></host>'));
  await until(async () => XML.read(T.Host, await ok('GET', `/hosts/${host.id}`)).status === 'up');
  const vm = XML.read(T.Vm, await ok('POST', '/vms', '<vm><name>hostile-vm</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>'));
  const disk = XML.read(T.Disk, await ok('POST', '/disks', `<disk><name>hostile-disk</name><format>raw</format><provisioned_size>${8 * MIB}</provisioned_size><storage_domains><storage_domain><name>hostile</name></storage_domain></storage_domains></disk>`));
  await until(async () => XML.read(T.Disk, await ok('GET', `/disks/${disk.id}`)).status === 'ok');
  const x = XML.read(T.ImageTransfer, await ok('POST', '/imagetransfers', `<image_transfer><disk id="${disk.id}"/><direction>upload</direction></image_transfer>`));
  let transfer: Obj = x;
  await until(async () => (transfer = XML.read(T.ImageTransfer, await ok('GET', `/imagetransfers/${x.id}`))).phase === 'transferring');
  await ok('POST', '/domains/696e7465726e616c2d617574687a/users', '<user><user_name>mallory</user_name><password>mallory-password</password></user>');
  const user = XML.read(T.User, await ok('POST', '/users', '<user><user_name>mallory@internal-authz</user_name><domain><name>internal-authz</name></domain></user>'));
  await ok('POST', `/vms/${vm.id}/permissions`, `<permission><role><name>UserVmManager</name></role><user id="${user.id}"/></permission>`);
  const ticket = new URL(String(transfer.proxy_url)).pathname.split('/').pop()!;
  return { vm: String(vm.id), disk: String(disk.id), user: String(user.id), ticket, userToken: await t.token('mallory@internal', 'mallory-password') };
}

async function main(): Promise<void> {
  const t = await TestEngine.start(SQLITE);
  let failed = false;
  let serving = true;
  try {
    const api = await ApiClient.of(t, XML);
    const ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    const ids = await setUp(t, api);
    // Only the engine under test runs from here on: one process on the SQLite file.
    await t.stopServing();
    serving = false;
    const engine = await spawnSibling(t, { HANGAR_DATA_DIR: t.config.dataDir });
    try {
      const apiPort = Number(new URL(engine.base).port);
      const inputs = corpus(random(SEED), ids, { Authorization: `Bearer ${api.token}` }, { Authorization: `Bearer ${ids.userToken}`, Filter: 'true' });
      let peak = rssMiB(engine.pid);
      const sampler = setInterval(() => {
        try {
          peak = Math.max(peak, rssMiB(engine.pid));
        } catch {
          // The process is gone; the run below notices.
        }
      }, 50);
      const byCategory = new Map<string, Map<string, number>>();
      const serverErrors: string[] = [];
      const started = Date.now();
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < inputs.length) {
          const input = inputs[next++];
          const o = await send(input, input.target === 'api' ? apiPort : engine.proxyPort, ca);
          const cls = o.status === 0 ? 'no answer' : `${Math.floor(o.status / 100)}xx`;
          const counts = byCategory.get(input.category) ?? new Map<string, number>();
          counts.set(cls, (counts.get(cls) ?? 0) + 1);
          byCategory.set(input.category, counts);
          if (o.status >= 500) serverErrors.push(`${o.status} ${input.method} ${input.path.slice(0, 120)} ${String(input.body ?? '').slice(0, 120)}`);
        }
      }));
      clearInterval(sampler);
      const alive = fs.existsSync(`/proc/${engine.pid}`) && (await fetch(`${engine.base}/ovirt-engine/services/health`)).status === 200;
      console.log(`${inputs.length} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${SEED}, ${CONCURRENCY} in flight`);
      for (const [category, counts] of byCategory) {
        console.log(`  ${category.padEnd(8)} ${[...counts].sort().map(([c, n]) => `${c}: ${n}`).join(', ')}`);
      }
      console.log(`5xx answers: ${serverErrors.length}`);
      for (const e of serverErrors.slice(0, 20)) console.log(`  ${e}`);
      console.log(`engine alive and healthy after the run: ${alive ? 'yes' : 'no'}`);
      console.log(`resident memory of the engine: peak ${peak.toFixed(0)} MiB (sampled every 50 ms), limit ${RSS_LIMIT_MIB} MiB`);
      failed = serverErrors.length > 0 || !alive || peak >= RSS_LIMIT_MIB;
    } finally {
      await engine.stop();
    }
  } finally {
    if (serving) await t.stopServing();
    await t.discard();
  }
  if (failed) {
    console.log('FAILED');
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
