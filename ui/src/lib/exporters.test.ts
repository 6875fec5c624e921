import { describe, expect, it } from 'vitest';
import { rawHead, shellQuote } from './exporters';
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
    source: null,
    tls: false,
    ...over,
  };
}

describe('shellQuote', () => {
  it('survives quotes, dollars and newlines', () => {
    expect(shellQuote("it's $HOME\n`x`")).toBe(`'it'\\''s $HOME\n\`x\`'`);
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
