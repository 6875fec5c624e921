// Forwarding in the browser UI against a real `hookscope serve` and a real
// app that records what it receives: set a forward target and a custom
// answer in the Endpoints dialog, send deliveries while the app is down,
// see them queued, start the app, and watch the badges turn delivered.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcp } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { repo, send, startServer } from './lib/server.mjs';

let server;
let browser;
let app;
let port;
/** What the app received: url and body. */
const received = [];

/** A loopback port with nothing on it yet. */
function freePort() {
  return new Promise((ok) => {
    const probe = createTcp().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

function startApp(on) {
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  return new Promise((ok) => http.listen(on, '127.0.0.1', () => ok(http)));
}

before(async () => {
  server = await startServer();
  browser = await launch();
  port = await freePort();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  app?.close();
  assert.ok(received.length > 0, 'the app was hit');
});

describe('forwarding', () => {
  it('queues while the app is down, delivers when it starts, and answers as the rule says', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    await page.getByTestId('open-endpoints').click();
    const dialog = page.getByTestId('endpoints');
    await dialog.waitFor();
    await dialog.getByLabel('Path prefix').fill('/app');
    await dialog.getByTestId('forward-to').fill(`http://127.0.0.1:${port}`);
    await dialog.getByTestId('respond-with').selectOption('202');
    assert.equal(await dialog.getByTestId('response-status').inputValue(), '202');
    await dialog.getByRole('button', { name: 'Save endpoint' }).click();
    await dialog.locator('tr[data-prefix="/app"]').getByTestId('endpoint-forward').filter({ hasText: `⇢ http://127.0.0.1:${port}` }).waitFor();
    assert.match(await dialog.locator('tr[data-prefix="/app"]').textContent(), /answers 202/);
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await dialog.locator('tr[data-prefix="/app"]').getByRole('button', { name: 'Edit /app' }).click();
      await page.waitForTimeout(200);
      await dialog.screenshot({ path: join(repo, 'docs/screenshots/endpoints-forward.png') });
    }
    await dialog.getByRole('button', { name: 'Close' }).click();

    for (let n = 0; n < 3; n++) {
      const r = await send(server.capture, { path: `/app/orders?n=${n}`, headers: { 'content-type': 'application/json' }, body: `{"n":${n}}` });
      assert.equal(r.status, 202, 'the custom answer, not the ack');
      assert.equal(r.body, '', 'its body');
    }

    // Queued (or retrying) while nothing listens on the app's port.
    const rows = page.locator('[data-testid="list"] .row');
    await rows.filter({ hasText: '/app/orders' }).nth(2).waitFor();
    for (let n = 0; n < 3; n++) {
      await page
        .locator(`[data-testid="list"] .row:has-text("n=${n}") [data-testid="forward"]`)
        .and(page.locator('[data-state="queued"], [data-state="retrying"]'))
        .waitFor();
    }
    await page.getByTestId('queue-open').click();
    const queue = page.getByTestId('queue');
    await queue.locator(`tr[data-target="http://127.0.0.1:${port}"][data-status="down"]`).waitFor();
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(repo, 'docs/screenshots/forward-queued.png') });
    }

    app = await startApp(port);
    await page.locator('[data-testid="list"] [data-testid="forward"][data-state="delivered"]').nth(2).waitFor({ timeout: 40_000 });
    await queue.locator(`tr[data-target="http://127.0.0.1:${port}"][data-status="up"]`).waitFor();
    assert.equal(await queue.getByTestId('queue-delivered').textContent(), '3');
    assert.deepEqual(
      received.map((r) => r.url).sort(),
      ['/app/orders?n=0', '/app/orders?n=1', '/app/orders?n=2'],
      'each delivery once, path and query kept',
    );
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(repo, 'docs/screenshots/forward-delivered.png') });
    }

    // The Replays tab shows the forward state and its attempts.
    await queue.getByRole('button', { name: 'Close' }).click();
    await page.locator('[data-testid="list"] .row:has-text("n=0")').click();
    await page.locator('[data-tab="replays"]').click();
    await page.getByTestId('forward-state').and(page.locator('[data-state="delivered"]')).waitFor();
    assert.deepEqual(trouble.pageErrors, []);
    await context.close();
  });
});
