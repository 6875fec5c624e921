// The raw HTTP request as it arrived, for the Raw tab. Exports (cURL,
// HTTPie, raw, HAR) come from the core: `backend.exportOne` / `exportUrl`.

import type { DeliveryHead } from './generated/types';
import { headerText } from './headers';

/** POSIX shell single quoting: safe for any text, including quotes and newlines. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The request head as it arrived; the body follows as text, or a note when it is binary. */
export function rawHead(d: DeliveryHead): string {
  const target = d.query ? `${d.path}?${d.query}` : d.path;
  const lines = [`${d.method} ${target} ${d.http_version}`];
  for (const h of d.headers) lines.push(`${h.name}: ${headerText(h)}`);
  return lines.join('\r\n') + '\r\n\r\n';
}
