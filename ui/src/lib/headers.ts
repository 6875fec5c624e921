// Header values cross as text when they are UTF-8, else as base64 with
// `encoding: "base64"` (see the generated `Header`): the bytes are never lost.

import type { Header } from './generated/types';

export function headerBytes(h: Header): Uint8Array {
  if (h.encoding !== 'base64') return new TextEncoder().encode(h.value);
  return Uint8Array.from(atob(h.value), (c) => c.charCodeAt(0));
}

/** The value to show: invalid UTF-8 replaced, as a browser would. */
export function headerText(h: Header): string {
  if (h.encoding !== 'base64') return h.value;
  return new TextDecoder('utf-8', { fatal: false }).decode(headerBytes(h));
}

/**
 * `Name: value` as one bash word that gives back the exact bytes: single
 * quotes for text, ANSI-C quoting (`$'…\xE9…'`) when the value is not UTF-8.
 */
export function shellHeader(h: Header, quote: (s: string) => string): string {
  if (h.encoding !== 'base64') return quote(`${h.name}: ${h.value}`);
  let out = "$'";
  for (const b of new TextEncoder().encode(`${h.name}: `)) out += ansiC(b);
  for (const b of headerBytes(h)) out += ansiC(b);
  return `${out}'`;
}

function ansiC(b: number): string {
  if (b === 0x27) return "\\'";
  if (b === 0x5c) return '\\\\';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}
