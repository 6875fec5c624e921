// Signature verdicts in the browser UI against a real `hookscope serve`:
// badges in the list, the Signature tab explaining a failure, trying a secret
// without saving it, the Endpoints settings, and hostile evidence kept inert.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { hookscopeBin, repo, send, startServer } from './lib/server.mjs';

const SECRET = 'whsec_e2e_right_0123456789';
const OTHER = 'whsec_e2e_other_9876543210';
const HOSTILE = '<img src=x onerror=alert(1)>';

let server;
let browser;
const ids = {};

/** `hookscope sign` → the headers to send, as an object. */
function sign(secret, body, provider = 'stripe') {
  return new Promise((ok, fail) =>
    execFile(hookscopeBin(), ['sign', '--provider', provider, '--secret', secret, '--body', body], (e, stdout) => {
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

async function api(path, init = {}) {
  const r = await fetch(`${server.api}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...init.headers },
  });
  assert.ok(r.ok, `${init.method ?? 'GET'} ${path} answered ${r.status}`);
  return r.status === 204 ? null : r.json();
}

async function deliver(name, { body, headers, path = '/stripe/webhook' }) {
  const r = await send(server.capture, {
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  assert.equal(r.status, 200, `${name} was captured`);
  ids[name] = JSON.parse(r.body).id;
}

before(async () => {
  server = await startServer();
  browser = await launch();
  await api('/api/endpoints', {
    method: 'PUT',
    body: JSON.stringify({ path_prefix: '/stripe', provider: 'stripe', secrets: [SECRET], tolerance_s: null, public_url: null }),
  });
  const event = '{"id":"evt_1Q2w3E","type":"payment_intent.succeeded","data":{"object":{"amount":4200}}}';
  await deliver('valid', { body: event, headers: await sign(SECRET, event) });
  // Signed pretty, re-serialised compact on the way: the classic proxy mistake, and a redelivery of the same event.
  const pretty = JSON.stringify(JSON.parse(event), null, 2);
  await deliver('tampered', { body: event, headers: await sign(SECRET, pretty) });
  const other = '{"id":"evt_other","type":"customer.created"}';
  await deliver('wrongSecret', { body: other, headers: await sign(OTHER, other) });
  const hostileBody = JSON.stringify({ id: 'evt_hostile', note: HOSTILE });
  const signed = await sign(OTHER, hostileBody);
  await deliver('hostileBody', { body: hostileBody, headers: signed });
  await deliver('hostileHeader', { body: '{"id":"evt_h2"}', headers: { 'Stripe-Signature': `t=${HOSTILE},v1=${HOSTILE}` } });

  // The indexer fills verdicts moments after the ack.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await api('/api/deliveries');
    if (page.items.length === 5 && page.items.every((s) => s.verdict)) break;
    assert.ok(Date.now() < deadline, `verdicts were not filled in 10 s: ${JSON.stringify(page.items.map((s) => s.verdict))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const rowOf = (page, id) => page.locator(`[data-testid="list"] .row[data-id="${id}"]`);

async function openSignature(page, id) {
  await rowOf(page, id).click();
  await page.locator('[data-tab="signature"]').click();
  const pane = page.getByTestId('signature');
  await pane.waitFor();
  return pane;
}

function assertInert(trouble, what) {
  assert.deepEqual(trouble.dialogs, [], `${what}: no script ran (no alert)`);
  assert.deepEqual(trouble.requests, [], `${what}: nothing was fetched from elsewhere (no <img src=x>)`);
  assert.deepEqual(trouble.pageErrors, [], `${what}: no script errors`);
  assert.deepEqual(trouble.cspViolations, [], `${what}: no CSP violation`);
}

describe('signature verdicts', () => {
  it('marks valid and failing deliveries in the list, with provider and redelivery count', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    const valid = rowOf(page, ids.valid).locator('.marks');
    await valid.waitFor();
    assert.equal(await valid.locator('.badge').textContent(), '✔', 'a correctly signed delivery shows ✔');
    assert.equal(await valid.locator('.provider').textContent(), 'stripe', 'the provider shows beside the badge');
    assert.equal(await valid.getByTestId('dup').textContent(), '⟲1', 'the same event delivered twice is marked');

    const tampered = rowOf(page, ids.tampered).locator('.badge');
    assert.equal(await tampered.textContent(), '✖', 'a tampered delivery shows ✖');
    assert.match(await tampered.getAttribute('title'), /invalid/, 'the tooltip names the verdict kind');
    assert.equal(await rowOf(page, ids.hostileHeader).locator('.badge').getAttribute('data-verdict'), 'malformed_header');
    assertInert(trouble, 'the list');
    await context.close();
  });

  it('explains a body changed after signing: sentence, expected vs received, signed string, skew, hint', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    const tab = page.locator('[data-tab="signature"]');
    const pane = await openSignature(page, ids.tampered);
    assert.match(await tab.textContent(), /Signature\s*✖/, 'the tab label carries the verdict');
    assert.match(await pane.getByTestId('verdict').textContent(), /Body changed after signing/);
    const expected = await pane.getByTestId('expected').first().textContent();
    const received = await pane.getByTestId('received').first().textContent();
    assert.match(expected, /^v1=[0-9a-f]{64}$/, 'the expected signature shows in full');
    assert.match(received, /^v1=[0-9a-f]{64}$/, 'the received signature shows in full');
    assert.notEqual(expected, received);
    assert.ok((await pane.locator('[data-testid="received"] mark').count()) > 0, 'differing characters are highlighted');
    assert.match(await pane.getByTestId('signed').textContent(), /^\d+\.\{"id":"evt_1Q2w3E"/, 'the exact signed string shows');
    assert.match(await pane.getByTestId('skew').textContent(), /tolerance 5 min/);
    assert.match(await pane.getByTestId('hints').textContent(), /re-serialised/, 'the hint names the mistake');
    assert.match(await pane.getByTestId('signed-url').textContent(), /\/stripe\/webhook$/);

    // The other delivery of the same event is one click away.
    await pane.getByTestId('duplicates').getByRole('button', { name: ids.valid }).click();
    await page.locator(`[data-testid="list"] .row.selected[data-id="${ids.valid}"]`).waitFor();
    await page.getByTestId('verdict').filter({ hasText: 'valid' }).waitFor();
    assert.match(await tab.textContent(), /Signature\s*✔/, 'the valid one reads ✔');
    assertInert(trouble, 'the Signature tab');
    await context.close();
  });

  it('tries a secret without saving it', async () => {
    const { page, context } = await openSignedIn(browser, server);
    const pane = await openSignature(page, ids.wrongSecret);
    assert.match(await pane.getByTestId('verdict').textContent(), /different secret/);
    const form = pane.getByTestId('try-secret');
    assert.equal(await form.locator('select').inputValue(), 'stripe', 'the provider defaults to the detected one');
    assert.equal(await form.locator('input').getAttribute('type'), 'password');
    await form.locator('input').fill(OTHER);
    await form.getByRole('button', { name: 'Verify' }).click();
    const result = pane.getByTestId('trial-result');
    await result.waitFor();
    assert.match(await result.textContent(), /✔\s*valid/, 'the right secret verifies');
    const saved = await api('/api/endpoints');
    assert.equal(saved.length, 1, 'trying a secret saved nothing');
    assert.equal((await api(`/api/deliveries/${ids.wrongSecret}/inspection`)).verdict.kind, 'invalid', 'the stored verdict is unchanged');
    await context.close();
  });

  it('renders hostile evidence as text', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    let pane = await openSignature(page, ids.hostileHeader);
    assert.match(await pane.getByTestId('header-read').first().textContent(), /<img src=x onerror=alert\(1\)>/, 'the header value shows literally');
    assert.equal(await pane.locator('img').count(), 0, 'no element was made from it');
    pane = await openSignature(page, ids.hostileBody);
    await pane.getByTestId('signed').filter({ hasText: 'evt_hostile' }).waitFor();
    assert.match(await pane.getByTestId('signed').textContent(), /<img src=x onerror=alert\(1\)>/, 'the signed string shows literally');
    assert.equal(await page.locator('.detail img').count(), 0, 'no element was made from it');
    await page.waitForTimeout(300);
    assertInert(trouble, 'hostile evidence');
    await context.close();
  });

  it('lists, adds and removes endpoints, secrets shown redacted', async () => {
    const { page, context } = await openSignedIn(browser, server);
    await page.getByTestId('open-endpoints').click();
    const dialog = page.getByTestId('endpoints');
    await dialog.locator('tr[data-prefix="/stripe"]').waitFor();
    const shown = await dialog.locator('tr[data-prefix="/stripe"]').textContent();
    assert.ok(!shown.includes(SECRET), 'the secret never shows in full');
    assert.match(shown, /••••/, 'the secret shows redacted');

    await dialog.getByLabel('Path prefix').fill('/github');
    await dialog.getByLabel('Provider').selectOption('github');
    assert.equal(await dialog.getByLabel('Secret', { exact: true }).getAttribute('type'), 'password');
    await dialog.getByLabel('Secret', { exact: true }).fill('a-long-github-secret');
    await dialog.getByRole('button', { name: 'Save endpoint' }).click();
    await dialog.locator('tr[data-prefix="/github"]').waitFor();
    assert.match(await dialog.locator('tr[data-prefix="/github"]').textContent(), /github.*••••cret/);
    assert.deepEqual((await api('/api/endpoints')).map((e) => e.path_prefix).sort(), ['/github', '/stripe'], 'saved in the core');

    await dialog.getByRole('button', { name: 'Remove /github' }).click();
    await dialog.locator('tr[data-prefix="/github"]').waitFor({ state: 'detached' });
    assert.deepEqual((await api('/api/endpoints')).map((e) => e.path_prefix), ['/stripe'], 'removed in the core');
    await context.close();
  });

  it('screenshot of a failing delivery', { skip: !process.env.HOOKSCOPE_SCREENSHOTS }, async () => {
    const { page, context } = await openSignedIn(browser, server);
    const pane = await openSignature(page, ids.tampered);
    await pane.getByTestId('hints').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(repo, 'docs/screenshots/signature.png') });
    await context.close();
  });

  it('a scheme without a time window shows the skew without judging it (Discord)', async () => {
    const seed = randomBytes(32);
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    const body = '{"type":1}';
    await deliver('discord', { path: '/discord/interactions', body, headers: await sign(seed.toString('hex'), body, 'discord') });
    await api('/api/endpoints', {
      method: 'PUT',
      body: JSON.stringify({ path_prefix: '/discord', provider: 'discord', secrets: [publicKey] }),
    });
    const { page, context } = await openSignedIn(browser, server);
    const pane = await openSignature(page, ids.discord);
    await pane.getByTestId('verdict').filter({ hasText: /valid/i }).waitFor();
    const skew = pane.getByTestId('skew');
    assert.match(await skew.textContent(), /no time window \(shown, not judged\)/, 'no window is said as such');
    assert.doesNotMatch(await skew.textContent(), /tolerance 0/, 'not painted as a zero tolerance');
    assert.equal(await skew.evaluate((el) => el.classList.contains('bad')), false, 'and not as a violation');
    await api('/api/endpoints?path_prefix=/discord', { method: 'DELETE' });
    await context.close();
  });

  it('an endpoint saved elsewhere reaches an open list: the row gets its ✔ without a reload', async () => {
    const body = '{"id":"evt_late","type":"x"}';
    await deliver('late', { path: '/late/hook', body, headers: await sign('whsec_e2e_late_secret_1', body) });
    const { page, context } = await openSignedIn(browser, server);
    const row = rowOf(page, ids.late);
    await row.waitFor();
    assert.equal(await row.locator('.badge').count(), 0, 'no secret for /late yet: no badge');
    // Saved by a script, not through this page.
    await api('/api/endpoints', {
      method: 'PUT',
      body: JSON.stringify({ path_prefix: '/late', provider: 'stripe', secrets: ['whsec_e2e_late_secret_1'] }),
    });
    await row.locator('.badge').filter({ hasText: '✔' }).waitFor({ timeout: 10_000 });
    await api('/api/endpoints?path_prefix=/late', { method: 'DELETE' });
    await context.close();
  });
});
