// Debian's chromium driven by playwright-core, with a page that records
// anything a hostile payload could make it do.

import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

const signedIn = new WeakMap();

/**
 * Opens the UI in a new tab, signed in. The login URL works once, so the
 * first call redeems it and later ones share that browser context's cookie.
 */
export async function openSignedIn(browser, server, { colorScheme = 'light' } = {}) {
  let context = signedIn.get(server);
  const first = !context;
  if (first) {
    context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
    signedIn.set(server, context);
  }
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme });
  const trouble = { dialogs: [], navigations: [], cspViolations: [], pageErrors: [], requests: [] };
  page.on('dialog', async (d) => {
    trouble.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) trouble.cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => trouble.pageErrors.push(String(e)));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin !== new URL(server.api).origin) trouble.requests.push(r.url());
  });
  if (first) {
    await page.goto(server.login);
    await page.waitForURL(`${server.api}/`);
  } else {
    await page.goto(`${server.api}/`);
  }
  await page.locator('.bar .listen[data-state="listening"]').waitFor({ timeout: 10_000 });
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) trouble.navigations.push(f.url());
  });
  // Tests close what they open; closing the page leaves the signed-in context.
  return { page, context: { close: () => page.close() }, trouble };
}
