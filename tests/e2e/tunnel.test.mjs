// Tunnels in the browser UI against a real `hookscope serve`: a stand-in
// for the ngrok agent API (its documented /api/tunnels JSON) whose URL
// changes, and a real `bore server` + the `bore local` Hookscope starts
// from the window's Start tunnel button, both on loopback.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { repo, send, startServer } from './lib/server.mjs';

const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin');
const PATH = `${cargoBin}:${process.env.PATH}`;
const shots = process.env.HOOKSCOPE_SCREENSHOTS;

let browser;
let ngrok;
let ngrokAnswer = { tunnels: [] };
let ngrokHits = 0;

function tunnels(url, capturePort) {
  return {
    tunnels: [
      { name: 'command_line', uri: '/api/tunnels/command_line', public_url: url, proto: 'https', config: { addr: `http://localhost:${capturePort}`, inspect: true }, metrics: {} },
      { name: 'other', uri: '/api/tunnels/other', public_url: 'https://someone-else.ngrok-free.app', proto: 'https', config: { addr: 'http://localhost:3000', inspect: true }, metrics: {} },
    ],
    uri: '/api/tunnels',
  };
}

before(async () => {
  browser = await launch();
  ngrok = createServer((req, res) => {
    ngrokHits++;
    if (req.url !== '/api/tunnels') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ngrokAnswer));
  });
  await new Promise((ok) => ngrok.listen(0, '127.0.0.1', ok));
});

after(async () => {
  await browser?.close();
  ngrok?.close();
  assert.ok(ngrokHits > 0, 'the ngrok stand-in was asked');
});

describe('tunnels', () => {
  it('shows the followed ngrok URL in the header and warns when it changed', async () => {
    const server = await startServer({ extraArgs: ['--ngrok-api', `http://127.0.0.1:${ngrok.address().port}`] });
    try {
      const capturePort = new URL(server.capture).port;
      ngrokAnswer = tunnels('https://first.ngrok-free.app', capturePort);
      const { page } = await openSignedIn(browser, server);
      await page.getByTestId('public-url').filter({ hasText: 'https://first.ngrok-free.app' }).waitFor({ timeout: 15_000 });
      assert.match(await page.getByTestId('tunnel-open').textContent(), /ngrok/);
      await send(server.capture, { path: '/stripe', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      await page.locator('[data-testid="list"] .row').first().waitFor();
      assert.equal(await page.getByTestId('tunnel-changed').count(), 0, 'no warning before a change');

      ngrokAnswer = tunnels('https://second.ngrok-free.app', capturePort);
      await page.getByTestId('public-url').filter({ hasText: 'https://second.ngrok-free.app' }).waitFor({ timeout: 15_000 });
      const warning = page.getByTestId('tunnel-changed');
      await warning.waitFor();
      assert.match(await warning.textContent(), /Public URL changed/);
      assert.match(await warning.getAttribute('title'), /first\.ngrok-free\.app.*provider's dashboard/);

      // The Endpoints dialog offers the URL to paste: the tunnel's + the prefix.
      await page.getByTestId('open-endpoints').click();
      const dialog = page.getByTestId('endpoints');
      await dialog.getByLabel('Path prefix').fill('/stripe');
      await dialog.getByTestId('webhook-url-form').filter({ hasText: 'https://second.ngrok-free.app/stripe' }).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
      if (shots) {
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(repo, 'docs/screenshots/tunnel-changed.png') });
      }
      await page.close();
    } finally {
      await server.stop();
    }
  });

  it('starts a bore tunnel from the window, captures through it, and stops it', async (t) => {
    const bore = join(cargoBin, 'bore');
    assert.ok(existsSync(bore), 'this test needs bore: `cargo install bore-cli` (make test installs it)');
    const boreServer = spawn(bore, ['server', '--bind-addr', '127.0.0.1', '--min-port', '43000', '--max-port', '43999'], { stdio: 'ignore' });
    t.after(() => boreServer.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(boreServer.exitCode, null, 'bore server runs (is port 7835 taken?)');
    // An ngrok API nobody serves: only the started tunnel counts.
    const server = await startServer({ env: { PATH }, extraArgs: ['--ngrok-api', 'http://127.0.0.1:9'] });
    try {
      const { page } = await openSignedIn(browser, server);
      await page.getByTestId('tunnel-open').click();
      const panel = page.getByTestId('tunnel-panel');

      // A tool that is not installed says how to get it.
      await panel.getByTestId('tunnel-kind').selectOption('cloudflared');
      await panel.getByTestId('tunnel-start').click();
      await panel.getByTestId('tunnel-error').filter({ hasText: 'cloudflared is not installed' }).waitFor();

      await panel.getByTestId('tunnel-kind').selectOption('bore');
      await panel.getByTestId('tunnel-bore-to').fill('127.0.0.1');
      await panel.getByTestId('tunnel-start').click();
      await panel.getByTestId('tunnel-state').filter({ hasText: 'bore · up' }).waitFor({ timeout: 15_000 });
      const publicUrl = (await panel.getByTestId('tunnel-public-url').textContent()).trim();
      assert.match(publicUrl, /^http:\/\/127\.0\.0\.1:43\d{3}$/);
      await page.getByTestId('public-url').filter({ hasText: publicUrl }).waitFor();
      assert.match(await page.getByTestId('tunnel-open').textContent(), /bore · up/);

      const r = await send(publicUrl, { path: '/through/bore', headers: { 'content-type': 'application/json' }, body: '{"via":"bore"}' });
      assert.equal(r.status, 200);
      await page.locator('[data-testid="list"] .row', { hasText: '/through/bore' }).waitFor();
      if (shots) {
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(repo, 'docs/screenshots/tunnel-bore.png') });
      }

      await panel.getByTestId('tunnel-stop').click();
      await panel.getByTestId('tunnel-start').waitFor();
      assert.match(await page.getByTestId('tunnel-open').textContent(), /Start tunnel/);
      assert.equal(await page.getByTestId('public-url').count(), 0, 'no public URL once stopped');
      await page.close();
    } finally {
      await server.stop();
    }
  });
});
