import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rawHead, shellQuote, toCurl } from './exporters';
import type { DeliveryHead } from './generated/types';

function delivery(over: Partial<DeliveryHead> = {}): DeliveryHead {
  return {
    id: 'dlv_0000000000001',
    received_at_us: 1_764_000_000_000_000,
    method: 'POST',
    path: '/stripe/webhook',
    query: 'acct=42',
    status: 200,
    body_size: 0,
    content_type: 'application/json',
    truncated: false,
    pinned: false,
    provider: null,
    verdict: null,
    event_id: null,
    duplicates: 0,
    forward: null,
    http_version: 'HTTP/1.1',
    remote_addr: '127.0.0.1:5555',
    duration_us: 120,
    headers: [
      { name: 'Host', value: '127.0.0.1:8787' },
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Stripe-Signature', value: "t=1,v1=it's" },
      { name: 'Content-Length', value: '11' },
    ],
    response: { status: 200, headers: [], body: '' },
    ...over,
  };
}

const enc = new TextEncoder();

describe('shellQuote', () => {
  it('survives quotes, dollars and newlines', () => {
    expect(shellQuote("it's $HOME\n`x`")).toBe(`'it'\\''s $HOME\n\`x\`'`);
  });
});

describe('toCurl', () => {
  it('sends a text body to the capture URL with the original headers', () => {
    const cmd = toCurl(delivery(), enc.encode('{"a":"b c"}'), 'http://127.0.0.1:8787/');
    expect(cmd).toBe(
      "curl -X 'POST' 'http://127.0.0.1:8787/stripe/webhook?acct=42' -H 'Content-Type: application/json' " +
        "-H 'Stripe-Signature: t=1,v1=it'\\''s' --data-binary '{\"a\":\"b c\"}'",
    );
  });

  it('gives back the exact bytes of a header value that is not UTF-8, run by bash', () => {
    // "café" in Latin-1, a quote and a backslash: what the core sends as base64.
    const value = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x27, 0x5c, 0x80]);
    const h = { name: 'X-Latin1', value: btoa(String.fromCharCode(...value)), encoding: 'base64' as const };
    const cmd = toCurl(delivery({ method: 'GET', query: null, headers: [h] }), new Uint8Array(), 'http://h');
    // A stand-in `curl` that prints its arguments, NUL-separated, byte for byte.
    const out = execFileSync('bash', ['-c', `curl() { printf '%s\\0' "$@"; }; ${cmd}`]);
    const args = out.toString('latin1').split('\0');
    const header = args[args.indexOf('-H') + 1];
    expect(Buffer.from(header, 'latin1')).toEqual(Buffer.concat([Buffer.from('X-Latin1: '), Buffer.from(value)]));
  });

  it('leaves out the method for a bodiless GET', () => {
    const cmd = toCurl(delivery({ method: 'GET', query: null, headers: [] }), new Uint8Array(), 'http://h');
    expect(cmd).toBe("curl 'http://h/stripe/webhook'");
  });

  it('pipes binary bodies through base64 so every byte survives', () => {
    const cmd = toCurl(delivery({ headers: [] }), new Uint8Array([0, 255, 10]), 'http://h');
    expect(cmd).toBe("printf %s 'AP8K' | base64 -d | curl -X 'POST' 'http://h/stripe/webhook?acct=42' --data-binary @-");
  });
});

describe('rawHead', () => {
  it('rebuilds the request line and headers in arrival order', () => {
    expect(rawHead(delivery()).split('\r\n').slice(0, 3)).toEqual([
      'POST /stripe/webhook?acct=42 HTTP/1.1',
      'Host: 127.0.0.1:8787',
      'Content-Type: application/json',
    ]);
  });
});
