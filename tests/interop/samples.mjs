// Sample events (`hookscope trigger PROVIDER --to URL --secret S`) checked
// by each provider's own SDK, on what a local server actually received.

import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import http from "node:http";
import { createRequire } from "node:module";
import { verify as ghVerify } from "@octokit/webhooks-methods";

const require = createRequire(import.meta.url);

function receiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, got, port: server.address().port })));
}

/// Adds the sample checks through the suite's `check(name, fn)`.
export async function sampleChecks(BIN, check) {
  const r = await receiver();
  const base = `http://127.0.0.1:${r.port}`;
  // Asynchronous: the receiver answers from this process's event loop.
  const trigger = async (provider, secret, event) => {
    const args = ["trigger", provider, ...(event ? [event] : []), "--to", base, "--secret", secret, "--json"];
    const { stdout } = await promisify(execFile)(BIN, args, { encoding: "utf8", timeout: 20_000 });
    return { sent: JSON.parse(stdout), got: r.got.at(-1) };
  };
  try {
    const stripe = require("stripe")("sk_test_interop");
    for (const event of ["payment_intent.succeeded", "charge.refunded"]) {
      await check(`sample: stripe ${event} -> stripe SDK accepts`, async () => {
        const { got } = await trigger("stripe", "whsec_interop_sample", event);
        return stripe.webhooks.constructEvent(got.body, got.headers["stripe-signature"], "whsec_interop_sample").type === event;
      });
    }
    for (const event of ["push", "pull_request"]) {
      await check(`sample: github ${event} -> @octokit/webhooks-methods accepts`, async () => {
        const { got } = await trigger("github", "gh-interop-secret", event);
        return (await ghVerify("gh-interop-secret", got.body, got.headers["x-hub-signature-256"])) && got.headers["x-github-event"] === event;
      });
    }
    await check("sample: standard-webhooks -> standardwebhooks accepts", async () => {
      const { Webhook } = require("standardwebhooks");
      const secret = "whsec_" + Buffer.from("interop-sample-key-0123456789").toString("base64");
      const { got } = await trigger("standard-webhooks", secret);
      const payload = new Webhook(secret).verify(got.body, {
        "webhook-id": got.headers["webhook-id"],
        "webhook-timestamp": got.headers["webhook-timestamp"],
        "webhook-signature": got.headers["webhook-signature"],
      });
      return payload.type === "invoice.paid";
    });
    await check("sample: discord (the test key pair) -> discord-interactions verifyKey", async () => {
      const { verifyKey } = require("discord-interactions");
      const { sent, got } = await trigger("discord", "unused");
      return await verifyKey(got.body, got.headers["x-signature-ed25519"], got.headers["x-signature-timestamp"], sent.verify_with);
    });
    await check("sample: twilio -> twilio validateRequest", async () => {
      const twilio = require("twilio");
      const { got } = await trigger("twilio", "12345678901234567890123456789012");
      const params = Object.fromEntries(new URLSearchParams(got.body));
      return twilio.validateRequest("12345678901234567890123456789012", got.headers["x-twilio-signature"], `${base}${got.url}`, params);
    });
    await check("sample: slack -> slack_sdk SignatureVerifier", async () => {
      const { got } = await trigger("slack", "8f742231b10e8888abcd99yyyzzz85a5", "app_mention");
      const py = spawnSync(
        "python3",
        ["-c", "import sys,json; from slack_sdk.signature import SignatureVerifier as V; d=json.load(sys.stdin); print(V('8f742231b10e8888abcd99yyyzzz85a5').is_valid(d['body'], d['ts'], d['sig']))"],
        { input: JSON.stringify({ body: got.body, ts: got.headers["x-slack-request-timestamp"], sig: got.headers["x-slack-signature"] }), encoding: "utf8" },
      );
      return py.stdout.trim() === "True" ? true : `${py.stdout}${py.stderr}`;
    });
  } finally {
    r.server.close();
  }
}
