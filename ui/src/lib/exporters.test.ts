import { describe, expect, it } from 'vitest';
import { rawHead, shellQuote, toCurl } from './exporters';
import type { Delivery } from './types';

function delivery(over: Partial<Delivery> = {}): Delivery {
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
    http_version: 'HTTP/1.1',
    remote_addr: '127.0.0.1:5555',
    duration_us: 120,
    headers: [
      { name: 'Host', value: '127.0.0.1:8787' },
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Stripe-Signature', value: "t=1,v1=it's" },
      { name: 'Content-Length', value: '11' },
    ],
    body: '',
    body_text: null,
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
