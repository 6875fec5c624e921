import { describe, expect, it } from 'vitest';
import type { Header } from './generated/types';
import {
  bytesToHex,
  hexToBytes,
  bodyEdited,
  bodyToForm,
  buildRequest,
  draftRequest,
  editableText,
  formatJson,
  formFromRequest,
  formToBody,
  headerRows,
  headersChanged,
  jsonError,
  lineSeparator,
  parsesAsJson,
  rowsToHeaders,
  type Captured,
  type ReplayForm,
} from './replay';

const enc = new TextEncoder();

// 0xE9 alone is not UTF-8: it crosses as base64.
const latin1: Header = { name: 'X-Name', value: btoa(String.fromCharCode(0x63, 0x61, 0x66, 0xe9)), encoding: 'base64' };
const headers: Header[] = [
  { name: 'Content-Type', value: 'application/json' },
  latin1,
  { name: 'Stripe-Signature', value: 't=1,v1=abc' },
];
const captured: Captured = { method: 'POST', headers, body: '{"a":1}' };

function form(over: Partial<ReplayForm> = {}): ReplayForm {
  return {
    to: 'http://127.0.0.1:3000',
    method: 'POST',
    headers: rowsToHeaders(headerRows(headers)),
    body: '{"a":1}',
    resign: false,
    provider: '',
    secret: '',
    newEventId: false,
    keepHost: false,
    insecure: false,
    ...over,
  };
}

describe('header rows', () => {
  it('give back untouched headers exactly, base64 included', () => {
    const back = rowsToHeaders(headerRows(headers));
    expect(back).toEqual(headers);
    expect(headersChanged(headers, back), 'nothing edited').toBe(false);
  });

  it('send an edited non-UTF-8 value as text', () => {
    const rows = headerRows(headers);
    rows[1].value = 'cafe';
    const back = rowsToHeaders(rows);
    expect(back[1]).toEqual({ name: 'X-Name', value: 'cafe' });
    expect(headersChanged(headers, back)).toBe(true);
  });

  it('keep the original when a value is edited back to what it was', () => {
    const rows = headerRows(headers);
    const shown = rows[1].value;
    rows[1].value = 'x';
    rows[1].value = shown;
    expect(rowsToHeaders(rows)[1]).toEqual(latin1);
  });

  it('notice a reorder, a removal, an addition and a renamed header', () => {
    const rows = headerRows(headers);
    expect(headersChanged(headers, rowsToHeaders([rows[1], rows[0], rows[2]])), 'reordered').toBe(true);
    expect(headersChanged(headers, rowsToHeaders(rows.slice(1))), 'removed').toBe(true);
    expect(headersChanged(headers, rowsToHeaders([...rows, { key: 0, name: 'X-New', value: '1', original: null }])), 'added').toBe(true);
    const renamed = headerRows(headers);
    renamed[0].name = 'content-type';
    expect(headersChanged(headers, rowsToHeaders(renamed)), 'case is kept as typed').toBe(true);
  });

  it('leave out blank rows and trim names', () => {
    const rows = [...headerRows(headers), { key: 0, name: '  ', value: '', original: null }];
    expect(headersChanged(headers, rowsToHeaders(rows)), 'an empty added row changes nothing').toBe(false);
    expect(rowsToHeaders([{ name: ' X-A ', value: ' v ', original: null }])).toEqual([{ name: 'X-A', value: ' v ' }]);
  });
});

describe('form bodies', () => {
  it('decode fields and encode them back', () => {
    const rows = bodyToForm('a=1&msg=hello+world&sym=%26%3D%25&empty=');
    expect(rows.map((r) => [r.name, r.value])).toEqual([
      ['a', '1'],
      ['msg', 'hello world'],
      ['sym', '&=%'],
      ['empty', ''],
    ]);
    expect(formToBody(rows)).toBe('a=1&msg=hello+world&sym=%26%3D%25&empty=');
  });

  it('encode what needs it and keep repeated names in order', () => {
    expect(
      formToBody([
        { name: 'k', value: 'a b' },
        { name: 'k', value: 'é/?' },
        { name: 'x y', value: '+' },
      ]),
    ).toBe('k=a+b&k=%C3%A9%2F%3F&x+y=%2B');
  });

  it('leave out empty rows', () => {
    expect(formToBody([{ name: '', value: '' }, { name: 'a', value: '' }])).toBe('a=');
  });
});

describe('buildRequest', () => {
  it('sends only the target when nothing changed', () => {
    expect(buildRequest(captured, form())).toEqual({ to: 'http://127.0.0.1:3000' });
  });

  it('leaves out an empty target (the last one is used)', () => {
    expect(buildRequest(captured, form({ to: '  ' }))).toEqual({});
  });

  it('includes a changed method, headers and body', () => {
    const rows = headerRows(headers);
    rows.splice(2, 1);
    const req = buildRequest(captured, form({ method: 'PUT', headers: rowsToHeaders(rows), body: '{"a":2}' }));
    expect(req).toEqual({
      to: 'http://127.0.0.1:3000',
      method: 'PUT',
      headers: [headers[0], latin1],
      body: '{"a":2}',
    });
  });

  it('never sends an uneditable (binary) body', () => {
    const bin: Captured = { ...captured, body: null };
    expect(buildRequest(bin, form({ body: null }))).toEqual({ to: 'http://127.0.0.1:3000' });
    expect(bodyEdited(bin, { body: null })).toBe(false);
  });

  it('sends a truncated text body even unedited: the captured one cannot be sent', () => {
    expect(buildRequest({ ...captured, truncated: true }, form()).body).toBe('{"a":1}');
  });

  it('sets flags only when on, and re-signing options only with resign', () => {
    expect(buildRequest(captured, form({ provider: 'stripe', secret: 's', newEventId: true, keepHost: true, insecure: true }))).toEqual({
      to: 'http://127.0.0.1:3000',
      keep_host: true,
      insecure: true,
    });
    expect(buildRequest(captured, form({ resign: true, provider: 'stripe', secret: ' whsec_1 ', newEventId: true }))).toEqual({
      to: 'http://127.0.0.1:3000',
      resign: true,
      provider: 'stripe',
      secret: 'whsec_1',
      new_event_id: true,
    });
    expect(buildRequest(captured, form({ resign: true }))).toEqual({ to: 'http://127.0.0.1:3000', resign: true });
  });

  it('notices an edited body', () => {
    expect(bodyEdited(captured, { body: '{"a":1}' })).toBe(false);
    expect(bodyEdited(captured, { body: '{"a":1} ' })).toBe(true);
  });
});

describe('formFromRequest (drafts)', () => {
  it('loads what a draft sets and keeps the rest as captured', () => {
    const f = formFromRequest(captured, { method: 'PATCH', body: '[]', resign: true, keep_host: true, timeout_s: 5 }, 'http://x');
    expect(f).toMatchObject({ to: 'http://x', method: 'PATCH', body: '[]', resign: true, keepHost: true, insecure: false, timeoutS: 5 });
    expect(f.headers).toEqual(headers);
    expect(buildRequest(captured, f)).toEqual({ to: 'http://x', method: 'PATCH', body: '[]', resign: true, keep_host: true, timeout_s: 5 });
  });

  it('applies set_headers and remove_headers to the rows', () => {
    const f = formFromRequest(captured, {
      remove_headers: ['stripe-signature'],
      set_headers: [
        { name: 'content-type', value: 'text/plain' },
        { name: 'X-Added', value: '1' },
      ],
    });
    expect(f.headers).toEqual([{ name: 'content-type', value: 'text/plain' }, latin1, { name: 'X-Added', value: '1' }]);
  });

  it('reads a base64 body that is text', () => {
    expect(formFromRequest(captured, { body: btoa('{"b":2}'), body_encoding: 'base64' }).body).toBe('{"b":2}');
  });

  it('round-trips a built request', () => {
    const edited = form({ method: 'PUT', body: 'x', resign: true, provider: 'github', insecure: true });
    expect(buildRequest(captured, formFromRequest(captured, buildRequest(captured, edited)))).toEqual(buildRequest(captured, edited));
  });

  it('keeps secrets out of drafts', () => {
    expect(draftRequest({ resign: true, secret: 's', to: 'http://x' })).toEqual({ resign: true, to: 'http://x' });
  });
});

describe('JSON', () => {
  it('formats keeping numbers and escapes exactly', () => {
    const src = '{"big":12345678901234567890,"s":"a\\u00e9\\/b","e":{},"l":[],"n":[1,{"x":null}]}';
    expect(formatJson(src)).toBe(
      [
        '{',
        '  "big": 12345678901234567890,',
        '  "s": "a\\u00e9\\/b",',
        '  "e": {},',
        '  "l": [],',
        '  "n": [',
        '    1,',
        '    {',
        '      "x": null',
        '    }',
        '  ]',
        '}',
      ].join('\n'),
    );
  });

  it('formats like JSON.stringify for ordinary documents', () => {
    const doc = { id: 'evt_1', n: 1.5, ok: true, list: [1, 'two', { three: 3 }], nested: { a: { b: 'c' } }, empty: [] };
    expect(formatJson(JSON.stringify(doc))).toBe(JSON.stringify(doc, null, 2));
  });

  it('throws on invalid JSON', () => {
    expect(() => formatJson('{"a":')).toThrow();
  });

  it('says why text is not JSON', () => {
    expect(jsonError('{"a":1}')).toBeNull();
    expect(jsonError(''), 'no body is no error').toBeNull();
    expect(jsonError('{"a":}')).toMatch(/./);
    expect(parsesAsJson('  [1]')).toBe(true);
    expect(parsesAsJson('')).toBe(false);
    expect(parsesAsJson('a=1')).toBe(false);
  });
});

describe('editableText', () => {
  it('is the text of a UTF-8 body, BOM and CRLF kept', () => {
    expect(editableText(enc.encode('\uFEFFa\r\nb'), [])).toBe('\uFEFFa\r\nb');
    expect(editableText(new Uint8Array(), [])).toBe('');
  });

  it('is null for bodies only sendable as captured', () => {
    expect(editableText(new Uint8Array([0x68, 0xff, 0xfe, 0x69]), []), 'not UTF-8').toBeNull();
    expect(editableText(new Uint8Array([0, 1, 2]), []), 'binary').toBeNull();
    expect(editableText(enc.encode('{"a":1}'), [{ name: 'Content-Encoding', value: 'gzip' }]), 'compressed').toBeNull();
    expect(editableText(enc.encode('{"a":1}'), [{ name: 'Content-Encoding', value: 'zstd' }]), 'unknown coding').toBeNull();
  });

  it('accepts a truncated body cut in the middle of a character', () => {
    const cut = enc.encode('abé').subarray(0, 3);
    expect(editableText(cut, [], true)).toBe('ab');
    expect(editableText(enc.encode('abé'), [], true), 'a whole character stays').toBe('abé');
    expect(editableText(cut, []), 'not truncated: not UTF-8').toBeNull();
  });

  it('picks the line separator', () => {
    expect(lineSeparator('a\r\nb')).toBe('\r\n');
    expect(lineSeparator('a\nb')).toBe('\n');
  });
});

describe('hex editing of binary bodies', () => {
  it('round-trips every byte value and sends base64', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = bytesToHex(all);
    expect(text.split('\n')).toHaveLength(16);
    expect(hexToBytes(text)).toEqual(all);
    const captured = { method: 'POST', headers: [], body: null };
    const req = buildRequest(captured, {
      to: '',
      method: 'POST',
      headers: [],
      body: null,
      resign: false,
      provider: '',
      secret: '',
      newEventId: false,
      keepHost: false,
      insecure: false,
      hexBody: 'ff 00\n0a',
    });
    expect(req.body).toBe(btoa('\xff\x00\x0a'));
    expect(req.body_encoding).toBe('base64');
  });

  it('says why text is not hex', () => {
    expect(hexToBytes('zz')).toMatch(/not a hex digit/);
    expect(hexToBytes('abc')).toMatch(/odd number/);
  });
});
