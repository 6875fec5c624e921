// The desktop app end to end, through the official WebDriver route:
// tauri-driver starts the real binary (UI embedded) under the X display in
// DISPLAY (xvfb-run in CI), and the test drives the window.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { SAMPLES } from './lib/samples.mjs';
import { repo, send } from './lib/server.mjs';
import { Session } from './lib/webdriver.mjs';

const app = process.env.HOOKSCOPE_DESKTOP_BIN ?? join(repo, 'target/debug/hookscope-desktop');
const driverBin = process.env.TAURI_DRIVER ?? join(homedir(), '.cargo/bin/tauri-driver');

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** tauri-driver and one session of the app, with its own throwaway home. */
async function openApp(extraEnv = {}) {
  assert.ok(process.env.DISPLAY, 'DISPLAY must be set (run under xvfb-run)');
  const home = mkdtempSync(join(tmpdir(), 'hookscope-desktop-'));
  const port = await freePort();
  const env = {
    ...process.env,
    HOOKSCOPE_HOME: join(home, 'data'),
    HOOKSCOPE_CAPTURE: '127.0.0.1:0',
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'share'),
    XDG_CACHE_HOME: join(home, 'cache'),
    MESA_SHADER_CACHE_DISABLE: 'true',
    ...extraEnv,
  };
  // Its own process group, so closing can stop the app WebKitWebDriver started
  // too; and no inherited stdio, so a straggler cannot hold the runner open.
  const driver = spawn(driverBin, ['--port', String(port)], { env, stdio: 'ignore', detached: true });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      if (Date.now() > deadline) {
        killGroup(driver.pid, 'SIGKILL');
        throw new Error('tauri-driver did not start');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let session;
  try {
    session = await Session.start(base, app);
  } catch (e) {
    killGroup(driver.pid, 'SIGKILL');
    throw e;
  }
  return {
    session,
    home,
    async close() {
      await session.quit();
      if (driver.exitCode === null) {
        const exited = new Promise((r) => driver.once('exit', r));
        killGroup(driver.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      // Whatever of the group is left (the app, its WebKit processes).
      await new Promise((r) => setTimeout(r, 500));
      killGroup(driver.pid, 'SIGKILL');
      // WebKit helpers may still be writing their caches for a moment.
      rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function shoot(session, name) {
  const dir = join(repo, 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), Buffer.from(await session.screenshot(), 'base64'));
}

it('starts, takes a POST on its capture port, and shows the delivery and its body', async () => {
  const { session, close } = await openApp();
  try {
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
    const seen = await session.until('the observer', () => session.execute('return window.__rowSeen'));
    console.log(`desktop ack-to-row: ${seen - acked} ms`);
    assert.ok(seen - acked < 1000, `the row appears within 1 s of the ack (${seen - acked} ms)`);

    const [row] = await session.find('[data-testid="list"] .row');
    await session.click(row);
    const body = await session.until('the pretty body', () => session.textOf('[data-testid="json-pretty"]'));
    assert.match(body, /"hello"\s*:\s*"from the desktop test"/, 'the body shows as pretty JSON');
    assert.match(body, /"n"\s*:\s*42/);

    // The signature commands answer over IPC (and the capability allows them).
    const [sigTab] = await session.find('[data-tab="signature"]');
    await session.click(sigTab);
    const sig = await session.until('the Signature tab', () => session.textOf('[data-testid="signature"]'));
    assert.match(sig, /No known provider/, 'an unsigned delivery is inspected: no provider, no secret');
    const [openEndpoints] = await session.find('[data-testid="open-endpoints"]');
    await session.click(openEndpoints);
    const endpoints = await session.until('the Endpoints dialog', async () => {
      // Only set once the `endpoints` command answered.
      return session.textOf('[data-testid="endpoints"][data-loaded="true"]');
    });
    assert.match(endpoints, /No endpoints yet/, 'the endpoints command answers');

    // The dialog is modal: close it before clicking anything else.
    const [close] = await session.find('[data-testid="endpoints"] button[aria-label="Close"]');
    await session.click(close);

    // The window says where its control API is, and hands out a browser sign-in link.
    assert.match(await session.textOf('[data-testid="api-url"]'), /^http:\/\/127\.0\.0\.1:\d+$/, 'the API address shows');
    const [link] = await session.find('[data-testid="sign-in-link"]');
    await session.click(link);
    const said = await session.until('the sign-in link', async () => {
      const text = await session.textOf('[data-testid="sign-in-link"]');
      return text !== 'Copy browser link' && text;
    });
    // Copied, or (when this webview's clipboard refuses) shown to copy by hand.
    const shown = await session.execute('return document.querySelector(\'[data-testid="sign-in-url"]\')?.value ?? null');
    assert.ok(/Link copied/.test(said) || /\/api\/login\?ticket=/.test(shown ?? ''), `a one-time link was made: ${said} ${shown}`);

    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      for (const s of SAMPLES(randomBytes)) await send(capture, s);
      const stripe = await session.until('the stripe row', async () => {
        const rows = await session.find('[data-testid="list"] .row');
        if (rows.length < 30) return false;
        for (const row of rows) if ((await session.text(row)).includes('/stripe/webhook')) return row;
        return false;
      });
      await session.click(stripe);
      // The test left the Signature tab open; the picture shows the body.
      const [bodyTab] = await session.find('[data-tab="body"]');
      await session.click(bodyTab);
      await session.until('its body', async () => (await session.find('[data-testid="json-pretty"]')).length > 0);
      await new Promise((r) => setTimeout(r, 500));
      await shoot(session, 'desktop-webdriver.png');
      // The whole X screen too, as a person would see it.
      execFileSync('import', ['-window', 'root', join(repo, 'docs/screenshots/desktop-xvfb.png')]);
    }
  } finally {
    await close();
  }
});

it('says when the capture port is taken and listens on the port the user picks', async () => {
  const blocker = createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const taken = blocker.address().port;
  const { session, close } = await openApp({ HOOKSCOPE_CAPTURE: `127.0.0.1:${taken}` });
  try {
    const message = await session.until('the failure banner', () => session.textOf('[data-testid="status-failed"]'));
    assert.match(message, new RegExp(`${taken}`), 'the banner names the taken port');
    const other = await freePort();
    const [input] = await session.find('[data-testid="port"]');
    await session.cmd('POST', `/element/${input}/clear`, {});
    await session.cmd('POST', `/element/${input}/value`, { text: String(other) });
    const [button] = await session.find('[data-testid="status-failed"] button');
    await session.click(button);
    const capture = await session.until('listening on the new port', async () => {
      const url = await session.textOf('[data-testid="capture-url"]');
      return url?.endsWith(`:${other}`) && url;
    });
    const reply = await send(capture, { path: '/after-port-change', body: 'ok' });
    assert.equal(reply.status, 200, 'the new port takes deliveries');
    await session.until('the row', async () => (await session.textOf('[data-testid="list"]'))?.includes('/after-port-change'));
    assert.equal(await session.textOf('[data-testid="status-failed"]'), null, 'the banner is gone');
  } finally {
    await close();
    blocker.close();
  }
});

/** Presses one key in the window (W3C actions), as a user would. */
async function press(session, key) {
  await session.cmd('POST', '/actions', {
    actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value: key }, { type: 'keyUp', value: key }] }],
  });
  await session.cmd('DELETE', '/actions');
}

it('edits a delivery, re-signs it, sends it to a local app and shows the attempt and the diff; r and e work', async () => {
  const { createHmac } = await import('node:crypto');
  const { createServer: createHttp } = await import('node:http');
  const { readFileSync } = await import('node:fs');
  const SECRET = 'whsec_desktop_replay_0123456789';
  const EVENT = '{"id":"evt_desk","type":"payment_intent.succeeded","data":{"object":{"amount":4200}}}';
  const received = [];
  const target = createHttp((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parts = Object.fromEntries((req.headers['stripe-signature'] ?? '').split(',').map((kv) => kv.split('=')));
      const valid = parts.v1 === createHmac('sha256', SECRET).update(`${parts.t}.${body}`).digest('hex');
      received.push({ url: req.url, body, valid });
      res.writeHead(valid ? 200 : 400, { 'x-app': 'desktop-target' });
      res.end(valid ? 'ok' : 'bad signature');
    });
  });
  await new Promise((r) => target.listen(0, '127.0.0.1', r));
  const to = `http://127.0.0.1:${target.address().port}`;
  const { session, home, close } = await openApp();
  try {
    const capture = await session.until('the capture URL', () => session.textOf('[data-testid="capture-url"]'));
    const api = await session.until('the API URL', () => session.textOf('[data-testid="api-url"]'));
    const token = readFileSync(join(home, 'data', 'token'), 'utf8').trim();
    const saved = await fetch(`${api}/api/endpoints`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path_prefix: '/stripe', provider: 'stripe', secrets: [SECRET] }),
    });
    assert.ok(saved.ok, `endpoint saved: ${saved.status}`);
    const signed = execFileSync(process.env.HOOKSCOPE_BIN ?? join(repo, 'target/debug/hookscope'), [
      'sign', '--provider', 'stripe', '--secret', SECRET, '--body', EVENT,
    ]).toString();
    const headers = Object.fromEntries(signed.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
    const r = await send(capture, { path: '/stripe/webhook', headers: { 'content-type': 'application/json', ...headers }, body: EVENT });
    assert.equal(r.status, 200);

    const row = await session.until('the row', async () => (await session.find('[data-testid="list"] .row'))[0]);
    await session.click(row);
    await session.until('the detail', () => session.textOf('[data-testid="detail-path"]'));
    await press(session, 'e');
    await session.until('the editor', async () => (await session.find('[data-testid="replay-editor"]')).length > 0);
    const [targetInput] = await session.find('[data-testid="replay-target"]');
    await session.cmd('POST', `/element/${targetInput}/clear`, {});
    await session.cmd('POST', `/element/${targetInput}/value`, { text: to });
    // The code editor lives in a shadow root: type into it as the browser's editing commands do.
    await session.execute(
      `const host = document.querySelector('[data-testid="replay-body"]');
       const root = host.shadowRoot ?? host;
       const content = root.querySelector('.cm-content');
       content.focus();
       document.execCommand('selectAll');
       document.execCommand('insertText', false, arguments[0]);`,
      [EVENT.replace('4200', '-1')],
    );
    await session.until('the unsigned-edit warning', () => session.textOf('[data-testid="replay-warning"]'));
    const [resign] = await session.find('[data-testid="replay-resign"]');
    await session.click(resign);
    const [sendButton] = await session.find('[data-testid="replay-send"]');
    await session.click(sendButton);
    await session.until('the attempt', async () => (await session.textOf('[data-testid="attempts"]'))?.includes('200'));
    assert.equal(received.at(-1).body, EVENT.replace('4200', '-1'), 'the edited body arrived');
    assert.ok(received.at(-1).valid, 'and its re-signed signature verified at the app');
    assert.match(await session.textOf('[data-tab="replays"]'), /Replays 1/);
    const [diffButton] = await session.find('[data-testid="attempts"] [data-side="diff"]');
    await session.click(diffButton);
    const diff = await session.until('the diff', () => session.textOf('[data-testid="diff-body"]'));
    assert.match(diff, /"amount": 4200[\s\S]*"amount": -1/, 'the diff shows the changed field');

    // r: again, as captured, to the remembered target.
    const [pathEl] = await session.find('[data-testid="detail-path"]');
    await session.click(pathEl);
    await press(session, 'r');
    await session.until('a second attempt', async () => (await session.textOf('[data-tab="replays"]'))?.includes('Replays 2'));
    assert.equal(received.at(-1).body, EVENT, 'r sends it as captured');
    if (process.env.HOOKSCOPE_SCREENSHOTS) await shoot(session, 'desktop-replays.png');
  } finally {
    await close();
    target.close();
    assert.ok(received.length > 0, 'the local app was hit');
  }
});

it('shows the followed tunnel and its change, and captures over HTTPS when asked', async () => {
  // A stand-in for the ngrok agent API, serving the documented /api/tunnels JSON.
  let answer = { tunnels: [] };
  let asked = 0;
  const ngrok = createHttpServer((req, res) => {
    asked++;
    res.writeHead(req.url === '/api/tunnels' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise((r) => ngrok.listen(0, '127.0.0.1', r));
  const tunnelFor = (url, port) => ({
    tunnels: [{ name: 'command_line', public_url: url, proto: 'https', config: { addr: `http://localhost:${port}` } }],
  });
  const { session, close, home } = await openApp({ HOOKSCOPE_NGROK_API: `http://127.0.0.1:${ngrok.address().port}` });
  try {
    const capture = await session.until('the capture URL', () => session.textOf('[data-testid="capture-url"]'));
    const port = new URL(capture).port;
    answer = tunnelFor('https://desk-one.ngrok-free.app', port);
    await session.until('the public URL in the header', async () =>
      (await session.textOf('[data-testid="public-url"]')) === 'https://desk-one.ngrok-free.app');
    assert.match(await session.textOf('[data-testid="tunnel-open"]'), /ngrok/);
    await send(capture, { path: '/desk/tunnel', body: 'x' });
    await session.until('the row', async () => (await session.textOf('[data-testid="list"]'))?.includes('/desk/tunnel'));
    answer = tunnelFor('https://desk-two.ngrok-free.app', port);
    const warning = await session.until('the changed-URL warning', () => session.textOf('[data-testid="tunnel-changed"]'));
    assert.match(warning, /Public URL changed/);
    assert.equal(await session.textOf('[data-testid="public-url"]'), 'https://desk-two.ngrok-free.app');

    // HTTPS from the window: a certificate made on first use, shown with its fingerprint.
    const [open] = await session.find('[data-testid="tunnel-open"]');
    await session.click(open);
    const [portInput] = await session.until('the HTTPS port field', async () => {
      const found = await session.find('[data-testid="https-port"]');
      return found.length && found;
    });
    await session.cmd('POST', `/element/${portInput}/clear`, {});
    await session.cmd('POST', `/element/${portInput}/value`, { text: '0' });
    const [start] = await session.find('[data-testid="https-start"]');
    await session.click(start);
    const httpsUrl = await session.until('the HTTPS URL', async () => {
      const [o] = await session.find('[data-testid="tunnel-open"]');
      if (!(await session.textOf('[data-testid="tunnel-panel"]'))) await session.click(o);
      return session.textOf('[data-testid="https-url"]');
    }, 20_000);
    assert.match(httpsUrl, /^https:\/\/localhost:\d+$/);
    const fingerprint = await session.textOf('[data-testid="tls-fingerprint"]');
    assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i);
    const cert = join(home, 'data', 'tls', 'cert.pem');
    const out = execFileSync('curl', ['-sS', '--cacert', cert, '-X', 'POST', '-d', 'over tls', `${httpsUrl}/desk/tls`]).toString();
    assert.match(out, /dlv_/, 'a TLS client that trusts only the made certificate is acknowledged');
    await session.until('the TLS row', async () => (await session.textOf('[data-testid="list"]'))?.includes('/desk/tls'));
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      await new Promise((r) => setTimeout(r, 400));
      await shoot(session, 'desktop-tunnel-https.png');
    }
  } finally {
    await close();
    ngrok.close();
    assert.ok(asked > 0, 'the window asked the ngrok stand-in');
  }
});

it('counts deliveries in the list and the window title, switches theme, and saves the public URL', async () => {
  const { session, close } = await openApp();
  try {
    const capture = await session.until('the capture URL', () => session.textOf('[data-testid="capture-url"]'));
    for (let n = 0; n < 3; n++) await send(capture, { path: `/daily/${n}`, body: `{"n":${n}}` });
    await session.until('the count', async () => (await session.textOf('[data-testid="match-count"]')) === '3 deliveries');
    // The native window's title, as the window manager sees it.
    await session.until('the title', () => {
      const tree = execFileSync('xwininfo', ['-root', '-tree']).toString();
      return tree.includes('"Hookscope — 3 deliveries"');
    });

    const theme = () => session.execute('return document.documentElement.dataset.theme');
    const [toggle] = await session.find('[data-testid="theme-toggle"]');
    const first = await theme();
    await session.click(toggle); // system → light
    assert.equal(await theme(), 'light');
    await session.click(toggle); // light → dark
    assert.equal(await theme(), 'dark');
    assert.equal(first, 'light', 'the system (light under Xvfb) at first');

    const [openEndpoints] = await session.find('[data-testid="open-endpoints"]');
    await session.click(openEndpoints);
    await session.until('the dialog', () => session.textOf('[data-testid="endpoints"][data-loaded="true"]'));
    const fill = async (label, text) => {
      const [input] = await session.find(`[data-testid="endpoints"] [aria-label="${label}"]`);
      await session.cmd('POST', `/element/${input}/clear`, {});
      await session.cmd('POST', `/element/${input}/value`, { text });
    };
    await fill('Path prefix', '/daily');
    await fill('Public URL', 'https://desk.example.test');
    const [save] = await session.find('[data-testid="endpoints"] form button[type="submit"]');
    await session.click(save);
    const url = await session.until('the webhook URL', () => session.textOf('[data-testid="endpoints"] tr[data-prefix="/daily"] [data-testid="webhook-url"]'));
    assert.match(url, /https:\/\/desk\.example\.test\/daily/);
    if (process.env.HOOKSCOPE_SCREENSHOTS) {
      const [x] = await session.find('[data-testid="endpoints"] button[aria-label="Close"]');
      await session.click(x);
      await new Promise((r) => setTimeout(r, 400));
      await shoot(session, 'desktop-dark.png');
    }
  } finally {
    await close();
  }
});
