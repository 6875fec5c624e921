// Reading a body for display: undo a content encoding (for viewing only; the
// stored bytes are never changed), pick the best view, and turn bytes into
// hex, form fields or text a piece at a time so a 25 MB body never blocks.

import type { Header } from './generated/types';
import { headerText } from './headers';

export type BodyFormat = 'json' | 'form' | 'multipart' | 'text' | 'binary' | 'empty';
export type Encoding = 'gzip' | 'deflate' | 'br';

export function headerValue(headers: Header[], name: string): string | null {
  const lower = name.toLowerCase();
  const found = headers.find((h) => h.name.toLowerCase() === lower);
  return found ? headerText(found) : null;
}

/** The content encodings applied, outermost last, that the UI can undo. */
export function contentEncodings(headers: Header[]): Encoding[] | null {
  const raw = headerValue(headers, 'content-encoding');
  if (!raw) return [];
  const codings = raw
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  const known: Encoding[] = [];
  for (const c of codings) {
    if (c === 'gzip' || c === 'x-gzip') known.push('gzip');
    else if (c === 'deflate') known.push('deflate');
    else if (c === 'br') known.push('br');
    else return null;
  }
  return known;
}

async function pipe(bytes: Uint8Array, format: CompressionFormat): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Undoes one encoding; `deflate` bodies in the wild are zlib or raw, so both are tried. */
export async function decode(bytes: Uint8Array, encoding: Encoding): Promise<Uint8Array> {
  switch (encoding) {
    case 'gzip':
      return pipe(bytes, 'gzip');
    case 'deflate':
      try {
        return await pipe(bytes, 'deflate');
      } catch {
        return pipe(bytes, 'deflate-raw');
      }
    case 'br': {
      const { decompress } = await import('brotli/decompress');
      return decompress(bytes);
    }
  }
}

/** Undoes every encoding, innermost first (the header lists them in the order applied). */
export async function decodeAll(bytes: Uint8Array, encodings: Encoding[]): Promise<Uint8Array> {
  let out = bytes;
  for (const e of [...encodings].reverse()) out = await decode(out, e);
  return out;
}

function essence(contentType: string | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Whether the bytes read as UTF-8 text (looking at a prefix is enough to choose a view). */
export function looksLikeText(bytes: Uint8Array, sample = 64 * 1024): boolean {
  const head = bytes.subarray(0, sample);
  let suspicious = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) suspicious++;
  }
  if (suspicious > head.length / 100) return false;
  // A cut in the middle of a multi-byte character at the sample's end is not an error.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const replacements = text.split('\uFFFD').length - 1;
  return replacements <= (bytes.length > sample ? 1 : 0);
}

function firstNonSpace(bytes: Uint8Array): number {
  for (const b of bytes.subarray(0, 1024)) {
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

/** The view that suits a body best; the others stay one click away. */
export function detectFormat(contentType: string | null, bytes: Uint8Array): BodyFormat {
  if (bytes.length === 0) return 'empty';
  const type = essence(contentType);
  if (type === 'application/x-www-form-urlencoded' && looksLikeText(bytes)) return 'form';
  if (type === 'multipart/form-data' && boundaryOf(contentType)) return 'multipart';
  const first = firstNonSpace(bytes);
  const jsonish = type.endsWith('json') || type.endsWith('+json');
  if ((jsonish || first === 0x7b || first === 0x5b) && looksLikeText(bytes)) {
    if (jsonish || first === 0x7b || first === 0x5b) return 'json';
  }
  if (looksLikeText(bytes)) return 'text';
  return 'binary';
}

/** Text from bytes, lossily; invalid sequences show as U+FFFD. */
export function toText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A classic hex dump: offset, 16 bytes, their printable ASCII. `offset` is where `bytes` starts. */
export function hexDump(bytes: Uint8Array, offset = 0): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    let hex = '';
    let ascii = '';
    for (let j = 0; j < 16; j++) {
      if (j < row.length) {
        hex += HEX[row[j]] + (j === 7 ? '  ' : ' ');
        ascii += row[j] >= 0x20 && row[j] < 0x7f ? String.fromCharCode(row[j]) : '.';
      } else {
        hex += j === 7 ? '    ' : '   ';
      }
    }
    lines.push(`${(offset + i).toString(16).padStart(8, '0')}  ${hex} ${ascii}`);
  }
  return lines.join('\n');
}

export interface FormField {
  name: string;
  value: string;
  /** For multipart parts. */
  filename?: string;
  contentType?: string;
  size?: number;
  binary?: boolean;
}

export function parseUrlEncoded(text: string): FormField[] {
  const fields: FormField[] = [];
  for (const [name, value] of new URLSearchParams(text)) fields.push({ name, value });
  return fields;
}

export function boundaryOf(contentType: string | null): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The parts of a multipart body; values over 64 KB or not text are summarised, not shown. */
export function parseMultipart(bytes: Uint8Array, boundary: string, maxParts = 1000): FormField[] {
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${boundary}`);
  const fields: FormField[] = [];
  let pos = indexOf(bytes, delimiter, 0);
  while (pos >= 0 && fields.length < maxParts) {
    let start = pos + delimiter.length;
    if (bytes[start] === 0x2d && bytes[start + 1] === 0x2d) break; // closing delimiter
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] === 0x0a) start++;
    const next = indexOf(bytes, delimiter, start);
    if (next < 0) break;
    let end = next;
    if (bytes[end - 1] === 0x0a) end--;
    if (bytes[end - 1] === 0x0d) end--;
    const part = bytes.subarray(start, end);
    const blank = indexOf(part, enc.encode('\r\n\r\n'), 0);
    const headEnd = blank >= 0 ? blank : indexOf(part, enc.encode('\n\n'), 0);
    const head = headEnd >= 0 ? toText(part.subarray(0, headEnd)) : '';
    const content = headEnd >= 0 ? part.subarray(headEnd + (blank >= 0 ? 4 : 2)) : part;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? /\bname=([^;\s]+)/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1]?.trim();
    const text = content.length <= 64 * 1024 && looksLikeText(content);
    fields.push({
      name,
      value: text ? toText(content) : '',
      filename,
      contentType,
      size: content.length,
      binary: !text,
    });
    pos = next;
  }
  return fields;
}
