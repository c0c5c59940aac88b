// Inputs that reach a parser's limits are the client's faults: external entities, nesting deeper
// than the bound, prototype member names, searches with too many conditions or parentheses, and
// a `max` beyond a safe integer answer 400 and change nothing. A server error is logged under a
// request id that the client gets in a header and in the fault.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { Format, JSON_FORMAT, MAX_NESTING, XML } from '../../model/codec';
import { MAX_SEARCH_NESTING, MAX_SEARCH_TERMS } from '../../services/search/parse';
import { ApiClient, BACKENDS, withEngine } from '../support/engine';

const nested = (depth: number, open: (i: number) => string, close: (i: number) => string) =>
  Array.from({ length: depth }, (_, i) => open(i)).join('') + 'x' + Array.from({ length: depth }, (_, i) => close(depth - 1 - i)).join('');

const BODIES: [Format, string, RegExp][] = [
  [XML, '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><data_center><name>&e;</name></data_center>', /External entities/],
  [XML, `<data_center><name>deep</name><description>${nested(MAX_NESTING + 2, () => '<a>', () => '</a>')}</description></data_center>`, new RegExp(`deeper than ${MAX_NESTING}`)],
  [XML, '<data_center><name>proto</name><__proto__><polluted>1</polluted></__proto__></data_center>', /__proto__/],
  [XML, '<data_center constructor="x"><name>proto</name></data_center>', /constructor/],
  [JSON_FORMAT, `{"name":"deep","description":${nested(MAX_NESTING + 2, () => '{"a":', () => '}').replace('x', '"x"')}}`, new RegExp(`deeper than ${MAX_NESTING}`)],
  [JSON_FORMAT, `{"name":"deep","description":${nested(MAX_NESTING + 2, () => '[', () => ']').replace('x', '"x"')}}`, new RegExp(`deeper than ${MAX_NESTING}`)],
  [JSON_FORMAT, '{"name":"proto","__proto__":{"polluted":"1"}}', /__proto__/],
];

for (const backend of BACKENDS) {
  describe(`security: parser limits (${backend.name})`, () => {
    const ctx = withEngine({ backend });
    let api: ApiClient;
    before(() => (api = ctx.api));

    const faultOf = (format: Format, text: string) => format.read(T.Fault, text, 'fault');
    const dataCenters = async () => XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text).length;

    it('answers 400 for external entities, deep nesting and prototype names, and adds nothing', async () => {
      const before = await dataCenters();
      for (const [format, body, detail] of BODIES) {
        const client = new ApiClient(ctx.t, format, api.token);
        const r = await client.call('POST', '/datacenters', body);
        assert.equal(r.status, 400, `${body.slice(0, 80)}: ${r.text}`);
        assert.match(String(faultOf(format, r.text).detail), detail);
      }
      assert.equal(await dataCenters(), before);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    const search = (q: string) => api.call('GET', `/vms?${new URLSearchParams({ search: q })}`);
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `name=v${i}`).join(' or ');

    it(`takes ${MAX_SEARCH_TERMS} conditions in a search and refuses more, as it refuses 999`, async () => {
      assert.equal((await search(terms(MAX_SEARCH_TERMS))).status, 200);
      for (const n of [MAX_SEARCH_TERMS + 1, 999]) {
        const r = await search(terms(n));
        assert.equal(r.status, 400, r.text);
        assert.match(String(faultOf(XML, r.text).detail), new RegExp(`at most ${MAX_SEARCH_TERMS} conditions`));
      }
    });

    it(`refuses parentheses nested deeper than ${MAX_SEARCH_NESTING}`, async () => {
      assert.equal((await search(nested(MAX_SEARCH_NESTING, () => '(', () => ')').replace('x', 'name=a'))).status, 200);
      const r = await search(nested(200, () => '(', () => ')').replace('x', 'name=a'));
      assert.equal(r.status, 400, r.text);
      assert.match(String(faultOf(XML, r.text).detail), new RegExp(`deeper than ${MAX_SEARCH_NESTING}`));
    });

    it('refuses a max beyond a safe integer', async () => {
      for (const max of ['9223372036854775808', '9007199254740993', '-9223372036854775809']) {
        const r = await api.call('GET', `/vms?max=${max}`);
        assert.equal(r.status, 400, `${max}: ${r.text}`);
        assert.match(String(faultOf(XML, r.text).detail), /max must be at most/);
      }
      assert.equal((await api.call('GET', `/vms?max=${Number.MAX_SAFE_INTEGER}`)).status, 200);
    });

    it('logs a server error under a request id the client gets in a header and the fault', async () => {
      // The engine's own table taken away: what a broken database looks like to a request.
      await ctx.t.engine.db.schema.renameTable('networks', 'networks_away');
      let r;
      try {
        r = await api.call('GET', '/networks');
      } finally {
        await ctx.t.engine.db.schema.renameTable('networks_away', 'networks');
      }
      assert.equal(r.status, 500);
      const id = r.headers.get('X-Request-Id');
      assert.match(id ?? '', /^[0-9a-f-]{36}$/);
      const detail = String(faultOf(XML, r.text).detail);
      assert.equal(detail, `Internal server error (request id ${id})`);
      assert.doesNotMatch(detail, /networks|select/i);
      const logged = ctx.t.log.read().filter((l) => l.reqId === id && l.level === 50);
      assert.equal(logged.length, 1, JSON.stringify(ctx.t.log.read()));
      assert.equal(logged[0].msg, 'GET /ovirt-engine/api/networks answered 500');
      assert.match(String((logged[0].err as { stack?: string }).stack), /networks/, 'the cause is logged with its stack');
    });
  });
}
