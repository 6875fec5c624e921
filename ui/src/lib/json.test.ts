import { describe, expect, it } from 'vitest';
import { foldFrom, jsonLines, JsonSyntaxError, visibleLines } from './json';

function render(src: string): string {
  return jsonLines(src)
    .map((l) => `${'  '.repeat(l.depth)}${l.key !== null ? `"${l.key}": ` : ''}${l.text}${l.kind === 'open' && l.count === 0 ? (l.text === '{' ? '}' : ']') : ''}${l.comma ? ',' : ''}`)
    .join('\n');
}

describe('jsonLines', () => {
  it('pretty-prints like JSON.stringify(_, null, 2) for ordinary documents', () => {
    const doc = { id: 'evt_1', n: 1.5, ok: true, none: null, list: [1, 'two', { three: 3 }], nested: { a: { b: 'c' } } };
    const lines = jsonLines(JSON.stringify(doc));
    const closesEmpty = lines.filter((l) => l.kind === 'close').length;
    expect(closesEmpty, 'every container closes').toBe(lines.filter((l) => l.kind === 'open').length);
    expect(render(JSON.stringify(doc)).replace(/\n\s*[}\]]/g, (m) => m)).toContain('"list": [');
  });

  it('keeps numbers exactly as written', () => {
    const lines = jsonLines('{"big": 12345678901234567890, "exp": 1e400}');
    expect(lines[1].text, 'no float rounding').toBe('12345678901234567890');
    expect(lines[2].text).toBe('1e400');
  });

  it('records matching close lines and member counts', () => {
    const lines = jsonLines('{"a":[1,2,3],"b":{}}');
    expect(lines[0]).toMatchObject({ kind: 'open', count: 2, end: lines.length - 1 });
    expect(lines[1]).toMatchObject({ key: 'a', kind: 'open', count: 3, end: 5 });
  });

  it('handles nesting 10,000 deep without recursion', () => {
    const depth = 10_000;
    const lines = jsonLines('['.repeat(depth) + ']'.repeat(depth));
    expect(lines.length, 'one open and one close per level').toBe(depth * 2);
    expect(lines[depth - 1].depth).toBe(depth - 1);
  });

  it('keeps script-looking strings as inert text', () => {
    const lines = jsonLines('{"x":"<script>alert(1)<\\/script>"}');
    expect(lines[1].text).toBe('"<script>alert(1)<\\/script>"');
  });

  for (const bad of ['', '{', '{"a":}', '[1,]', '{"a" 1}', '[1] 2', 'nul', '"open', '{"a":1,}']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => jsonLines(bad), `${JSON.stringify(bad)} is not JSON`).toThrow(JsonSyntaxError);
    });
  }
});

describe('folding', () => {
  const lines = jsonLines('{"a":{"b":1},"c":[1,2]}');

  it('skips a folded container up to and including its close', () => {
    const aOpen = lines.findIndex((l) => l.key === 'a');
    const shown = visibleLines(lines, new Set([aOpen]));
    expect(shown.map((i) => lines[i].key ?? lines[i].text)).toEqual(['{', 'a', 'c', '1', '2', ']', '}']);
  });

  it('tree mode starts folded below the first level and leaves out closing lines', () => {
    const shown = visibleLines(lines, foldFrom(lines, 1), true);
    expect(shown.map((i) => lines[i].key ?? lines[i].text)).toEqual(['{', 'a', 'c']);
  });
});
