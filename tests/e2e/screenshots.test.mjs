// Screenshots of the browser UI with realistic deliveries, for the README.
// Run with HOOKSCOPE_SCREENSHOTS=1; writes docs/screenshots/browser-*.png.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { repo, send, startServer } from './lib/server.mjs';
import { SAMPLES } from './lib/samples.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

it('of the browser UI with deliveries, light and dark', { skip: !process.env.HOOKSCOPE_SCREENSHOTS }, async () => {
  const dir = join(repo, 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  for (const s of SAMPLES(randomBytes)) await send(server.capture, s);
  for (const scheme of ['light', 'dark']) {
    const { page, context } = await openSignedIn(browser, server, { colorScheme: scheme });
    await page.locator('[data-testid="list"] .row', { hasText: '/stripe/webhook' }).first().click();
    await page.getByTestId('json-pretty').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, `browser-${scheme}.png`) });
    await context.close();
  }
});

it('of the Endpoints dialog: a generic HMAC being set up, and PayPal lacking its certificate', { skip: !process.env.HOOKSCOPE_SCREENSHOTS }, async () => {
  const put = (endpoint) =>
    fetch(`${server.api}/api/endpoints`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(endpoint),
    });
  await put({ path_prefix: '/stripe', provider: 'stripe', secrets: ['whsec_readme_0123456789'] });
  await put({ path_prefix: '/paypal', provider: 'paypal', secrets: ['WH-4SW78779LY2325805'] });
  const { page, context } = await openSignedIn(browser, server);
  await page.getByTestId('open-endpoints').click();
  const dialog = page.getByTestId('endpoints');
  await dialog.getByTestId('incomplete').waitFor();
  await dialog.getByLabel('Path prefix').fill('/acme');
  await dialog.getByLabel('Provider').selectOption('generic');
  await dialog.getByLabel('Signature header').fill('X-Acme-Signature');
  await dialog.getByLabel('Value prefix').fill('sha256=');
  await dialog.getByLabel('Template').fill('{timestamp}.{body}');
  await dialog.getByLabel('Timestamp header').fill('X-Acme-Timestamp');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(repo, 'docs/screenshots/endpoints.png') });
  await context.close();
});
