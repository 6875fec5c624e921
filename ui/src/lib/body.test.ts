import { describe, expect, it } from 'vitest';
import { gzipSync, deflateSync, deflateRawSync, brotliCompressSync } from 'node:zlib';
import {
  boundaryOf,
  contentEncodings,
  decodeAll,
  detectFormat,
  hexDump,
  looksLikeText,
  parseMultipart,
  parseUrlEncoded,
  toText,
} from './body';

const enc = new TextEncoder();

describe('detectFormat', () => {
  const cases: Array<[string, string | null, Uint8Array, string]> = [
    ['empty body', 'application/json', new Uint8Array(), 'empty'],
    ['json by type', 'application/json; charset=utf-8', enc.encode('{"a":1}'), 'json'],
    ['vendor json', 'application/vnd.api+json', enc.encode('[1]'), 'json'],
    ['json sniffed without a type', null, enc.encode('  \n{"a":1}'), 'json'],
    ['form', 'application/x-www-form-urlencoded', enc.encode('a=1&b=2'), 'form'],
    ['multipart', 'multipart/form-data; boundary=xyz', enc.encode('--xyz\r\n'), 'multipart'],
    ['plain text', 'text/plain', enc.encode('hello'), 'text'],
    ['binary with NUL', 'application/octet-stream', new Uint8Array([0, 1, 2, 255]), 'binary'],
    ['invalid UTF-8', 'text/plain', new Uint8Array([0x68, 0xff, 0xfe, 0x69]), 'binary'],
  ];
  for (const [name, type, bytes, expected] of cases) {
    it(`${name} reads as ${expected}`, () => {
      expect(detectFormat(type, bytes), name).toBe(expected);
    });
  }
});

describe('looksLikeText', () => {
  it('accepts a multi-byte character cut at the sample edge of a long body', () => {
    const text = enc.encode('é'.repeat(40_000)); // 80,000 bytes; the 64 KB sample ends mid-character or not
    expect(looksLikeText(text), 'valid UTF-8 must read as text').toBe(true);
  });
});

describe('hexDump', () => {
  it('prints offset, 16 bytes and printable ASCII per line', () => {
    const dump = hexDump(enc.encode('Hello, hex world!\x00'));
    const lines = dump.split('\n');
    expect(lines.length, 'two lines for 18 bytes').toBe(2);
    expect(lines[0]).toBe('00000000  48 65 6c 6c 6f 2c 20 68  65 78 20 77 6f 72 6c 64  Hello, hex world');
    expect(lines[1].startsWith('00000010  21 00 '), 'the second line starts at offset 0x10').toBe(true);
    expect(lines[1].endsWith(' !.'), 'NUL shows as a dot').toBe(true);
  });

  it('counts offsets from where the slice starts', () => {
    expect(hexDump(new Uint8Array([1]), 0x20).startsWith('00000020'), 'offset is added').toBe(true);
  });
});

describe('content encodings', () => {
  const body = enc.encode('{"compressed":true}');
  it('reads the header, refusing codings it cannot undo', () => {
    expect(contentEncodings([{ name: 'Content-Encoding', value: 'gzip' }])).toEqual(['gzip']);
    expect(contentEncodings([{ name: 'content-encoding', value: 'deflate, br' }])).toEqual(['deflate', 'br']);
    expect(contentEncodings([{ name: 'Content-Encoding', value: 'zstd' }]), 'unknown coding').toBeNull();
    expect(contentEncodings([]), 'no header').toEqual([]);
  });

  for (const [name, encoded] of [
    ['gzip', gzipSync(body)],
    ['deflate', deflateSync(body)],
    ['deflate (raw, as some servers send it)', deflateRawSync(body)],
    ['br', brotliCompressSync(body)],
  ] as const) {
    it(`undoes ${name}`, async () => {
      const coding = name.split(' ')[0] as 'gzip' | 'deflate' | 'br';
      const out = await decodeAll(new Uint8Array(encoded), [coding]);
      expect(toText(out), `${name} must decode to the original`).toBe('{"compressed":true}');
    });
  }

  it('undoes stacked codings in reverse order', async () => {
    const twice = gzipSync(brotliCompressSync(body));
    const out = await decodeAll(new Uint8Array(twice), ['br', 'gzip']);
    expect(toText(out)).toBe('{"compressed":true}');
  });
});

describe('form bodies', () => {
  it('parses urlencoded fields in order, repeats included', () => {
    expect(parseUrlEncoded('a=1&b=two+words&a=%3Cx%3E')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'two words' },
      { name: 'a', value: '<x>' },
    ]);
  });

  it('parses multipart parts, summarising binary files', () => {
    const type = 'multipart/form-data; boundary="----b0und"';
    const boundary = boundaryOf(type)!;
    expect(boundary).toBe('----b0und');
    const parts = [
      '------b0und\r\nContent-Disposition: form-data; name="title"\r\n\r\nHello\r\n',
      '------b0und\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n',
    ];
    const bytes = new Uint8Array([...enc.encode(parts.join('')), 0, 1, 2, 3, ...enc.encode('\r\n------b0und--\r\n')]);
    const fields = parseMultipart(bytes, boundary);
    expect(fields.length, 'two parts').toBe(2);
    expect(fields[0]).toMatchObject({ name: 'title', value: 'Hello', binary: false });
    expect(fields[1]).toMatchObject({ name: 'file', filename: 'a.bin', size: 4, binary: true });
  });
});
