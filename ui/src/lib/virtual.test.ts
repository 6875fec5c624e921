import { describe, expect, it } from 'vitest';
import { nearEnd, scrollToReveal, visibleRange } from './virtual';

describe('visibleRange', () => {
  it('renders only the rows in view plus overscan, even for 100,000 rows', () => {
    const r = visibleRange(26 * 50_000, 520, 26, 100_000, 10);
    expect(r).toEqual({ start: 49_990, end: 50_031 });
    expect(r.end - r.start, 'a few dozen rows, not thousands').toBeLessThan(60);
  });

  it('clamps at the top and the bottom', () => {
    expect(visibleRange(0, 520, 26, 100_000, 10).start).toBe(0);
    const bottom = visibleRange(26 * 100_000, 520, 26, 100_000, 10);
    expect(bottom.end, 'never past the last row').toBe(100_000);
    expect(bottom.start).toBeLessThan(bottom.end);
  });

  it('is empty for an empty list', () => {
    expect(visibleRange(0, 500, 26, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('scrollToReveal', () => {
  it('leaves a visible row alone and scrolls minimally otherwise', () => {
    expect(scrollToReveal(5, 0, 260, 26), 'row 5 is in view').toBeNull();
    expect(scrollToReveal(20, 0, 260, 26), 'align the bottom').toBe(21 * 26 - 260);
    expect(scrollToReveal(2, 26 * 10, 260, 26), 'align the top').toBe(52);
  });
});

describe('nearEnd', () => {
  it('asks for the next page within the margin', () => {
    expect(nearEnd(1000, 500, 2000, 600)).toBe(true);
    expect(nearEnd(0, 500, 20000, 600)).toBe(false);
  });
});
