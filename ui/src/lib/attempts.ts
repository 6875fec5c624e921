// Attempts (replays) as the views need them: an attempt's request or
// response as a body-view subject, and a one-line outcome.

import type { AttemptSummary, DeliveryHead, Sent } from './generated/types';
import { formatSize } from './format';

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** What BodyView needs of a request or response an attempt kept. */
export function bodySubject(sent: Sent): Pick<DeliveryHead, 'headers' | 'content_type' | 'truncated' | 'body_size'> {
  const type = sent.headers.find((h) => h.name.toLowerCase() === 'content-type');
  const bytes = fromBase64(sent.body);
  return {
    headers: sent.headers,
    content_type: type && !type.encoding ? type.value.split(';')[0].trim().toLowerCase() : null,
    truncated: sent.truncated,
    body_size: bytes.length,
  };
}

/** `200`, or `timeout` when the target gave no answer. */
export function outcome(a: AttemptSummary): { text: string; ok: boolean } {
  if (a.status !== null) return { text: String(a.status), ok: a.status >= 200 && a.status < 300 };
  return { text: a.error?.kind ?? 'no answer', ok: false };
}

export function describe(a: AttemptSummary): string {
  const o = outcome(a);
  const why = a.error ? ` — ${a.error.message}` : '';
  return `${o.text} in ${a.duration_ms.toFixed(1)} ms${why}`;
}

export { formatSize };
