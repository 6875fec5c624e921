// Interop for replay: a delivery signed by the provider's SDK is captured by a
// running `hookscope serve`, its body is edited, and `hookscope replay
// --resign` sends it to a local server that verifies with the same SDK. The
// SDK must accept the re-signed replay and reject the edit sent unsigned.
//
// Replays run with the async `spawn`: the target server lives in this
// process, so a blocking `spawnSync` would keep it from ever answering.

import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { sign as ghSign, verify as ghVerify } from "@octokit/webhooks-methods";

const require = createRequire(import.meta.url);

/// One provider: how its SDK signs the original and verifies at the target.
/// `verify(req, rawBody, origin)` returns true when the SDK accepts.
function providers() {
  const Stripe = require("stripe");
  const { Webhook } = require("standardwebhooks");
  const twilio = require("twilio");
  const stripe = new Stripe("sk_test_interop_not_a_real_key");
  const json = (amount) => JSON.stringify({ id: "evt_replay", type: "charge.succeeded", data: { amount, note: "café" } });
  const form = (digits) => new URLSearchParams({ CallSid: "CA123", From: "+15550001111", Digits: digits }).toString();

  const stripeSecret = "whsec_interop_replay_stripe";
  const githubSecret = "interop-replay-github-secret";
  const swSecret = "whsec_" + crypto.randomBytes(24).toString("base64");
  const twilioToken = "12345678901234567890123456789012";
  // Twilio signs the URL it posted to; the original goes through a public
  // tunnel, so only a re-sign with the target's URL can pass at the target.
  const twilioPublicUrl = "https://public.example/hooks/twilio?tenant=7";

  return [
    {
      name: "stripe",
      provider: "stripe",
      path: "/hooks/stripe",
      secret: stripeSecret,
      contentType: "application/json",
      body: json(1000),
      edited: json(2500),
      sign: (body) => ({
        "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret: stripeSecret }),
      }),
      verify: (req, raw) => {
        stripe.webhooks.constructEvent(raw, req.headers["stripe-signature"], stripeSecret);
        return true;
      },
    },
    {
      name: "octokit",
      provider: "github",
      path: "/hooks/github",
      secret: githubSecret,
      contentType: "application/json",
      body: json(1000),
      edited: json(2500),
      sign: async (body) => ({ "X-GitHub-Event": "ping", "X-Hub-Signature-256": await ghSign(githubSecret, body) }),
      verify: (req, raw) => ghVerify(githubSecret, raw.toString(), req.headers["x-hub-signature-256"] ?? ""),
    },
    {
      name: "standardwebhooks",
      provider: "standard-webhooks",
      path: "/hooks/standard-webhooks",
      secret: swSecret,
      contentType: "application/json",
      body: json(1000),
      edited: json(2500),
      sign: (body) => {
        const id = "msg_interop_replay";
        const now = new Date();
        return {
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": new Webhook(swSecret).sign(id, now, body),
        };
      },
      verify: (req, raw) => {
        new Webhook(swSecret).verify(raw.toString(), req.headers);
        return true;
      },
    },
    {
      name: "twilio",
      provider: "twilio",
      path: "/hooks/twilio?tenant=7",
      secret: twilioToken,
      contentType: "application/x-www-form-urlencoded",
      body: form("42"),
      edited: form("43"),
      sign: (body) => ({
        "X-Twilio-Signature": twilio.getExpectedTwilioSignature(twilioToken, twilioPublicUrl, formParams(body)),
      }),
      verify: (req, raw, origin) =>
        twilio.validateRequest(twilioToken, req.headers["x-twilio-signature"] ?? "", origin + req.url, formParams(raw.toString())),
    },
  ];
}

const formParams = (body) => Object.fromEntries(new URLSearchParams(body));

/// Reads a stream to its end as one Buffer.
async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/// Waits for `file` to appear (serve writes it once it listens).
async function readWhenPresent(file, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return fs.readFileSync(file, "utf8");
    } catch (e) {
      if (e.code !== "ENOENT" || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/// Starts `hookscope serve` on free ports; resolves once its Capture line is
/// printed and its instance file and token exist.
async function startServe(bin, home) {
  const db = path.join(home, "replay.db");
  const child = spawn(bin, ["serve", "--capture", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db", db], {
    env: { ...process.env, HOOKSCOPE_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  try {
    const captureUrl = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no Capture line within 15s: ${out}${stderr}`)), 15000);
      child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${out}${stderr}`)));
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/^Capture\s+(http:\/\/\S+)/m);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const apiUrl = JSON.parse(await readWhenPresent(`${db}-instance.json`)).api_url;
    const token = (await readWhenPresent(path.join(home, "token"))).trim();
    return { child, db, captureUrl, apiUrl, token };
  } catch (e) {
    child.kill();
    throw e;
  }
}

/// A local server that verifies each request with `verify` and answers 200
/// or 401. `last` holds the latest request seen and the verdict.
async function startTarget(verify) {
  const target = { last: null };
  const server = http.createServer(async (req, res) => {
    const raw = await readAll(req);
    let ok = false;
    let error = "";
    try {
      ok = (await verify(req, raw, target.origin)) === true;
    } catch (e) {
      error = String(e && e.message ? e.message : e);
    }
    target.last = { method: req.method, url: req.url, headers: req.headers, body: raw.toString(), ok, error };
    res.writeHead(ok ? 200 : 401).end(ok ? "ok" : "bad signature");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  target.origin = `http://127.0.0.1:${server.address().port}`;
  target.close = () => new Promise((resolve) => server.close(resolve));
  return target;
}

async function putEndpoint(hs, p) {
  const res = await fetch(`${hs.apiUrl}/api/endpoints`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${hs.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ path_prefix: p.path.split("?")[0], provider: p.provider, secrets: [p.secret] }),
  });
  if (!res.ok) throw new Error(`PUT /api/endpoints: ${res.status} ${await res.text()}`);
}

/// POSTs the SDK-signed original to the capture listener; returns its id.
async function capture(hs, p) {
  const res = await fetch(hs.captureUrl + p.path, {
    method: "POST",
    headers: { "Content-Type": p.contentType, ...(await p.sign(p.body)) },
    body: p.body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`capture answered ${res.status}: ${text}`);
  return JSON.parse(text).id;
}

/// Runs `hookscope replay --json`; resolves to its exit code and attempt.
function replay(bin, hs, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["replay", ...args, "--db", hs.db, "--json"], {
      env: { ...process.env, HOOKSCOPE_HOME: path.dirname(hs.db) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      let attempt = null;
      try {
        attempt = JSON.parse(out);
      } catch {
        // Left null: the failure detail below carries stdout and stderr.
      }
      resolve({ code, attempt, out, err });
    });
  });
}

/// The request the target saw, for a failure message.
function describe(target, r) {
  const seen = target.last
    ? `target got ${target.last.method} ${target.last.url} headers=${JSON.stringify(target.last.headers)} ` +
      `body=${JSON.stringify(target.last.body)} sdk=${target.last.ok ? "accepted" : `rejected (${target.last.error})`}`
    : "target was never hit";
  return `exit ${r.code}; ${seen}; replay stdout=${r.out.trim()} stderr=${r.err.trim()}`;
}

/// Replays `id` with the edited body, with or without --resign, and checks
/// the SDK's verdict at the target.
async function replayCheck(bin, hs, target, id, bodyFile, resign) {
  target.last = null;
  const r = await replay(bin, hs, [id, "--to", target.origin, "--body-file", bodyFile, ...(resign ? ["--resign"] : [])]);
  const want = resign ? { code: 0, status: 200, ok: true } : { code: 1, status: 401, ok: false };
  const fine =
    target.last !== null &&
    target.last.ok === want.ok &&
    r.code === want.code &&
    r.attempt?.status === want.status &&
    (!resign || r.attempt.resigned?.length > 0);
  return fine ? true : describe(target, r);
}

/// Adds the replay checks through the suite's `check(name, fn)`.
export async function replayChecks(bin, check) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "hookscope-replay-"));
  let hs = null;
  try {
    hs = await startServe(bin, home);
  } catch (e) {
    await check("replay: hookscope serve starts", () => String(e.message));
    fs.rmSync(home, { recursive: true, force: true });
    return;
  }
  try {
    for (const p of providers()) {
      const target = await startTarget(p.verify);
      try {
        const bodyFile = path.join(home, `${p.name}.body`);
        fs.writeFileSync(bodyFile, p.edited);
        // Both checks await this; a setup error fails each of them.
        const captured = putEndpoint(hs, p).then(() => capture(hs, p));
        await check(`replay re-signed: ${p.name} SDK accepts`, async () =>
          replayCheck(bin, hs, target, await captured, bodyFile, true));
        await check(`replay edited, not re-signed: ${p.name} SDK rejects`, async () =>
          replayCheck(bin, hs, target, await captured, bodyFile, false));
      } finally {
        await target.close();
      }
    }
  } finally {
    hs.child.kill();
    await new Promise((resolve) => (hs.child.exitCode !== null ? resolve() : hs.child.on("exit", resolve)));
    fs.rmSync(home, { recursive: true, force: true });
  }
}
