// The replay editor's logic, kept pure so it is tested without a DOM: header
// rows and form fields to and from what is sent, and the smallest
// `ReplayRequest` that says what was changed (what is left out is sent as
// captured, byte for byte).

import type { Header, Provider, ReplayRequest } from './generated/types';
import { contentEncodings, looksLikeText, parseUrlEncoded } from './body';
import { headerText } from './headers';
import { jsonLines } from './json';

let nextKey = 1;
/** A key for `{#each}`: rows move, so their index is no identity. */
export function rowKey(): number {
  return nextKey++;
}

/** A header as the editor shows it; `original` is the captured one it started as. */
export interface HeaderRow {
  key: number;
  name: string;
  value: string;
  original: Header | null;
}

export interface FormRow {
  key: number;
  name: string;
  value: string;
}

export function headerRows(headers: Header[]): HeaderRow[] {
  return headers.map((h) => ({ key: rowKey(), name: h.name, value: headerText(h), original: h }));
}

/**
 * The headers to send, in order. A row left as it was gives back its
 * original header exactly (a value that is not UTF-8 stays base64); rows
 * with neither name nor value are left out.
 */
export function rowsToHeaders(rows: Pick<HeaderRow, 'name' | 'value' | 'original'>[]): Header[] {
  const out: Header[] = [];
  for (const row of rows) {
    const name = row.name.trim();
    if (!name && !row.value) continue;
    const o = row.original;
    if (o && o.name === name && headerText(o) === row.value) {
      out.push(o.encoding ? { name: o.name, value: o.value, encoding: o.encoding } : { name: o.name, value: o.value });
    } else {
      out.push({ name, value: row.value });
    }
  }
  return out;
}

/** Whether `edited` differs from `original` in any name, value or the order. */
export function headersChanged(original: Header[], edited: Header[]): boolean {
  if (original.length !== edited.length) return true;
  return original.some((h, i) => {
    const e = edited[i];
    if (h.name !== e.name) return true;
    if (h.value === e.value && (h.encoding ?? null) === (e.encoding ?? null)) return false;
    return headerText(h) !== headerText(e);
  });
}

/** The fields of a form-urlencoded body, decoded. */
export function bodyToForm(text: string): FormRow[] {
  return parseUrlEncoded(text).map((f) => ({ key: rowKey(), name: f.name, value: f.value }));
}

/** Fields back to a form-urlencoded body (`+` for spaces, the rest percent-encoded); empty rows are left out. */
export function formToBody(rows: Pick<FormRow, 'name' | 'value'>[]): string {
  const params = new URLSearchParams();
  for (const r of rows) if (r.name || r.value) params.append(r.name, r.value);
  return params.toString();
}

function essence(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export function isJsonType(contentType: string | null | undefined): boolean {
  const t = essence(contentType);
  return t === 'application/json' || t.endsWith('+json') || t.endsWith('/json');
}

export function isFormType(contentType: string | null | undefined): boolean {
  return essence(contentType) === 'application/x-www-form-urlencoded';
}

/** The first value of a header among rows or headers, by name in any case. */
export function findHeader(rows: Pick<HeaderRow, 'name' | 'value'>[], name: string): string | null {
  const lower = name.toLowerCase();
  return rows.find((r) => r.name.trim().toLowerCase() === lower)?.value ?? null;
}

/** Whether `text` is one JSON value. */
export function parsesAsJson(text: string): boolean {
  return text.trim() !== '' && jsonError(text) === null;
}

/** Why `text` is not JSON, or null when it is (or is empty: no body is no error). */
export function jsonError(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Pretty JSON, two spaces, keeping every number and string exactly as
 * written (JSON.parse would round 12345678901234567890 and undo escapes).
 * Throws when the text is not JSON.
 */
export function formatJson(text: string): string {
  const lines = jsonLines(text);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const lead = '  '.repeat(l.depth) + (l.key !== null ? `"${l.key}": ` : '');
    if (l.kind === 'open' && l.count === 0 && l.end !== undefined) {
      const close = lines[l.end];
      out.push(`${lead}${l.text}${close.text}${close.comma ? ',' : ''}`);
      i = l.end;
    } else {
      out.push(`${lead}${l.text}${l.comma ? ',' : ''}`);
    }
  }
  return out.join('\n');
}

/**
 * The body as editable text, or null when it can only be sent as captured:
 * not UTF-8, not text, or compressed (`Content-Encoding`).
 */
export function editableText(bytes: Uint8Array, headers: Header[], truncated = false): string | null {
  const encodings = contentEncodings(headers);
  if (encodings === null || encodings.length > 0) return null;
  // A truncated body may end in the middle of a character: that part is dropped, not refused.
  const body = truncated ? bytes.subarray(0, completeUtf8(bytes)) : bytes;
  if (body.length === 0) return '';
  if (!looksLikeText(body)) return null;
  try {
    // ignoreBOM: a byte-order mark stays in the text, so an edit keeps it.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return null;
  }
}

/** The length of `bytes` without a multi-byte UTF-8 sequence cut short at its end. */
function completeUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** What the delivery was, as the editor compares against it. */
export interface Captured {
  method: string;
  headers: Header[];
  /** The body as text; null when it is not editable (sent as captured). */
  body: string | null;
  /** Only the start of the body was kept: it cannot be sent as captured, so the text shown is sent. */
  truncated?: boolean;
}

/** The editor's fields. */
export interface ReplayForm {
  to: string;
  method: string;
  headers: Header[];
  /** Null: the captured bytes. */
  body: string | null;
  resign: boolean;
  /** '' for the endpoint's. */
  provider: Provider | '';
  secret: string;
  newEventId: boolean;
  keepHost: boolean;
  insecure: boolean;
  /** Kept from a draft that had one; the editor has no field for it. */
  timeoutS?: number;
  /** A binary body edited as hex (null: not edited, the captured bytes go). */
  hexBody?: string | null;
}

/** Bytes as hex pairs, 16 to a line: what the hex editor shows. */
export function bytesToHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.join('\n');
}

/** The bytes hex text spells (whitespace ignored), or why it spells none. */
export function hexToBytes(text: string): Uint8Array | string {
  const digits = text.replace(/\s+/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) return `not a hex digit: ${JSON.stringify(bad[0])}`;
  if (digits.length % 2) return 'an odd number of hex digits: each byte is two';
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function bodyEdited(captured: Captured, form: Pick<ReplayForm, 'body'>): boolean {
  return captured.body !== null && form.body !== null && form.body !== captured.body;
}

/** The smallest request that sends `form`: what is as captured is left out. */
export function buildRequest(captured: Captured, form: ReplayForm): ReplayRequest {
  const req: ReplayRequest = {};
  const to = form.to.trim();
  if (to) req.to = to;
  const method = form.method.trim();
  if (method && method !== captured.method) req.method = method;
  if (headersChanged(captured.headers, form.headers)) req.headers = form.headers.map((h) => ({ ...h }));
  if (captured.body !== null && form.body !== null && (form.body !== captured.body || captured.truncated)) {
    req.body = form.body;
  }
  if (captured.body === null && form.hexBody != null) {
    const bytes = hexToBytes(form.hexBody);
    if (typeof bytes !== 'string') {
      req.body = toBase64(bytes);
      req.body_encoding = 'base64';
    }
  }
  if (form.resign) {
    req.resign = true;
    if (form.provider) req.provider = form.provider;
    const secret = form.secret.trim();
    if (secret) req.secret = secret;
    if (form.newEventId) req.new_event_id = true;
  }
  if (form.keepHost) req.keep_host = true;
  if (form.insecure) req.insecure = true;
  if (form.timeoutS !== undefined) req.timeout_s = form.timeoutS;
  return req;
}

function base64Bytes(b64: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Replaces every header called `name` with one, in the first one's place, or appends it (as the core does). */
function setHeader(headers: Header[], h: Header): Header[] {
  const lower = h.name.toLowerCase();
  const first = headers.findIndex((x) => x.name.toLowerCase() === lower);
  if (first < 0) return [...headers, h];
  return headers.flatMap((x, i) => (i === first ? [h] : x.name.toLowerCase() === lower ? [] : [x]));
}

/**
 * The editor's fields for a saved request (a draft): what it leaves out is
 * as captured; `set_headers` and `remove_headers` (from the CLI or the API)
 * are applied to the headers, so the rows show what would be sent.
 */
export function formFromRequest(captured: Captured, req: ReplayRequest, fallbackTo = ''): ReplayForm {
  let headers = (req.headers ?? captured.headers).map((h) => ({ ...h }));
  for (const name of req.remove_headers ?? []) {
    headers = headers.filter((h) => h.name.toLowerCase() !== name.toLowerCase());
  }
  for (const h of req.set_headers ?? []) headers = setHeader(headers, { ...h });
  let body = captured.body;
  if (req.body !== undefined && captured.body !== null) {
    if (req.body_encoding === 'base64') {
      const bytes = base64Bytes(req.body);
      const text = bytes ? editableText(bytes, [], true) : null;
      if (text !== null) body = text;
    } else {
      body = req.body;
    }
  }
  return {
    to: req.to ?? fallbackTo,
    method: req.method ?? captured.method,
    headers,
    body,
    resign: !!req.resign,
    provider: req.provider ?? '',
    secret: req.secret ?? '',
    newEventId: !!req.new_event_id,
    keepHost: !!req.keep_host,
    insecure: !!req.insecure,
    timeoutS: req.timeout_s,
  };
}

/** What a draft keeps: the request without its secret (drafts are listed back in full; secrets stay in endpoints). */
export function draftRequest(req: ReplayRequest): ReplayRequest {
  const rest = { ...req };
  delete rest.secret;
  return rest;
}

/** Which line break a text uses, so an edit keeps CRLF bodies CRLF. */
export function lineSeparator(text: string): '\r\n' | '\n' {
  return text.includes('\r\n') ? '\r\n' : '\n';
}
