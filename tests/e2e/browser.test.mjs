// The browser UI served by a real `hookscope serve`: live rows, the detail
// views, and a corpus of hostile payloads that must stay inert text.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { curl, send, startServer } from './lib/server.mjs';

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

const row = (page, path) => page.locator('[data-testid="list"] .row', { hasText: path }).first();

describe('live deliveries', () => {
  it('a POST sent with curl appears within 1 s without a reload, and shows headers and pretty JSON', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    await page.getByTestId('empty-state').waitFor({ timeout: 10_000 });
    const shownUrl = await page.getByTestId('capture-url').textContent();
    assert.equal(shownUrl, server.capture, 'the header shows the real capture URL');

    const sent = Date.now();
    await curl([
      '-X', 'POST', `${server.capture}/stripe/webhook?acct=42`,
      '-H', 'content-type: application/json',
      '-H', 'Stripe-Signature: t=1,v1=abc',
      '-d', '{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"amount":4200}}}',
    ]);
    await row(page, '/stripe/webhook').waitFor({ timeout: 1000 });
    const latency = Date.now() - sent;
    console.log(`ack-to-row (browser, incl. curl start): ${latency} ms`);
    assert.ok(latency < 1000, `the row must appear within 1 s, took ${latency} ms`);
    assert.deepEqual(trouble.navigations, [], 'no reload or navigation happened');

    await row(page, '/stripe/webhook').click();
    const pretty = page.getByTestId('json-pretty');
    await pretty.waitFor();
    const text = await pretty.textContent();
    assert.match(text, /"type"\s*:\s*"payment_intent\.succeeded"/, 'the body shows as pretty JSON');

    await page.locator('[data-tab="headers"]').click();
    const headers = await page.getByTestId('headers').textContent();
    assert.match(headers, /Stripe-Signature/, 'headers show with their original case');
    assert.match(headers, /t=1,v1=abc/);
    assert.deepEqual(trouble.cspViolations, [], 'the UI itself breaks no CSP rule');
    assert.deepEqual(trouble.pageErrors, [], 'no script errors');
    await context.close();
  });

  it('times ack to row from inside the page', async () => {
    const { page, context } = await openSignedIn(browser, server);
    const samples = [];
    for (let i = 0; i < 5; i++) {
      const path = `/latency/${i}`;
      await page.evaluate((p) => {
        window.__rowSeen = null;
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-testid="list"]')?.textContent.includes(p)) {
            window.__rowSeen = Date.now();
            observer.disconnect();
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      }, path);
      const r = await send(server.capture, { path, body: '{}' });
      const acked = Date.now();
      assert.equal(r.status, 200);
      await page.waitForFunction(() => window.__rowSeen !== null, null, { timeout: 1000 });
      samples.push((await page.evaluate(() => window.__rowSeen)) - acked);
      await page.waitForTimeout(150);
    }
    console.log(`browser ack-to-row: ${samples.join(', ')} ms`);
    assert.ok(Math.max(...samples) < 1000, 'every row appears within 1 s of its ack');
    await context.close();
  });

  it('a binary body shows as hex', async () => {
    const { page, context } = await openSignedIn(browser, server);
    const bytes = Buffer.concat([Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]), randomBytes(2048)]);
    await send(server.capture, { path: '/binary-upload', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    await row(page, '/binary-upload').click({ timeout: 5000 });
    const hex = page.getByTestId('hex');
    await hex.waitFor();
    const dump = await hex.textContent();
    assert.ok(dump.startsWith('00000000  00 01 02 ff fe'), `hex view starts with the bytes, got ${dump.slice(0, 40)}`);
    await context.close();
  });

  it('new deliveries do not move a scrolled list or the selection; a pill counts them', async () => {
    const { page, context } = await openSignedIn(browser, server);
    for (let i = 0; i < 80; i++) await send(server.capture, { path: `/fill/${i}`, body: '{}' });
    await row(page, '/fill/79').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="list"]').scrollHeight > 1500);
    const list = page.getByTestId('list');
    await list.evaluate((el) => (el.scrollTop = 600));
    await page.locator('[data-testid="list"] .row').nth(30).click();
    const selected = await page.locator('.row.selected').getAttribute('data-id');
    const firstVisible = () =>
      page.evaluate(() => {
        const list = document.querySelector('[data-testid="list"]');
        const top = list.getBoundingClientRect().top;
        return [...list.querySelectorAll('.row')].find((r) => r.getBoundingClientRect().bottom > top + 1)?.dataset.id;
      });
    const before = await firstVisible();
    for (let i = 0; i < 5; i++) await send(server.capture, { path: `/while-away/${i}`, body: '{}' });
    await page.waitForFunction(() => document.querySelector('[data-testid="new-pill"]')?.textContent.includes('5 new'), null, { timeout: 2000 });
    assert.equal(await firstVisible(), before, 'the rows in view stay put');
    assert.equal(await page.locator('.row.selected').getAttribute('data-id'), selected, 'the selection stays');
    await page.getByTestId('new-pill').click();
    await row(page, '/while-away/4').waitFor();
    const selectedPath = await page.getByTestId('detail-path').textContent();
    assert.match(selectedPath, /^\/fill\//, 'the detail still shows the selected delivery');
    await page.keyboard.press('j');
    await page.waitForFunction((id) => document.querySelector('.row.selected')?.dataset.id !== id, selected);
    await page.keyboard.press('k');
    await page.waitForFunction((id) => document.querySelector('.row.selected')?.dataset.id === id, selected);
    await context.close();
  });

  it('search narrows the list through the API and is remembered', async () => {
    const { page, context } = await openSignedIn(browser, server);
    await send(server.capture, { path: '/needle/one', headers: { 'content-type': 'application/json' }, body: '{"word":"haystack"}' });
    await row(page, '/needle/one').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('needle');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="list"] .row')];
      return rows.length > 0 && rows.every((r) => r.textContent.includes('needle'));
    });
    await page.reload();
    assert.equal(await page.getByTestId('search').inputValue(), 'needle', 'the filter persists across a reload');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await context.close();
  });
});

describe('hostile payloads', () => {
  const PWN = 'window.__pwned=1';
  const corpus = [
    { name: 'script tag body', path: '/hostile/script', headers: { 'content-type': 'text/html' }, body: `<script>${PWN};alert(1)</script><img src=x onerror="${PWN}">` },
    { name: 'javascript: URL in JSON', path: '/hostile/jsurl', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `javascript:${PWN}`, html: '<a href="javascript:alert(1)">x</a>' }) },
    { name: 'SVG with onload', path: '/hostile/svg', headers: { 'content-type': 'image/svg+xml' }, body: `<svg xmlns="http://www.w3.org/2000/svg" onload="${PWN};alert(1)"><script>${PWN}</script></svg>` },
    { name: 'HTML in header values', path: '/hostile/header', headers: { 'x-evil': `<img src=x onerror="${PWN};alert(1)">`, 'content-type': '"><script>alert(1)</script>' }, body: 'x' },
    { name: 'HTML in the path', path: '/hostile/%3Cscript%3Ealert(1)%3C/script%3E/%3Cimg%20src=x%20onerror=alert(1)%3E?q=%3Csvg/onload=alert(1)%3E&r=%27%22', headers: {}, body: '' },
    { name: 'form with HTML values', path: '/hostile/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&u=javascript%3Aalert(1)' },
    { name: '1 MB single-line JSON', path: '/hostile/wide-json', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => ({ i, s: '<b>x</b>'.repeat(4) })) }) },
    { name: 'JSON nested 10,000 deep', path: '/hostile/deep-json', headers: { 'content-type': 'application/json' }, body: '{"a":'.repeat(10_000) + '"<script>alert(1)</script>"' + '}'.repeat(10_000) },
    { name: 'invalid UTF-8', path: '/hostile/bad-utf8', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from([0x3c, 0x73, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x3e, 0xf0, 0x28, 0x8c, 0x28]) },
    { name: '25 MB body', path: '/hostile/huge', headers: { 'content-type': 'application/json' }, body: '{"data":"' + '<script>x</script>'.repeat(Math.floor((25_000_000 - 12) / 18)) + '"}' },
  ];

  it('render as inert text, run no script, and never freeze the page', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    await page.evaluate(() => {
      window.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    const baseline = await page.evaluate(() => ({ scripts: document.scripts.length, url: location.href }));
    for (const item of corpus) {
      const r = await send(server.capture, item);
      assert.ok(r.status < 300, `${item.name} was accepted (got ${r.status})`);
    }
    for (const item of corpus) {
      const target = page.locator('[data-testid="list"] .row', { hasText: item.path.split('?')[0] }).first();
      await target.waitFor({ timeout: 5000 });
      const started = Date.now();
      await target.click();
      await page.getByTestId('detail-path').filter({ hasText: item.path.split('?')[0] }).waitFor({ timeout: 10_000 });
      for (const tab of ['body', 'headers', 'raw', 'overview', 'body']) {
        await page.locator(`[data-tab="${tab}"]`).click();
      }
      for (const view of await page.locator('[data-view]').all()) await view.click();
      const took = Date.now() - started;
      const alive = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(true))));
      assert.ok(alive, `${item.name}: the page still paints`);
      assert.ok(took < 8000, `${item.name}: opening and switching views took ${took} ms`);
      console.log(`${item.name}: opened and cycled views in ${took} ms`);
    }
    const after = await page.evaluate(() => ({
      scripts: document.scripts.length,
      url: location.href,
      pwned: window.__pwned ?? null,
      injected: document.querySelectorAll('img[src="x"], svg[onload], a[href^="javascript:"], [onerror], [onload], iframe, object, embed').length,
      longest: window.__longest,
    }));
    assert.deepEqual(trouble.dialogs, [], 'no dialog opened');
    assert.deepEqual(trouble.navigations, [], 'the page never navigated');
    assert.equal(after.url, baseline.url, 'still on the same page');
    assert.equal(after.pwned, null, 'no payload script ran');
    assert.equal(after.scripts, baseline.scripts, 'no script element was added');
    assert.equal(after.injected, 0, 'no element from a payload exists');
    assert.deepEqual(trouble.requests, [], 'the page requested nothing from other origins');
    assert.deepEqual(trouble.cspViolations, [], 'nothing even tried to break the CSP');
    assert.deepEqual(trouble.pageErrors, [], 'no script errors');
    console.log(`longest main-thread task while opening the corpus: ${Math.round(after.longest)} ms`);
    assert.ok(after.longest < 3000, `no task blocked the page for 3 s or more (longest ${after.longest} ms)`);
    await context.close();
  });
});
