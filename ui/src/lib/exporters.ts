// A delivery as something to paste: a cURL command that sends it again, and
// the raw HTTP request as it arrived.

import { looksLikeText, toText } from './body';
import type { DeliveryHead } from './generated/types';
import { headerText, shellHeader } from './headers';

/** POSIX shell single quoting: safe for any text, including quotes and newlines. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Set by curl itself, or meaningless for a new connection.
const SKIP = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'expect']);

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * A cURL command that sends the delivery to `baseUrl` (the capture URL, so a
 * resend lands in Hookscope again). Binary bodies travel through base64.
 */
export function toCurl(d: DeliveryHead, body: Uint8Array, baseUrl: string): string {
  const url = `${baseUrl.replace(/\/$/, '')}${d.path}${d.query ? `?${d.query}` : ''}`;
  const parts = ['curl'];
  if (d.method !== 'GET' || body.length) parts.push('-X', shellQuote(d.method));
  parts.push(shellQuote(url));
  for (const h of d.headers) {
    if (SKIP.has(h.name.toLowerCase())) continue;
    parts.push('-H', shellHeader(h, shellQuote));
  }
  const encoded = d.headers.some((h) => h.name.toLowerCase() === 'content-encoding');
  if (body.length === 0) return parts.join(' ');
  if (!encoded && looksLikeText(body)) {
    parts.push('--data-binary', shellQuote(toText(body)));
    return parts.join(' ');
  }
  parts.push('--data-binary', '@-');
  return `printf %s ${shellQuote(base64(body))} | base64 -d | ${parts.join(' ')}`;
}

/** The request head as it arrived; the body follows as text, or a note when it is binary. */
export function rawHead(d: DeliveryHead): string {
  const target = d.query ? `${d.path}?${d.query}` : d.path;
  const lines = [`${d.method} ${target} ${d.http_version}`];
  for (const h of d.headers) lines.push(`${h.name}: ${headerText(h)}`);
  return lines.join('\r\n') + '\r\n\r\n';
}
