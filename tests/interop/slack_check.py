"""Slack interop, with Slack's own Python SDK (pip install slack_sdk):
the SDK signs -> hookscope verify accepts; hookscope sign -> the SDK accepts."""

import os
import subprocess
import sys
import time

from slack_sdk.signature import SignatureVerifier

BIN = os.environ["HOOKSCOPE_BIN"]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather&text=94070"
verifier = SignatureVerifier(signing_secret=SECRET)
failed = 0


def report(name, ok, detail=""):
    global failed
    failed += 0 if ok else 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ' -- ' + detail}")


def hookscope(args, body):
    return subprocess.run([BIN, *args], input=body.encode(), capture_output=True)


ts = str(int(time.time()))
sig = verifier.generate_signature(timestamp=ts, body=BODY)
headers = ["--header", f"X-Slack-Request-Timestamp: {ts}", "--header", f"X-Slack-Signature: {sig}"]
r = hookscope(["verify", "--provider", "slack", "--secret", SECRET, "--body", "-", *headers], BODY)
report("slack: slack_sdk signs -> hookscope verify", r.returncode == 0, r.stdout.decode() + r.stderr.decode())
r = hookscope(["verify", "--provider", "slack", "--secret", SECRET, "--body", "-", *headers], BODY + "x")
report("slack: tampered -> hookscope refuses", r.returncode == 1, r.stdout.decode() + r.stderr.decode())

r = hookscope(["sign", "--provider", "slack", "--secret", SECRET, "--body", "-"], BODY)
signed = dict(line.split(": ", 1) for line in r.stdout.decode().splitlines() if ": " in line)
ok = r.returncode == 0 and verifier.is_valid(
    body=BODY, timestamp=signed.get("X-Slack-Request-Timestamp", ""), signature=signed.get("X-Slack-Signature", "")
)
report("slack: hookscope sign -> slack_sdk is_valid", ok, r.stderr.decode())
sys.exit(1 if failed else 0)
