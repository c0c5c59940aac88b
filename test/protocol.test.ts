// The HTTP surface around the resources: TLS and the CA, health, versions, HEAD, max,
// follow, all_content, Location, SSO token errors and logout.
import assert from 'node:assert/strict';
import https from 'node:https';
import * as T from '../model/types';
import { JSON_FORMAT, Obj, XML } from '../model/codec';
import { ApiClient, TestEngine, withEngine } from './support/engine';

function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

describe('protocol', () => {
  const ctx = withEngine();
  let t: TestEngine;
  let api: ApiClient;
  before(() => ({ t, api } = ctx));

  it('serves the CA without authentication, and TLS verifies with it', async () => {
    const ca = await t.request('GET', '/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA');
    assert.equal(ca.status, 200);
    assert.match(ca.text, /^-----BEGIN CERTIFICATE-----/);
    const r = await httpsGet(`${t.httpsBase}/ovirt-engine/api`, ca.text, { Authorization: `Bearer ${api.token}` });
    assert.equal(r.status, 200);
    assert.match(r.text, /<api>/);
  });

  it('answers health without authentication', async () => {
    const r = await t.request('GET', '/ovirt-engine/services/health');
    assert.equal(r.status, 200);
  });

  it('serves the entry point with collection and search links', async () => {
    const r = await api.call('GET', '');
    assert.equal(r.status, 200);
    assert.match(r.text, /<link href="\/ovirt-engine\/api\/vms" rel="vms"\/>/);
    assert.match(r.text, /<link href="\/ovirt-engine\/api\/vms\?search=\{query\}" rel="vms\/search"\/>/);
    const root = XML.read(T.Api, r.text);
    assert.equal((root.special_objects as Obj).blank_template && ((root.special_objects as Obj).blank_template as Obj).id, '00000000-0000-0000-0000-000000000000');
    assert.ok(root.product_info && root.summary && root.time);
  });

  it('serves the same under the /v4 prefix', async () => {
    const r = await t.request('GET', '/ovirt-engine/api/v4/datacenters', { headers: { Authorization: `Bearer ${api.token}` } });
    assert.equal(r.status, 200);
    assert.equal(XML.readList(T.DataCenter, r.text)[0].name, 'Default');
  });

  it('answers HEAD like GET without a body', async () => {
    const r = await api.call('HEAD', '/datacenters');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });

  it('answers JSON when asked', async () => {
    const json = await ApiClient.of(t, JSON_FORMAT);
    const r = await json.call('GET', '/clusters');
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(JSON_FORMAT.readList(T.Cluster, r.text)[0].name, 'Default');
  });

  it('adds with 201 and a Location that serves the new object', async () => {
    const r = await api.call('POST', '/datacenters', '<data_center><name>located</name></data_center>');
    assert.equal(r.status, 201);
    const location = r.headers.get('location') ?? '';
    const dc = XML.read(T.DataCenter, r.text);
    assert.ok(location.endsWith(`/ovirt-engine/api/datacenters/${dc.id}`), location);
    const again = await t.request('GET', location, { headers: api.headers() });
    assert.equal(XML.read(T.DataCenter, again.text).name, 'located');
    assert.equal((await api.call('DELETE', `/datacenters/${dc.id}`)).status, 200);
    assert.equal((await api.call('GET', `/datacenters/${dc.id}`)).status, 404);
  });

  it('limits lists with max', async () => {
    for (const name of ['n1', 'n2', 'n3']) {
      await api.call('POST', '/datacenters', `<data_center><name>${name}</name></data_center>`);
    }
    const r = await api.call('GET', '/datacenters?max=2');
    assert.equal(XML.readList(T.DataCenter, r.text).length, 2);
    assert.equal((await api.call('GET', '/datacenters?max=two')).status, 400);
  });

  it('follows links to sub-collections and references', async () => {
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms',
      '<vm><name>followed</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>')).text);
    await api.call('POST', `/vms/${vm.id}/nics`, '<nic><name>nic1</name></nic>');
    const r = await api.call('GET', `/vms/${vm.id}?follow=nics,cluster.data_center`);
    const got = XML.read(T.Vm, r.text);
    assert.deepEqual((got.nics as Obj[]).map((n) => n.name), ['nic1']);
    const cluster = got.cluster as Obj;
    assert.equal(cluster.name, 'Default');
    assert.equal((cluster.data_center as Obj).name, 'Default');
    assert.equal((await api.call('GET', `/vms/${vm.id}?follow=nonsense`)).status, 400);
  });

  it('links entities to their sub-collections and actions', async () => {
    const [dc] = XML.readList(T.DataCenter, (await api.call('GET', '/datacenters')).text);
    const r = await api.call('GET', `/datacenters/${dc.id}`);
    assert.match(r.text, new RegExp(`<link href="/ovirt-engine/api/datacenters/${dc.id}/storagedomains" rel="storagedomains"/>`));
  });

  it('takes a search of name=value and refuses what it cannot parse', async () => {
    const r = await api.call('GET', '/datacenters?search=name%3Dn*');
    assert.deepEqual(XML.readList(T.DataCenter, r.text).map((d) => d.name), ['n1', 'n2', 'n3']);
    const bad = await api.call('GET', '/datacenters?search=name%3D');
    assert.equal(bad.status, 400);
    assert.equal((await api.call('GET', '/datacenters?search=colour%3Dred')).status, 400);
  });

  it('keeps all_content attributes for those who ask', async () => {
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms',
      '<vm><name>console</name><cluster><name>Default</name></cluster><template><name>Blank</name></template><soundcard_enabled>true</soundcard_enabled></vm>')).text);
    assert.equal(vm.soundcard_enabled, undefined);
    const full = XML.read(T.Vm, (await api.call('GET', `/vms/${vm.id}?all_content=true`)).text);
    assert.equal(full.soundcard_enabled, true);
    const byHeader = XML.read(T.Vm, (await api.call('GET', `/vms/${vm.id}`, undefined, { 'All-Content': 'true' })).text);
    assert.equal(byHeader.soundcard_enabled, true);
  });

  it('keeps the same all_content attributes on templates as on VMs', async () => {
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms',
      '<vm><name>sounding</name><cluster><name>Default</name></cluster><template><name>Blank</name></template>' +
      '<soundcard_enabled>true</soundcard_enabled><console><enabled>true</enabled></console></vm>')).text);
    const made = await api.call('POST', '/templates', `<template><name>sounding</name><vm id="${String(vm.id)}"/></template>`);
    assert.equal(made.status, 201, made.text);
    const template = XML.read(T.Template, made.text);
    for (const shown of [vm, template, XML.read(T.Template, (await api.call('GET', `/templates/${String(template.id)}`)).text)]) {
      assert.equal(shown.soundcard_enabled, undefined);
      assert.equal(shown.console, undefined);
    }
    const full = XML.read(T.Template, (await api.call('GET', `/templates/${String(template.id)}?all_content=true`)).text);
    assert.equal(full.soundcard_enabled, true);
    assert.deepEqual(full.console, { enabled: true });
  });

  it('refuses wrong passwords at the token endpoint in the OAuth2 error shape', async () => {
    const r = await t.request('POST', '/ovirt-engine/sso/oauth/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&scope=ovirt-app-api&username=admin%40internal&password=wrong',
    });
    assert.equal(r.status, 400);
    const body = JSON.parse(r.text) as Record<string, string>;
    assert.equal(body.error, 'invalid_grant');
    assert.ok(body.error_description);
  });

  it('accepts HTTP Basic credentials', async () => {
    const basic = Buffer.from('admin@internal:test-admin-password').toString('base64');
    const r = await t.request('GET', '/ovirt-engine/api/datacenters', { headers: { Authorization: `Basic ${basic}` } });
    assert.equal(r.status, 200);
  });

  it('revokes a token at sso-logout', async () => {
    const token = await t.token();
    const headers = { Authorization: `Bearer ${token}` };
    assert.equal((await t.request('GET', '/ovirt-engine/api', { headers })).status, 200);
    const out = await t.request('POST', '/ovirt-engine/services/sso-logout', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `scope=ovirt-app-api&token=${encodeURIComponent(token)}`,
    });
    assert.equal(out.status, 200);
    assert.equal((await t.request('GET', '/ovirt-engine/api', { headers })).status, 401);
  });
});
