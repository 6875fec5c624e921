// Nothing from a delivery may ever be parsed as HTML: the components use text
// interpolation only. This guards against someone reaching for {@html}.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('safety', () => {
  const src = join(__dirname, '..');
  const sources = files(src).filter((f) => /\.(svelte|ts)$/.test(f) && !f.endsWith('.test.ts'));

  it('finds the sources', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  for (const pattern of ['{@html', 'innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
    it(`no source uses ${pattern}`, () => {
      const offenders = sources.filter((f) => readFileSync(f, 'utf8').includes(pattern));
      expect(offenders, `${pattern} must not appear`).toEqual([]);
    });
  }
});
