// The list with 100,000 stored deliveries: it paints in under a second and
// scrolls, loading further pages as it goes.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { launch, openSignedIn } from './lib/browser.mjs';
import { seed, startServer } from './lib/server.mjs';

const TOTAL = Number(process.env.HOOKSCOPE_E2E_ROWS ?? 100_000);
let server;
let browser;

before(async () => {
  server = await startServer();
  const started = Date.now();
  await seed(server.capture, TOTAL, (i) => ({
    method: i % 7 === 0 ? 'GET' : 'POST',
    path: `/bulk/${i % 50}/event-${i}`,
    headers: { 'content-type': 'application/json' },
    body: `{"n":${i},"kind":"bulk"}`,
  }));
  console.log(`seeded ${TOTAL} deliveries over HTTP in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The burst went to the WAL; the store copies it into the database (GBs of
  // writes) once captures pause. Measure the UI after that, not against it:
  // the browser's own disk writes queued behind it made one paint take 2.2 s.
  const settling = Date.now();
  const wal = join(server.home, 'hookscope.db-wal');
  const kept = 64 * 1024 * 1024; // store::WAL_KEEP: the WAL is trimmed back to this
  while (existsSync(wal) && statSync(wal).size > kept && Date.now() - settling < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`WAL copied and trimmed ${((Date.now() - settling) / 1000).toFixed(1)} s after the burst`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

it(`with ${TOTAL.toLocaleString('en-US')} stored deliveries the list paints in under 1 s and scrolls`, async () => {
  const { page, trouble } = await openSignedIn(browser, server);
  const started = Date.now();
  await page.reload();
  await page.locator('[data-testid="list"] .row').first().waitFor({ timeout: 5000 });
  const painted = Date.now() - started;
  console.log(`list painted ${painted} ms after a reload`);
  assert.ok(painted < 1000, `the first rows must paint in under 1 s, took ${painted} ms`);
  const stored = await page.locator('.stats').textContent();
  assert.match(stored, new RegExp(`${TOTAL.toLocaleString('en-US')} stored`), 'the header counts every stored delivery');

  // Scroll in big steps for a while; pages load as the end nears and the DOM stays small.
  const frames = await page.evaluate(async () => {
    const list = document.querySelector('[data-testid="list"]');
    const gaps = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
      list.scrollTop += 2600;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }
    return { gaps, rows: list.querySelectorAll('.row').length, scrollTop: list.scrollTop };
  });
  const worst = Math.max(...frames.gaps);
  const median = frames.gaps.sort((a, b) => a - b)[Math.floor(frames.gaps.length / 2)];
  console.log(`scrolling: median frame ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms, ${frames.rows} rows in the DOM`);
  assert.ok(frames.scrollTop > 100_000, 'the list scrolled far down');
  assert.ok(frames.rows < 200, `only the visible rows exist in the DOM (${frames.rows})`);
  assert.ok(median < 50, `scrolling stays smooth (median frame ${median} ms)`);

  // The list is sized to every delivery at once, and its end is reachable:
  // scrolled there, the pages load until no placeholder row is left.
  const sized = await page.evaluate(() => document.querySelector('[data-testid="list"] .spacer').getBoundingClientRect().height);
  assert.equal(Math.round(sized / 26), TOTAL, 'the scrollbar is sized to the total from the start');
  const reached = await page.evaluate(async () => {
    const list = document.querySelector('[data-testid="list"]');
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      list.scrollTop = list.scrollHeight;
      await new Promise((r) => setTimeout(r, 50));
      if (document.querySelectorAll('[data-testid="row-loading"]').length === 0) return true;
    }
    return false;
  });
  assert.ok(reached, 'every page loads when scrolled to the end');
  const shown = await page.getByTestId('match-count').textContent();
  assert.equal(shown.trim(), `${TOTAL.toLocaleString('en-US')} deliveries`, 'the count is every delivery');
  await page.keyboard.press('j');
  await page.getByTestId('detail-path').waitFor();
  assert.deepEqual(trouble.pageErrors, []);
});
