// A small W3C WebDriver client over fetch, enough to drive the desktop
// window through tauri-driver.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application) {
    const r = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application } } },
    });
    return new Session(base, r.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const found = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return found.map((e) => e[ELEMENT]);
  }

  text(element) {
    return this.cmd('GET', `/element/${element}/text`);
  }

  /** The text of the first match, read in the page (independent of what WebKit deems visible). */
  textOf(css) {
    return this.execute('const el = document.querySelector(arguments[0]); return el ? el.textContent : null;', [css]);
  }

  click(element) {
    return this.cmd('POST', `/element/${element}/click`, {});
  }

  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  executeAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args });
  }

  screenshot() {
    return this.cmd('GET', '/screenshot');
  }

  /** Polls until `fn` returns something truthy. */
  async until(what, fn, timeout = 15_000) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      try {
        last = await fn();
        if (last) return last;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what} (last: ${last})`);
  }

  async quit() {
    await call(this.base, 'DELETE', `/session/${this.id}`).catch(() => {});
  }
}

async function call(base, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}
