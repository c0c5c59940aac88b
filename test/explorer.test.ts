// The API explorer page in headless Chromium: it loads from the engine over HTTPS, lists the VM
// service, and its "try it" of `GET /vms` with a bearer token shows the engine's VM list.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { JSON_FORMAT } from '../model/codec';
import { ApiClient, withEngine } from './support/engine';

describe('API explorer page', function () {
  this.timeout(180000);
  const ctx = withEngine();

  it('lists the VM service and tries GET /vms with a bearer token', async () => {
    // Chromium is a prerequisite of the tests (.ci/run installs it): without it this fails, rather than check nothing.
    assert.ok(fs.existsSync('/usr/bin/chromium'), 'the browser test needs /usr/bin/chromium (Debian package chromium)');
    const { chromium } = await import('playwright-core');
    const name = `explorer-vm-${process.pid}`;
    const api = await ApiClient.of(ctx.t, JSON_FORMAT);
    const added = await api.call('POST', '/vms', JSON.stringify({ name, cluster: { name: 'Default' }, template: { name: 'Blank' } }));
    assert.equal(added.status, 201, added.text);
    const token = await ctx.t.token();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 1400 } })).newPage();
      // The page renders a document of hundreds of operations: on a busy machine that takes a while.
      page.setDefaultTimeout(90000);
      await page.goto(`${ctx.t.httpsBase}/ovirt-engine/api/docs`);
      // The page renders the sections in view only: its filter brings that of the VMs there.
      await page.locator('.operation-filter-input').fill('vms');
      await page.locator('#operations-tag-vms').waitFor();
      // Authorize with the token, as bearer.
      await page.locator('.auth-wrapper .authorize').click();
      const bearer = page.locator('.auth-container').filter({ has: page.locator('#auth-bearer-value') });
      await bearer.locator('#auth-bearer-value').fill(token);
      await bearer.locator('button.authorize').click();
      await page.locator('.dialog-ux .close-modal').click();
      // GET /vms: try it, execute.
      const list = page.locator('#operations-vms-Vms_list');
      await list.locator('.opblock-summary-control').click();
      await list.locator('.try-out__btn').click();
      await list.locator('.execute').click();
      const status = list.locator('.live-responses-table tr.response .response-col_status');
      await status.waitFor();
      assert.equal((await status.innerText()).trim(), '200');
      const answer = list.locator('.live-responses-table tr.response .response-col_description');
      await answer.getByText(name).first().waitFor();
      const shot = path.join(__dirname, '..', 'test-artifacts', 'explorer.png');
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await list.screenshot({ path: shot });
      console.log(`    explorer screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });
});
