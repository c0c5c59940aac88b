// Connection limits of the API's listeners and the image proxy: header, request and idle
// timeouts close the socket; connections beyond a listener's cap, or beyond one address's cap,
// are closed at once and logged; the event stream and authorized proxy connections are
// long-lived by design and keep going.
import assert from 'node:assert/strict';
import http from 'node:http';
import { ApiClient, SQLITE, TestEngine } from '../support/engine';
import { closed, connect, firstLine, tlsOutcome } from '../support/http';

const HEALTH = 'GET /ovirt-engine/services/health HTTP/1.1\r\nHost: localhost\r\n\r\n';

describe('security: connection limits', () => {
  describe('timeouts', () => {
    let t: TestEngine;
    before(async () => {
      t = await TestEngine.start(SQLITE, { headersTimeout: 1, requestTimeout: 2, idleTimeout: 1 });
    });
    after(async () => t?.stop());

    it('answers and closes a connection whose headers do not arrive in time', async () => {
      const socket = await connect(Number(t.servers.http!.info.port));
      socket.write('GET /ovirt-engine/services/health HTTP/1.1\r\nHost: local');
      assert.match(await firstLine(socket), /^HTTP\/1\.1 4\d\d /);
      await closed(socket);
    });

    it('closes a connection that never says anything, on both API ports and the proxy', async () => {
      for (const port of [Number(t.servers.http!.info.port), Number(t.servers.https.info.port), t.proxy.port]) {
        const silent = await connect(port);
        await closed(silent);
      }
    });

    it('closes a connection whose body does not arrive within the request timeout', async () => {
      const socket = await connect(Number(t.servers.http!.info.port));
      socket.write('POST /ovirt-engine/sso/oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=');
      await closed(socket);
    });

    it('keeps the event stream open beyond the idle and request timeouts, and it still delivers', async () => {
      const api = await ApiClient.of(t, (await import('../../model/codec')).XML);
      const stream = http.get(`${t.base}/ovirt-engine/api/events/stream`, { headers: { Authorization: `Bearer ${api.token}`, Version: '4' } });
      const res = await new Promise<http.IncomingMessage>((resolve) => stream.once('response', resolve));
      assert.equal(res.statusCode, 200);
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      // An idle keep-alive connection and a slow request, both cut while the stream stays.
      const idle = await connect(Number(t.servers.http!.info.port));
      idle.write(HEALTH);
      assert.match(await firstLine(idle), /^HTTP\/1\.1 200 /);
      await closed(idle);
      const slow = await connect(Number(t.servers.http!.info.port));
      slow.write('POST /ovirt-engine/api/datacenters HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n');
      await closed(slow);
      const added = await api.call('POST', '/datacenters', '<data_center><name>after-timeouts</name></data_center>');
      assert.equal(added.status, 201);
      await new Promise<void>((resolve, reject) => {
        const check = () => (text.includes('after-timeouts') ? resolve() : undefined);
        res.on('data', check);
        res.once('close', () => reject(new Error('the event stream was closed')));
        check();
      });
      stream.destroy();
    });
  });

  describe('caps', () => {
    let t: TestEngine;
    let ca: string;
    before(async () => {
      t = await TestEngine.start(SQLITE, { maxConnections: 6, maxClientConnections: 3 });
      ca = (await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA')).text;
    });
    after(async () => t?.stop());

    /** What the engine logged of refused connections (warnings). */
    const refusals = () => t.log.read().filter((l) => l.level === 40).map((l) => l.msg);

    /** A connection to the API's HTTP port from `from`: answered, or closed without an answer. */
    async function ask(from: string) {
      const socket = await connect(Number(t.servers.http!.info.port), from);
      socket.write(HEALTH);
      return { socket, said: await firstLine(socket) };
    }

    it('takes a few connections from one address and closes the next at once, logging it', async () => {
      const open = [];
      try {
        for (let i = 0; i < 3; i++) open.push(await ask('127.0.0.2'));
        for (const o of open) assert.match(o.said, /^HTTP\/1\.1 200 /);
        const over = await ask('127.0.0.2');
        assert.equal(over.said, 'closed');
        // Another address is another client.
        const other = await ask('127.0.0.3');
        assert.match(other.said, /^HTTP\/1\.1 200 /);
        open.push(other);
      } finally {
        for (const o of open) o.socket.destroy();
      }
      assert.ok(refusals().some((l) => /API \(HTTP\): refused 1 connection\(s\): more than 3 open connections from 127\.0\.0\.2/.test(l)), refusals().join('\n'));
    });

    it('takes only so many connections per listener, whoever opens them', async () => {
      const open = [];
      try {
        for (const from of ['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.6', '127.0.0.6', '127.0.0.7']) open.push(await ask(from));
      } finally {
        for (const o of open) o.socket.destroy();
      }
      // The client of the tests may hold a connection of its own: at most 6 in all are answered.
      const answered = open.filter((o) => /^HTTP\/1\.1 200 /.test(o.said)).length;
      assert.ok(answered <= 6, `${answered} answered`);
      assert.ok(open.some((o) => o.said === 'closed'));
      assert.ok(refusals().some((l) => /API \(HTTP\): refused \d+ connection\(s\): more than 6 open connections$/.test(l)), refusals().join('\n'));
    });

    it('caps the image proxy the same way', async () => {
      const open = [];
      try {
        for (let i = 0; i < 3; i++) open.push(await connect(t.proxy.port, '127.0.0.4'));
        // Each of those is held; the next from the address is closed before TLS starts.
        assert.equal(await tlsOutcome(t.proxy.port, ca, '127.0.0.4'), 'closed');
        assert.equal(await tlsOutcome(t.proxy.port, ca, '127.0.0.5'), 'secure');
      } finally {
        for (const s of open) s.destroy();
      }
      assert.ok(refusals().some((l) => /image proxy \(HTTPS\): refused 1 connection\(s\): more than 3 open connections from 127\.0\.0\.4/.test(l)), refusals().join('\n'));
    });
  });
});
