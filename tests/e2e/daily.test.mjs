// Daily life in the browser UI against a real `hookscope serve`: the list
// says how many deliveries match and is sized to all of them, the theme
// toggle, the count in the title, and every endpoint setting (the public
// URL among them) from the Endpoints dialog.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { repo, seed, startServer } from './lib/server.mjs';

const TOTAL = 640;
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
  await seed(server.capture, TOTAL, (i) => ({
    method: i % 4 === 0 ? 'PUT' : 'POST',
    path: i % 10 === 0 ? `/github/push/${i}` : `/stripe/events/${i}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ n: i }),
  }));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('daily life', () => {
  it('says how many deliveries match and sizes the list to all of them', async () => {
    const { page } = await openSignedIn(browser, server);
    const count = page.getByTestId('match-count');
    await count.filter({ hasText: `${TOTAL} deliveries` }).waitFor();
    await page.waitForFunction((t) => document.title === `Hookscope — ${t} deliveries`, TOTAL);
    // One page of 500 is loaded, but the scroll height is every delivery's.
    const rowHeight = await page.locator('[data-testid="list"] .row').first().evaluate((r) => r.getBoundingClientRect().height);
    const spacer = await page.locator('[data-testid="list"] .spacer').evaluate((s) => s.getBoundingClientRect().height);
    assert.equal(Math.round(spacer / rowHeight), TOTAL, 'the scrollbar is sized to the total');
    // Scrolled to the end, the rest loads: the last row is the oldest delivery.
    await page.getByTestId('list').evaluate((v) => (v.scrollTop = v.scrollHeight));
    await page.locator('[data-testid="list"] .row', { hasText: '/github/push/0' }).first().waitFor();

    await page.getByTestId('method-filter').selectOption('PUT');
    await count.filter({ hasText: `${TOTAL / 4} match` }).waitFor();
    await page.getByPlaceholder('Path prefix').fill('/github');
    await count.filter({ hasText: `${TOTAL / 20} match` }).waitFor();
    await page.close();
  });

  it('switches between system, light and dark, and remembers the choice', async () => {
    const { page } = await openSignedIn(browser, server, { colorScheme: 'dark' });
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const toggle = page.getByTestId('theme-toggle');
    assert.equal(await toggle.getAttribute('data-choice'), 'system');
    assert.equal(await theme(), 'dark', 'system follows the OS (dark here)');
    const dark = await background();
    await toggle.click();
    assert.equal(await toggle.getAttribute('data-choice'), 'light');
    assert.equal(await theme(), 'light');
    assert.notEqual(await background(), dark, 'the colours change');
    await page.reload();
    await page.locator('.bar .listen[data-state="listening"]').waitFor();
    assert.equal(await page.getByTestId('theme-toggle').getAttribute('data-choice'), 'light', 'remembered');
    assert.equal(await theme(), 'light');
    await page.getByTestId('theme-toggle').click();
    assert.equal(await theme(), 'dark');
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await page.locator('[data-testid="list"] .row').first().click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(repo, 'docs/screenshots/dark.png') });
    }
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.getByTestId('theme-toggle').getAttribute('data-choice'), 'system');
    assert.equal(await theme(), 'dark', 'back to the system');
    await page.close();
  });

  it('sets every endpoint setting from the dialog, the public URL among them', async () => {
    const { page } = await openSignedIn(browser, server);
    await page.getByTestId('open-endpoints').click();
    const dialog = page.getByTestId('endpoints');
    await dialog.getByLabel('Path prefix').fill('/twilio');
    await dialog.getByLabel('Provider').selectOption('twilio');
    await dialog.getByLabel('Secret', { exact: true }).fill('twilio-auth-token');
    await dialog.getByLabel('Tolerance').fill('120');
    await dialog.getByLabel('Public URL').fill('https://hooks.example.test');
    await dialog.getByLabel('Methods').fill('POST');
    await dialog.getByTestId('webhook-url-form').filter({ hasText: 'https://hooks.example.test/twilio' }).waitFor();
    await dialog.getByRole('button', { name: 'Save endpoint' }).click();
    const row = dialog.locator('tr[data-prefix="/twilio"]');
    await row.getByTestId('webhook-url').filter({ hasText: 'https://hooks.example.test/twilio' }).waitFor();
    const saved = await fetch(`${server.api}/api/endpoints`, { headers: { authorization: `Bearer ${server.token}` } }).then((r) => r.json());
    const twilio = saved.find((e) => e.path_prefix === '/twilio');
    assert.equal(twilio.public_url, 'https://hooks.example.test');
    assert.equal(twilio.provider, 'twilio');
    assert.equal(twilio.tolerance_s, 120);
    assert.deepEqual(twilio.methods, ['POST']);
    // Edited again: the dialog shows what was saved.
    await row.getByRole('button', { name: 'Edit /twilio' }).click();
    assert.equal(await dialog.getByLabel('Public URL').inputValue(), 'https://hooks.example.test');
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await page.waitForTimeout(200);
      await dialog.screenshot({ path: join(repo, 'docs/screenshots/endpoints-webhook-url.png') });
    }
    await page.close();
  });
});
