// The URLs the start-up lines print: ones a local user opens, whatever address the listener binds.
import assert from 'node:assert/strict';
import { localUrl } from '../services/local-url';

describe('start-up URLs', () => {
  it('name localhost for a wildcard address, IPv4 or IPv6', () => {
    assert.equal(localUrl('https', '0.0.0.0', 8443), 'https://localhost:8443');
    assert.equal(localUrl('https', '::', 8443), 'https://localhost:8443');
  });

  it('name the address bound otherwise, an IPv6 one in brackets', () => {
    assert.equal(localUrl('http', '127.0.0.1', 9100), 'http://127.0.0.1:9100');
    assert.equal(localUrl('https', '::1', '8443'), 'https://[::1]:8443');
    assert.equal(localUrl('https', 'engine.example.com', 8443), 'https://engine.example.com:8443');
  });
});
