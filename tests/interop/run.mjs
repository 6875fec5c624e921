// Interop: each provider's own SDK signs and `hookscope verify` must accept;
// `hookscope sign` signs and the SDK must accept; a tampered body must be
// refused; a replay re-signed by `hookscope replay --resign` must pass the
// SDK (replay.mjs). One line per check; exits non-zero if any check fails.
//
//   HOOKSCOPE_BIN=/path/to/hookscope node tests/interop/run.mjs
//
// Needs `npm ci` in tests/interop and `pip install slack_sdk` (for the Slack
// check). Everything runs offline: SDKs only sign and verify locally.

import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { replayChecks } from "./replay.mjs";
import { sampleChecks } from "./samples.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.HOOKSCOPE_BIN;
if (!BIN) {
  console.error("set HOOKSCOPE_BIN to the hookscope binary");
  process.exit(2);
}

let failed = 0;
let passed = 0;
function report(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : ` -- ${detail}`}`);
}

async function check(name, fn) {
  try {
    const r = await fn();
    report(name, r === true, typeof r === "string" ? r : "");
  } catch (e) {
    report(name, false, String(e && e.message ? e.message : e));
  }
}

function hookscope(args, body) {
  const r = spawnSync(BIN, args, { input: body, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/// `hookscope verify` exit code for these headers and body.
function verify(provider, secret, headers, body, extra = []) {
  const args = ["verify", "--provider", provider, "--secret", secret, "--body", "-", ...extra];
  for (const [k, v] of Object.entries(headers)) args.push("--header", `${k}: ${v}`);
  const r = hookscope(args, body);
  return r.code === 0 ? true : `exit ${r.code}: ${r.out}${r.err}`;
}

function refuses(provider, secret, headers, body, extra = []) {
  const r = verify(provider, secret, headers, body, extra);
  return r === true ? "tampered body was accepted" : r.startsWith("exit 1") ? true : r;
}

/// `hookscope sign` output as a header object.
function sign(provider, secret, body, extra = []) {
  const r = hookscope(["sign", "--provider", provider, "--secret", secret, "--body", "-", ...extra], body);
  if (r.code !== 0) throw new Error(`sign exit ${r.code}: ${r.err}`);
  const headers = {};
  for (const line of r.out.split("\n")) {
    const i = line.indexOf(": ");
    if (i > 0) headers[line.slice(0, i)] = line.slice(i + 2);
  }
  return headers;
}

const lower = (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const now = Math.floor(Date.now() / 1000);
const body = JSON.stringify({ id: "evt_interop", type: "ping", data: { name: "café", path: "a/b" } });
const tampered = body.replace("ping", "pong");

// Stripe
{
  const Stripe = require("stripe");
  const stripe = new Stripe("sk_test_interop_not_a_real_key");
  const secret = "whsec_interop_stripe_secret";
  const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: now });
  await check("stripe: SDK signs -> hookscope verify", () => verify("stripe", secret, { "Stripe-Signature": header }, body));
  await check("stripe: tampered -> hookscope refuses", () => refuses("stripe", secret, { "Stripe-Signature": header }, tampered));
  await check("stripe: hookscope sign -> SDK constructEvent", () => {
    const h = sign("stripe", secret, body);
    return stripe.webhooks.constructEvent(body, h["Stripe-Signature"], secret).id === "evt_interop";
  });
}

// GitHub
{
  const { sign: ghSign, verify: ghVerify } = await import("@octokit/webhooks-methods");
  const secret = "interop-github-secret";
  const sig = await ghSign(secret, body);
  await check("github: octokit signs -> hookscope verify", () => verify("github", secret, { "X-Hub-Signature-256": sig }, body));
  await check("github: tampered -> hookscope refuses", () => refuses("github", secret, { "X-Hub-Signature-256": sig }, tampered));
  await check("github: hookscope sign -> octokit verify", async () => {
    const h = sign("github", secret, body);
    return await ghVerify(secret, body, h["X-Hub-Signature-256"]);
  });
}

// Standard Webhooks and Svix
for (const [provider, mod, prefix] of [["standard-webhooks", "standardwebhooks", "webhook"], ["svix", "svix", "svix"]]) {
  const { Webhook } = require(mod);
  const secret = "whsec_" + crypto.randomBytes(24).toString("base64");
  const wh = new Webhook(secret);
  const id = "msg_interop_" + provider;
  const sig = wh.sign(id, new Date(now * 1000), body);
  const headers = { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(now), [`${prefix}-signature`]: sig };
  await check(`${provider}: SDK signs -> hookscope verify`, () => verify(provider, secret, headers, body));
  await check(`${provider}: tampered -> hookscope refuses`, () => refuses(provider, secret, headers, tampered));
  await check(`${provider}: hookscope sign -> SDK verify`, () => {
    const h = sign(provider, secret, body, ["--id", id]);
    const event = wh.verify(body, lower(h));
    return event.id === "evt_interop";
  });
}

// Twilio: form parameters, and the JSON variant with bodySHA256
{
  const twilio = require("twilio");
  const token = "12345678901234567890123456789012";
  const url = "https://interop.example.com/voice?tenant=7";
  const params = { CallSid: "CA123", From: "+15550001111", Digits: "42", Body: "hé llo/?" };
  const form = new URLSearchParams(params).toString();
  const sig = twilio.getExpectedTwilioSignature(token, url, params);
  const ct = { "Content-Type": "application/x-www-form-urlencoded" };
  await check("twilio: SDK signs form -> hookscope verify", () =>
    verify("twilio", token, { ...ct, "X-Twilio-Signature": sig }, form, ["--url", url]));
  await check("twilio: tampered form -> hookscope refuses", () =>
    refuses("twilio", token, { ...ct, "X-Twilio-Signature": sig }, form.replace("42", "43"), ["--url", url]));
  await check("twilio: hookscope sign form -> SDK validateRequest", () => {
    const h = sign("twilio", token, form, ["--url", url, "--header", "Content-Type: application/x-www-form-urlencoded"]);
    return twilio.validateRequest(token, h["X-Twilio-Signature"], url, params);
  });
  const jsonUrl = `${url}&bodySHA256=${crypto.createHash("sha256").update(body).digest("hex")}`;
  const jsonSig = twilio.getExpectedTwilioSignature(token, jsonUrl, {});
  const jct = { "Content-Type": "application/json" };
  await check("twilio: SDK signs JSON (bodySHA256) -> hookscope verify", () =>
    verify("twilio", token, { ...jct, "X-Twilio-Signature": jsonSig }, body, ["--url", jsonUrl]));
  await check("twilio: hookscope sign JSON -> SDK validateRequestWithBody", () => {
    const h = sign("twilio", token, body, ["--url", jsonUrl, "--header", "Content-Type: application/json"]);
    return twilio.validateRequestWithBody(token, h["X-Twilio-Signature"], jsonUrl, body);
  });
}

// Discord: the SDK only verifies, so Node's Ed25519 plays Discord's side.
{
  const { verifyKey } = require("discord-interactions");
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seedHex = Buffer.from(jwk.d, "base64url").toString("hex");
  const publicHex = Buffer.from(jwk.x, "base64url").toString("hex");
  const ts = String(now);
  const sig = crypto.sign(null, Buffer.from(ts + body), privateKey).toString("hex");
  const headers = { "X-Signature-Ed25519": sig, "X-Signature-Timestamp": ts };
  await check("discord: Ed25519 signs -> hookscope verify", () => verify("discord", publicHex, headers, body));
  await check("discord: tampered -> hookscope refuses", () => refuses("discord", publicHex, headers, tampered));
  await check("discord: hookscope sign -> discord-interactions verifyKey", async () => {
    const h = sign("discord", seedHex, body);
    return await verifyKey(body, h["X-Signature-Ed25519"], h["X-Signature-Timestamp"], publicHex);
  });
  void publicKey;
}

// Replay: a running `hookscope serve` re-signs an edited delivery for a
// local server verifying with each SDK.
await replayChecks(BIN, check);

// Sample events from `hookscope trigger`, checked by the SDKs.
await sampleChecks(BIN, check);

// Slack, through the Python SDK
{
  const r = spawnSync("python3", [path.join(here, "slack_check.py")], { encoding: "utf8", env: process.env });
  for (const line of (r.stdout || "").split("\n").filter(Boolean)) {
    const ok = line.startsWith("ok");
    if (ok) passed++;
    else failed++;
    console.log(line);
  }
  if (r.status !== 0 && !(r.stdout || "").includes("FAIL")) report("slack: python check ran", false, r.stderr);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
