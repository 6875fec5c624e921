// Signing a real Chromium in: the session cookie is not the install's token,
// does not carry the token to the capture port, survives a decoy cookie, and
// when it ends the UI says how to sign in again.

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { launch } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

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

async function api(path) {
  const r = await fetch(`${server.api}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.ok(r.ok, `GET ${path}: ${r.status}`);
  return r.json();
}

it('a browser session keeps the token out of cookies and off the capture port', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.login);
  await page.waitForURL(`${server.api}/`);
  await page.locator('.bar .listen[data-state="listening"]').waitFor({ timeout: 10_000 });

  const port = new URL(server.api).port;
  const cookies = await context.cookies();
  assert.ok(cookies.every((c) => c.value !== server.token), 'no cookie holds the token');
  const session = cookies.find((c) => c.name === `hookscope_session_${port}`);
  assert.ok(session, `a session cookie named after the API port: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.equal(session.httpOnly, true);
  assert.equal(session.path, '/api');

  // The same browser visits the capture port (a test delivery of the user's own).
  await page.goto(`${server.capture}/hello-from-the-browser`);
  await page.goto(`${server.capture}/api/looks-like-the-api`);
  const list = await api('/api/deliveries');
  for (const path of ['/hello-from-the-browser', '/api/looks-like-the-api']) {
    const item = list.items.find((d) => d.path === path);
    assert.ok(item, `${path} was captured`);
    const d = await api(`/api/deliveries/${item.id}?body=false`);
    const cookie = d.headers.find((h) => h.name.toLowerCase() === 'cookie')?.value ?? '';
    assert.ok(!JSON.stringify(d.headers).includes(server.token), `${path}: the token never reaches the capture port`);
    if (path === '/hello-from-the-browser') assert.equal(cookie, '', 'outside /api no session cookie is sent at all');
  }

  // Another local page sets a cookie of the same name on a longer path: sent first, it must not sign the user out.
  await context.addCookies([{ name: `hookscope_session_${port}`, value: 'decoy', domain: '127.0.0.1', path: '/api/deliveries' }]);
  await page.goto(`${server.api}/`);
  await page.locator('.bar .listen[data-state="listening"]').waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="list"] .row').first().waitFor();

  // A used sign-in link says what to do instead of answering JSON.
  await page.goto(server.login);
  assert.match(await page.locator('body').textContent(), /already used[\s\S]*hookscope open/);

  // Once the session ends, the UI says so and how to sign in again.
  await page.goto(`${server.api}/`);
  await page.locator('.bar .listen[data-state="listening"]').waitFor({ timeout: 10_000 });
  await page.evaluate(() => fetch('/api/session', { method: 'DELETE' }));
  await page.reload();
  const banner = page.getByRole('alert');
  await banner.waitFor({ timeout: 10_000 });
  assert.match(await banner.textContent(), /not signed in[\s\S]*hookscope open/);
  assert.equal(await page.locator('.bar .listen .label').textContent(), 'Signed out', 'not "Not listening"');
  await context.close();
});
