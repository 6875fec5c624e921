// Export and import in the browser UI against a real `hookscope serve`:
// copy a delivery as cURL and run it with bash (the same bytes arrive
// again), save the filtered list as HAR, import a DevTools-style HAR by the
// file chooser.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { repo, send, startServer } from './lib/server.mjs';

let server;
let browser;
const NASTY = `{"q":"it's \\"quoted\\" $HOME \`id\`","n":1}\n`;

before(async () => {
  server = await startServer();
  browser = await launch();
  await send(server.capture, { path: '/hooks/text?x=1', headers: { 'content-type': 'application/json', 'x-odd': "a'b$c" }, body: NASTY });
  await send(server.capture, { path: '/hooks/bin', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 255, 10, 39, 36]) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(path) {
  const r = await fetch(`${server.api}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.ok(r.ok, `${path}: ${r.status}`);
  return r.json();
}

describe('export and import', () => {
  it('copies as cURL, saves a HAR of the list, imports a HAR', async () => {
    const { page, context, trouble } = await openSignedIn(browser, server);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.api });
    await page.locator('[data-testid="list"] .row', { hasText: '/hooks/text' }).click();
    await page.getByTestId('detail-path').waitFor();
    await page.getByRole('button', { name: 'Copy as cURL' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const command = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(command, /^curl /);
    const answer = JSON.parse(execFileSync('bash', ['-c', command]).toString());
    const [original, copy] = await Promise.all([
      api(`/api/deliveries?path=/hooks/text&limit=5`).then((p) => p.items.at(-1).id).then((id) => api(`/api/deliveries/${id}`)),
      api(`/api/deliveries/${answer.id}`),
    ]);
    assert.equal(copy.body, original.body, 'the pasted cURL sends the same bytes');
    assert.deepEqual(
      copy.headers.map((h) => `${h.name}: ${h.value}`).sort(),
      original.headers.map((h) => `${h.name}: ${h.value}`).sort(),
      'every header, nothing added',
    );

    // Save the list as HAR.
    await page.getByTestId('transfer-open').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-har').click()]);
    const har = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(har.log.version, '1.2');
    assert.equal(har.log.entries.length, 3, 'every delivery the list shows');
    assert.ok(har.log.entries.some((e) => e.request.postData?._encoding === 'base64'), 'the binary body as base64');

    // Import a DevTools-style HAR (HTTP/2 pseudo-headers) with the chooser.
    const devtools = {
      log: {
        version: '1.2',
        creator: { name: 'WebInspector', version: '537.36' },
        entries: [
          {
            startedDateTime: '2026-12-01T10:00:00.000Z',
            time: 5,
            request: {
              method: 'POST',
              url: 'https://shop.example.test/imported/from-devtools?src=har',
              httpVersion: 'http/2.0',
              headers: [
                { name: ':authority', value: 'shop.example.test' },
                { name: ':method', value: 'POST' },
                { name: 'content-type', value: 'application/json' },
              ],
              queryString: [],
              cookies: [],
              headersSize: -1,
              bodySize: 9,
              postData: { mimeType: 'application/json', text: '{"ok":true}' },
            },
            response: { status: 200, statusText: '', httpVersion: 'http/2.0', headers: [], cookies: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: 0 },
            cache: {},
            timings: { send: 1, wait: 3, receive: 1 },
          },
        ],
      },
    };
    await page.getByTestId('import-file').setInputFiles({ name: 'devtools.har', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(devtools)) });
    await page.getByTestId('import-note').filter({ hasText: 'Imported 1 delivery' }).waitFor();
    await page.locator('[data-testid="list"] .row', { hasText: '/imported/from-devtools' }).waitFor();
    const imported = (await api('/api/deliveries?path=/imported')).items[0];
    const full = await api(`/api/deliveries/${imported.id}`);
    assert.equal(full.source, 'har');
    assert.deepEqual(full.headers[0], { name: 'Host', value: 'shop.example.test' });
    // Send a signed sample: its endpoint is set up, and it shows verified.
    await page.getByTestId('transfer-open').click();
    const transfer = page.getByTestId('transfer');
    await transfer.getByLabel('Sample provider').selectOption('github');
    await transfer.getByTestId('send-sample-button').click();
    await transfer.getByTestId('sample-note').filter({ hasText: 'push: 200' }).waitFor();
    await page.locator('[data-testid="list"] .row', { hasText: '/github' }).locator('[data-verdict="valid"]').waitFor();
    await page.getByTestId('transfer-open').click();
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await page.getByTestId('transfer-open').click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(repo, 'docs/screenshots/export-import.png') });
    }
    assert.deepEqual(trouble.pageErrors, []);
    await context.close();
  });
});
