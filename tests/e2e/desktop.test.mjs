// The desktop app end to end, through the official WebDriver route:
// tauri-driver starts the real binary (UI embedded) under the X display in
// DISPLAY (xvfb-run in CI), and the test drives the window.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Session } from './lib/webdriver.mjs';
import { SAMPLES } from './lib/samples.mjs';
import { repo, send } from './lib/server.mjs';

const app = process.env.HOOKSCOPE_DESKTOP_BIN ?? join(repo, 'target/debug/hookscope-desktop');
const driverBin = process.env.TAURI_DRIVER ?? join(homedir(), '.cargo/bin/tauri-driver');
let driver;
let session;
let home;

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

before(async () => {
  assert.ok(process.env.DISPLAY, 'DISPLAY must be set (run under xvfb-run)');
  home = mkdtempSync(join(tmpdir(), 'hookscope-desktop-'));
  const port = await freePort();
  const env = {
    ...process.env,
    HOOKSCOPE_HOME: join(home, 'data'),
    HOOKSCOPE_CAPTURE: '127.0.0.1:0',
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'share'),
    XDG_CACHE_HOME: join(home, 'cache'),
  };
  driver = spawn(driverBin, ['--port', String(port)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('tauri-driver did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  session = await Session.start(base, app);
});

after(async () => {
  await session?.quit();
  if (driver && driver.exitCode === null) {
    const exited = new Promise((r) => driver.once('exit', r));
    driver.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  // WebKit helpers may still be writing their caches for a moment.
  if (home) rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

async function shoot(name) {
  const png = await session.screenshot();
  const dir = join(repo, 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), Buffer.from(png, 'base64'));
}

it('starts, takes a POST on its capture port, and shows the delivery and its body', async () => {
  const capture = await session.until('the capture URL in the header', () => session.textOf('[data-testid="capture-url"]'));
  assert.match(capture, /^http:\/\/127\.0\.0\.1:\d+$/, 'the window shows where to send webhooks');

  // Note when the row appears, from inside the page, to time ack to row.
  await session.execute(`
    window.__rowSeen = null;
    new MutationObserver(() => {
      if (!window.__rowSeen && document.querySelector('[data-testid="list"]')?.textContent.includes('/desktop/hello')) window.__rowSeen = Date.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  `);
  const reply = await send(capture, {
    path: '/desktop/hello',
    headers: { 'content-type': 'application/json', 'x-desktop-test': 'yes' },
    body: '{"hello":"from the desktop test","n":42}',
  });
  const acked = Date.now();
  assert.equal(reply.status, 200, 'the capture port acknowledges');
  await session.until('the row', async () => (await session.textOf('[data-testid="list"]'))?.includes('/desktop/hello'));
  const [row] = await session.find('[data-testid="list"] .row');
  const seen = await session.until('the observer', () => session.execute('return window.__rowSeen'));
  console.log(`desktop ack-to-row: ${seen - acked} ms`);
  assert.ok(seen - acked < 1000, `the row appears within 1 s of the ack (${seen - acked} ms)`);

  await session.click(row);
  const body = await session.until('the pretty body', () => session.textOf('[data-testid="json-pretty"]'));
  assert.match(body, /"hello"\s*:\s*"from the desktop test"/, 'the body shows as pretty JSON');
  assert.match(body, /"n"\s*:\s*42/);

  if (process.env.HOOKSCOPE_SCREENSHOTS) {
    for (const s of SAMPLES(randomBytes)) await send(capture, s);
    const stripe = await session.until('the stripe row', async () => {
      const rows = await session.find('[data-testid="list"] .row');
      return rows.length >= 30 && rows[0];
    });
    await session.click(stripe);
    await session.until('its body', async () => (await session.find('[data-testid="json-pretty"]')).length > 0);
    await new Promise((r) => setTimeout(r, 500));
    await shoot('desktop-webdriver.png');
    // The whole X screen too, as a person would see it.
    execFileSync('import', ['-window', 'root', join(repo, 'docs/screenshots/desktop-xvfb.png')]);
  }
});
