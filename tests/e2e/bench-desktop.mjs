// Memory of the desktop app (the app process plus its WebKit processes) idle,
// while 100,000 deliveries arrive, and after a restart with them stored.
// Run under an X display: xvfb-run -a node bench-desktop.mjs

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo, seed } from './lib/server.mjs';

const app = process.env.HOOKSCOPE_DESKTOP_BIN ?? join(repo, 'target/debug/hookscope-desktop');
const TOTAL = Number(process.env.HOOKSCOPE_BENCH_ROWS ?? 100_000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function tree(root) {
  const parents = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) for (const [pid, ppid] of parents) if (ppid === pids[i]) pids.push(pid);
  return pids;
}

function memory(root) {
  let rss = 0;
  let pss = 0;
  const names = [];
  for (const pid of tree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)[1]);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)[1]);
      names.push(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    } catch {
      // Gone already.
    }
  }
  return { rssMiB: Math.round(rss / 1024), pssMiB: Math.round(pss / 1024), processes: names.join(', ') };
}

async function waitForPort(port) {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((r) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error('the app never listened');
}

async function run(home, port) {
  const child = spawn(app, [], {
    env: {
      ...process.env,
      HOOKSCOPE_HOME: join(home, 'data'),
      HOOKSCOPE_CAPTURE: `127.0.0.1:${port}`,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'share'),
      XDG_CACHE_HOME: join(home, 'cache'),
    },
    stdio: 'ignore',
  });
  await waitForPort(port);
  return child;
}

const home = mkdtempSync(join(tmpdir(), 'hookscope-bench-'));
const port = await freePort();
try {
  let child = await run(home, port);
  await sleep(8000);
  console.log('idle, empty store:', memory(child.pid));
  const started = Date.now();
  await seed(`http://127.0.0.1:${port}`, TOTAL, (i) => ({
    path: `/bench/${i % 50}/event-${i}`,
    headers: { 'content-type': 'application/json' },
    body: `{"n":${i},"kind":"bench","pad":"${'x'.repeat(200)}"}`,
  }));
  console.log(`received ${TOTAL} deliveries in ${((Date.now() - started) / 1000).toFixed(1)} s with the window open`);
  await sleep(8000);
  console.log(`idle after receiving ${TOTAL} live:`, memory(child.pid));
  child.kill('SIGTERM');
  await sleep(2000);
  child = await run(home, port);
  await sleep(8000);
  console.log(`idle after a restart with ${TOTAL} stored:`, memory(child.pid));
  child.kill('SIGTERM');
  await sleep(1000);
} finally {
  rmSync(home, { recursive: true, force: true });
}
