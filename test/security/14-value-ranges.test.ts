// Numbers a client sends stay within oVirt's limits, whatever the resource: a VM's memory is
// positive, at most the maximum memory size and its own maximum memory, and at least what it
// guarantees; its CPU topology has at least one socket, core and
// thread, each within its maximum, and a total of vCPUs within the maximum. A body outside them is
// refused with a 400 fault naming the attribute and its range, and changes nothing.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { JSON_FORMAT, Obj, XML } from '../../model/codec';
import { BACKENDS, withEngine } from '../support/engine';

const GiB = 2 ** 30;
const MAX_MEMORY = 16 * 2 ** 40;

const vmXml = (name: string, inner: string) =>
  `<vm><name>${name}</name><cluster><name>Default</name></cluster><template><name>Blank</name></template>${inner}</vm>`;
const topology = (sockets: number, cores: number, threads: number) =>
  `<cpu><topology><sockets>${sockets}</sockets><cores>${cores}</cores><threads>${threads}</threads></topology></cpu>`;

for (const backend of BACKENDS) describe(`value ranges on ${backend.name}`, () => {
  const ctx = withEngine({ backend });

  const fault = (text: string): Obj => XML.read(T.Fault, text, 'fault');
  const vmNames = async () => XML.readList(T.Vm, (await ctx.api.call('GET', '/vms')).text).map((v) => v.name);
  const refused = async (method: string, path: string, body: string, attribute: string, range: RegExp, format = XML) => {
    const r = await ctx.api.call(method, path, body, { 'Content-Type': format.mediaType, Accept: 'application/xml' });
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    const detail = String(fault(r.text).detail);
    assert.ok(detail.includes(attribute), `${detail} names ${attribute}`);
    assert.match(detail, range);
  };

  it('refuses a VM whose memory is not positive or exceeds the maximum memory size', async () => {
    for (const memory of [-1, 0, MAX_MEMORY + 1, 2 ** 53 - 1]) {
      await refused('POST', '/vms', vmXml(`mem${memory}`, `<memory>${memory}</memory>`), 'vm.memory', new RegExp(`from 1 to ${MAX_MEMORY}`));
    }
    await refused('POST', '/vms', JSON.stringify({ name: 'json-mem', memory: '-1', cluster: { name: 'Default' }, template: { name: 'Blank' } }), 'vm.memory', /from 1 to/, JSON_FORMAT);
    await refused('POST', '/vms', vmXml('guaranteed', '<memory_policy><guaranteed>-1</guaranteed></memory_policy>'), 'vm.memory_policy.guaranteed', /from 0 to/);
    assert.deepEqual(await vmNames(), [], 'no VM was added');
  });

  it('keeps guaranteed memory under the memory, and the memory under the maximum memory', async () => {
    await refused('POST', '/vms', vmXml('over-max', `<memory>${4 * GiB}</memory><memory_policy><max>${2 * GiB}</max></memory_policy>`), 'vm.memory', /at most vm.memory_policy.max/);
    // The Blank template gives 1 GiB of memory: 2 GiB cannot be guaranteed.
    await refused('POST', '/vms', vmXml('over-memory', `<memory_policy><guaranteed>${2 * GiB}</guaranteed></memory_policy>`), 'vm.memory_policy.guaranteed', /at most vm.memory/);
    assert.deepEqual(await vmNames(), [], 'no VM was added');
  });

  it('refuses a CPU topology with no socket, core or thread, too many of one, or too many vCPUs in all', async () => {
    await refused('POST', '/vms', vmXml('cores', topology(1, -5, 1)), 'vm.cpu.topology.cores', /from 1 to 254/);
    await refused('POST', '/vms', vmXml('sockets', topology(0, 1, 1)), 'vm.cpu.topology.sockets', /from 1 to 10000/);
    await refused('POST', '/vms', vmXml('threads', topology(1, 1, 9)), 'vm.cpu.topology.threads', /from 1 to 8/);
    await refused('POST', '/vms', vmXml('vcpus', topology(16, 254, 1)), 'vm.cpu.topology', /sockets × cores × threads is 4064; it must be at most 710/);
    assert.deepEqual(await vmNames(), [], 'no VM was added');
  });

  it('accepts values within the limits, and refuses updates outside them, leaving the VM as it was', async () => {
    const added = await ctx.api.call('POST', '/vms', vmXml('fits', `<memory>${2 * GiB}</memory>${topology(2, 4, 2)}`));
    assert.equal(added.status, 201, added.text);
    const vm = XML.read(T.Vm, added.text);
    const path = `/vms/${String(vm.id)}`;
    await refused('PUT', path, '<vm><memory>-1</memory></vm>', 'vm.memory', /from 1 to/);
    await refused('PUT', path, '<vm><cpu><topology><cores>0</cores></topology></cpu></vm>', 'vm.cpu.topology.cores', /from 1 to 254/);
    // 200 sockets are fine alone, but with the 4 cores and 2 threads the VM has they make 1600 vCPUs.
    await refused('PUT', path, '<vm><cpu><topology><sockets>200</sockets></topology></cpu></vm>', 'vm.cpu.topology', /is 1600; it must be at most 710/);
    const now = XML.read(T.Vm, (await ctx.api.call('GET', path)).text);
    assert.equal(now.memory, 2 * GiB);
    assert.deepEqual((now.cpu as Obj).topology, { sockets: 2, cores: 4, threads: 2 });
    const fine = await ctx.api.call('PUT', path, `<vm><cpu><topology><sockets>80</sockets></topology></cpu><memory_policy><max>${4 * GiB}</max></memory_policy></vm>`);
    assert.equal(fine.status, 200, fine.text);
    await refused('PUT', path, `<vm><memory>${8 * GiB}</memory></vm>`, 'vm.memory', /at most vm.memory_policy.max/);
  });
});
