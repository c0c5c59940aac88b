// What a guest agent reports, as the VM shows it: oVirt's names, numbers and offsets.
import assert from 'node:assert/strict';
import { GuestAgentFacts } from '../model/agent-protocol';
import { reportedDevicesOf, vmFactsOf } from '../services/guest-facts';

const VM = '11111111-2222-3333-4444-555555555555';

const facts = (o: Partial<GuestAgentFacts> = {}): GuestAgentFacts => ({
  os: { id: 'debian', name: 'Debian GNU/Linux', version: '12 (bookworm)', versionId: '12', kernelRelease: '6.1.0-57-amd64', machine: 'x86_64' },
  hostname: 'web1.example.com', timezone: { zone: 'EDT', offset: -4 * 3600 },
  interfaces: [{ name: 'eth0', mac: '56:6f:00:00:00:01', addresses: [{ address: '192.0.2.7', prefix: 24, version: 'v4' }, { address: 'fe80::1', prefix: 64, version: 'v6' }] }],
  ...o,
});

describe('what a guest agent reports, as the VM shows it', () => {
  it('names the OS as oVirt does, with its versions split into numbers', () => {
    assert.deepEqual(vmFactsOf(facts()), {
      fqdn: 'web1.example.com',
      guest_operating_system: {
        architecture: 'x86_64', codename: '12 (bookworm)', distribution: 'Debian GNU/Linux', family: 'Linux',
        kernel: { version: { full_version: '6.1.0-57-amd64', major: 6, minor: 1, build: 0, revision: 57 } },
        version: { full_version: '12', major: 12, minor: undefined, build: undefined, revision: undefined },
      },
      guest_time_zone: { name: 'EDT', utc_offset: '-04:00' },
    });
  });

  it('tells Windows guests apart, writes offsets east of UTC with their minutes, and leaves out what the agent did not say', () => {
    const windows = vmFactsOf(facts({ os: { id: 'mswindows', name: 'Microsoft Windows' }, hostname: undefined, timezone: { zone: 'IST', offset: 5.5 * 3600 } }));
    assert.equal(windows.guest_operating_system?.family, 'Windows');
    assert.deepEqual(windows.guest_time_zone, { name: 'IST', utc_offset: '+05:30' });
    assert.equal('fqdn' in windows, false);
    assert.equal('guest_time_zone' in vmFactsOf(facts({ timezone: undefined })), false);
  });

  it('reports each interface as a network device with its MAC and addresses, under an id that stays the same', () => {
    const [eth0] = reportedDevicesOf(VM, facts());
    assert.deepEqual(eth0, {
      id: eth0.id, name: 'eth0', description: 'guest reported data', type: 'network', mac: { address: '56:6f:00:00:00:01' },
      ips: [{ address: '192.0.2.7', version: 'v4' }, { address: 'fe80::1', version: 'v6' }],
    });
    assert.match(String(eth0.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(reportedDevicesOf(VM, facts())[0].id, eth0.id);
    assert.notEqual(reportedDevicesOf('99999999-2222-3333-4444-555555555555', facts())[0].id, eth0.id);
  });
});
