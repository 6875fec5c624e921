// Starts a real `hookscope serve` on ephemeral ports with a throwaway home,
// and sends deliveries to it.

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function hookscopeBin() {
  return process.env.HOOKSCOPE_BIN ?? join(repo, 'target/debug/hookscope');
}

/** Starts `hookscope serve`; resolves once it printed its URLs. */
export async function startServer({ extraArgs = [], env = {} } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'hookscope-e2e-'));
  const child = spawn(
    hookscopeBin(),
    ['serve', '--capture', '127.0.0.1:0', '--api', '127.0.0.1:0', '--db', join(home, 'hookscope.db'), ...extraArgs],
    { env: { ...process.env, ...env, HOOKSCOPE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const urls = await new Promise((resolveUrls, reject) => {
    const timer = setTimeout(() => reject(new Error(`hookscope serve printed no URLs in 20 s:\n${out}\n${err}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`hookscope serve exited with ${code}:\n${out}\n${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const capture = /^Capture\s+(\S+)/m.exec(out)?.[1];
      const api = /^API\s+(\S+)/m.exec(out)?.[1];
      const login = /^Sign in\s+(\S+)/m.exec(out)?.[1];
      const token = /^Token\s+(\S+)/m.exec(out)?.[1];
      if (capture && api && login && token) {
        clearTimeout(timer);
        resolveUrls({ capture, api, login, token });
      }
    });
  });
  return {
    ...urls,
    home,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => {
        if (child.exitCode !== null) return r();
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 5000);
        child.on('exit', () => {
          clearTimeout(t);
          r();
        });
      });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One request with curl, as a user would send it. */
export function curl(args) {
  return new Promise((ok, fail) =>
    execFile('curl', ['-sS', '--max-time', '60', ...args], { maxBuffer: 1 << 20 }, (e, stdout) => (e ? fail(e) : ok(stdout))),
  );
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Sends a request from Node (raw paths, raw header bytes, big bodies). */
export function send(base, { method = 'POST', path = '/', headers = {}, body = '' }) {
  const url = new URL(base);
  const payload = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  return new Promise((ok, fail) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { 'content-length': payload.length, ...headers },
        insecureHTTPParser: true,
      },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => ok({ status: res.statusCode, body: data }));
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

/** Sends `total` small deliveries with bounded concurrency. */
export async function seed(base, total, make, concurrency = 16) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const r = await send(base, make(i));
      if (r.status >= 300) throw new Error(`delivery ${i} got ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
