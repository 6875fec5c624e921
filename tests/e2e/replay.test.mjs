// Replay in the browser UI against a real `hookscope serve` and a real target
// server that checks Stripe signatures the way a receiver does: edit a
// delivery's JSON body, send it re-signed, see the attempt, its response and
// the diff; `r` sends again to the last target; `e` opens the editor.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { hookscopeBin, repo, send, startServer } from './lib/server.mjs';

const SECRET = 'whsec_e2e_replay_0123456789';
const EVENT = '{"id":"evt_replay","type":"payment_intent.succeeded","data":{"object":{"amount":4200}}}';

let server;
let browser;
let target;
let id;
/** What the target received: method, url, headers, body, and whether the signature held. */
const received = [];

/** Stripe's check, as a receiver does it: HMAC-SHA256 of `t.body`, within 5 minutes. */
function stripeValid(header, body) {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=')));
  const t = Number(parts.t);
  if (!t || Math.abs(Date.now() / 1000 - t) > 300 || !parts.v1) return false;
  const want = createHmac('sha256', SECRET).update(`${parts.t}.${body}`).digest('hex');
  return want.length === parts.v1.length && timingSafeEqual(Buffer.from(want), Buffer.from(parts.v1));
}

function startTarget() {
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = stripeValid(req.headers['stripe-signature'], body);
      received.push({ method: req.method, url: req.url, headers: req.headers, body, raw: Buffer.concat(chunks), valid });
      res.writeHead(valid ? 200 : 400, { 'content-type': 'application/json', 'x-app': 'e2e-target' });
      res.end(JSON.stringify({ received: true, valid }));
    });
  });
  return new Promise((ok) => http.listen(0, '127.0.0.1', () => ok(http)));
}

function sign(body) {
  return new Promise((ok, fail) =>
    execFile(hookscopeBin(), ['sign', '--provider', 'stripe', '--secret', SECRET, '--body', body], (e, stdout) => {
      if (e) return fail(e);
      const headers = {};
      for (const line of stdout.trim().split('\n')) {
        const i = line.indexOf(':');
        headers[line.slice(0, i)] = line.slice(i + 1).trim();
      }
      ok(headers);
    }),
  );
}

before(async () => {
  server = await startServer();
  browser = await launch();
  target = await startTarget();
  const r = await fetch(`${server.api}/api/endpoints`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ path_prefix: '/stripe', provider: 'stripe', secrets: [SECRET] }),
  });
  assert.ok(r.ok, `endpoint saved: ${r.status}`);
  const sent = await send(server.capture, {
    path: '/stripe/webhook',
    headers: { 'content-type': 'application/json', ...(await sign(EVENT)) },
    body: EVENT,
  });
  id = JSON.parse(sent.body).id;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  target?.close();
  assert.ok(received.length > 0, 'the target server was hit');
});

const targetUrl = () => `http://127.0.0.1:${target.address().port}`;

describe('replay', () => {
  it('edits the JSON body, re-signs, and shows the attempt, its response and the diff', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    await page.locator(`[data-testid="list"] .row[data-id="${id}"]`).click();
    await page.getByTestId('detail-path').waitFor();
    await page.keyboard.press('e');
    const editor = page.getByTestId('replay-editor');
    await editor.waitFor();
    await page.getByTestId('replay-target').fill(targetUrl());
    const code = page.getByTestId('replay-body').locator('.cm-content');
    await code.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(EVENT.replace('4200', '-1'));
    assert.match(await page.getByTestId('replay-warning').textContent(), /re-signed/, 'an unsigned edit is warned about');
    await page.getByTestId('replay-resign').check();
    // Timed in the page: from the click to the attempt's row on screen.
    await page.evaluate(() => {
      const w = window;
      w.__shown = null;
      document.querySelector('[data-testid="replay-send"]').addEventListener('click', () => (w.__clicked = performance.now()), { capture: true });
      new MutationObserver(() => {
        const row = document.querySelector('[data-testid="attempt-row"]');
        if (!w.__shown && row && row.textContent.includes('200')) w.__shown = performance.now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('replay-send').click();
    await editor.waitFor({ state: 'detached' });

    // The Replays tab opens on the attempt: 200 from the target, its response body.
    const attempts = page.getByTestId('attempts');
    await attempts.waitFor();
    await attempts.getByTestId('attempt-row').first().filter({ hasText: '200' }).waitFor();
    // Send to shown, less the exchange itself (what the attempt measured).
    const shownAfter = (await page.evaluate(() => window.__shown - window.__clicked)).toFixed(1);
    const exchange = Number((await page.getByTestId('replay-result').textContent()).match(/in ([\d.]+) ms/)[1]);
    console.log(`replay send-to-shown: ${shownAfter} ms, of which the exchange ${exchange} ms`);
    assert.match(await page.locator('[data-tab="replays"]').textContent(), /Replays 1/);
    await attempts.getByText('e2e-target').first().waitFor();
    const last = received.at(-1);
    assert.equal(last.url, '/stripe/webhook', 'an origin keeps the delivery path');
    assert.equal(last.body, EVENT.replace('4200', '-1'), 'the edited body, exactly');
    assert.ok(last.valid, 'the re-signed edit passes the receiver\'s own Stripe check');

    await attempts.locator('[data-side="diff"]').click();
    const diff = page.getByTestId('diff-body');
    await diff.waitFor();
    assert.match(await diff.textContent(), /− +"amount": 4200[\s\S]*\+ +"amount": -1/, 'the diff shows the changed field');
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(repo, 'docs/screenshots/replay-diff.png') });
      await attempts.locator('[data-side="response"]').click();
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(repo, 'docs/screenshots/replays.png') });
    }

    // `r`: the same delivery again, as captured, to the remembered target.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('r');
    await page.locator('[data-tab="replays"]').filter({ hasText: 'Replays 2' }).waitFor();
    assert.equal(received.at(-1).body, EVENT, 'replayed as captured');
    assert.ok(received.at(-1).valid, 'as captured, the original signature (minutes old at most) still holds');
    assert.deepEqual(trouble.pageErrors, []);
    await context.close();
  });

  it('edits a binary body as hex', async () => {
    const binary = Buffer.from([0xff, 0x00, 0x01, 0x80, 0x7f, 0xfe]);
    const sent = await send(server.capture, {
      path: '/bin/upload',
      headers: { 'content-type': 'application/octet-stream' },
      body: binary,
    });
    const binId = JSON.parse(sent.body).id;
    const { page, context } = await openSignedIn(browser, server);
    await page.locator(`[data-testid="list"] .row[data-id="${binId}"]`).click();
    await page.getByTestId('detail-path').waitFor();
    await page.getByTestId('edit').click();
    await page.getByTestId('replay-binary').waitFor();
    await page.getByTestId('replay-target').fill(targetUrl());
    await page.getByTestId('replay-edit-hex').click();
    const hex = page.getByTestId('replay-hex');
    assert.equal(await hex.inputValue(), 'ff 00 01 80 7f fe');
    await hex.fill('00 ff 01 80 7f fe 0a');
    await page.getByTestId('replay-send').click();
    await page.getByTestId('replay-editor').waitFor({ state: 'detached' });
    await page.getByTestId('attempts').waitFor();
    assert.deepEqual([...received.at(-1).raw], [0x00, 0xff, 0x01, 0x80, 0x7f, 0xfe, 0x0a], 'the edited bytes, exactly');
    await context.close();
  });

  it('screenshot of the editor', { skip: !process.env.HOOKSCOPE_SCREENSHOTS }, async () => {
    const { page, context } = await openSignedIn(browser, server);
    await page.locator(`[data-testid="list"] .row[data-id="${id}"]`).click();
    await page.getByTestId('detail-path').waitFor();
    await page.getByTestId('edit').click();
    await page.getByTestId('replay-editor').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(repo, 'docs/screenshots/replay-editor.png') });
    await context.close();
  });
});
