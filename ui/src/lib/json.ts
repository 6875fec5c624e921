// Pretty JSON as a flat list of lines, built by a small tokenizer instead of
// JSON.parse: no recursion (a body nested 10,000 deep is fine), numbers keep
// their exact text, and folding is a matter of skipping line ranges.

export type Scalar = 'string' | 'number' | 'bool' | 'null';

export interface JsonLine {
  depth: number;
  /** The member name, already a JSON string literal's content (unquoted, still escaped). */
  key: string | null;
  kind: 'open' | 'close' | 'value';
  /** Bracket for open/close lines, the literal for values. */
  text: string;
  scalar?: Scalar;
  /** For `open` lines: the index of the matching `close` line. */
  end?: number;
  /** For `open` lines: how many members or items. */
  count?: number;
  comma: boolean;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    public offset: number,
  ) {
    super(`${message} at character ${offset}`);
  }
}

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);

/** Lines of a JSON text; throws JsonSyntaxError when it isn't JSON. */
export function jsonLines(src: string): JsonLine[] {
  const lines: JsonLine[] = [];
  // Each open container: its line index, whether it is an object, its count.
  const stack: { line: number; object: boolean; count: number }[] = [];
  let i = 0;
  const n = src.length;
  const skip = () => {
    while (i < n && WS.has(src.charCodeAt(i))) i++;
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(what, i);
  };
  const readString = (): string => {
    const start = ++i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = src.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i += 2;
      else if (c < 0x20) fail('control character in string');
      else i++;
    }
    return src.slice(start, i++);
  };
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

  let key: string | null = null;
  let done = false;
  skip();
  while (i < n) {
    if (done) fail('unexpected text after the value');
    const top = stack[stack.length - 1];
    const c = src[i];
    if (top?.object && key === null && c !== '}') {
      if (c !== '"') fail('expected a member name');
      key = readString();
      skip();
      if (src[i] !== ':') fail('expected ":"');
      i++;
      skip();
      continue;
    }
    if (c === '{' || c === '[') {
      if (top) top.count++;
      stack.push({ line: lines.length, object: c === '{', count: 0 });
      lines.push({ depth: stack.length - 1, key, kind: 'open', text: c, comma: false });
      key = null;
      i++;
      skip();
      continue;
    } else if (c === '}' || c === ']') {
      if (!top || top.object !== (c === '}')) fail(`unexpected "${c}"`);
      if (key !== null) fail('member without a value');
      stack.pop();
      const open = lines[top.line];
      open.end = lines.length;
      open.count = top.count;
      lines.push({ depth: stack.length, key: null, kind: 'close', text: c, comma: false });
      i++;
      if (stack.length === 0) done = true;
    } else if (c === '"') {
      if (top) top.count++;
      const s = readString();
      lines.push({ depth: stack.length, key, kind: 'value', text: `"${s}"`, scalar: 'string', comma: false });
      key = null;
      if (!top) done = true;
    } else {
      literal.lastIndex = i;
      const m = literal.exec(src);
      if (!m) fail('unexpected character');
      if (top) top.count++;
      const text = m![0];
      const scalar: Scalar = text === 'null' ? 'null' : text === 'true' || text === 'false' ? 'bool' : 'number';
      lines.push({ depth: stack.length, key, kind: 'value', text, scalar, comma: false });
      key = null;
      i += text.length;
      if (!top) done = true;
    }
    skip();
    if (stack.length && i < n) {
      const t = src[i];
      if (t === ',') {
        lines[lines.length - 1].comma = true;
        i++;
        skip();
        const after = src[i];
        if (after === '}' || after === ']') fail('trailing comma');
      } else if (t !== '}' && t !== ']') {
        fail('expected "," or a closing bracket');
      }
    }
  }
  if (stack.length) fail('unexpected end of text');
  if (!lines.length) fail('empty text');
  return lines;
}

/**
 * Indices of the lines to show given the folded `open` lines. A folded line
 * stands for its whole container; in `tree` mode closing lines are left out.
 */
export function visibleLines(lines: JsonLine[], folded: Set<number>, tree = false): number[] {
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (tree && line.kind === 'close') continue;
    out.push(i);
    if (line.kind === 'open' && folded.has(i) && line.end !== undefined) i = line.end;
  }
  return out;
}

/** Every container at `depth` or deeper, folded: the tree view's starting point. */
export function foldFrom(lines: JsonLine[], depth: number): Set<number> {
  const folded = new Set<number>();
  lines.forEach((line, i) => {
    if (line.kind === 'open' && line.depth >= depth && (line.count ?? 0) > 0) folded.add(i);
  });
  return folded;
}

export function summary(line: JsonLine): string {
  const n = line.count ?? 0;
  return line.text === '{' ? `${n} ${n === 1 ? 'key' : 'keys'}` : `${n} ${n === 1 ? 'item' : 'items'}`;
}
