import { describe, expect, it } from 'vitest';
import {
  alignSignatures,
  badgeFor,
  diffSegments,
  dupCount,
  humanDuration,
  rowMarks,
  skewOutside,
  skewWords,
  withInspection,
} from './signature';
import type { DeliverySummary } from './generated/types';

describe('rowMarks', () => {
  it('marks an endpoint whose settings cannot give a verdict', () => {
    const marks = rowMarks({ verdict: 'incomplete', provider: 'paypal', duplicates: 2 });
    expect(marks.badge).toEqual({ mark: '✖', ok: false, title: 'Endpoint settings incomplete (incomplete)' });
    expect(marks.duplicates).toBe(2);
  });
});

describe('badgeFor', () => {
  it('shows nothing before the indexer has a verdict', () => {
    expect(badgeFor(null), 'null verdict has no badge').toBeNull();
    expect(badgeFor(undefined), 'a live batch without the field has no badge').toBeNull();
  });
  it('marks a valid signature with a check', () => {
    expect(badgeFor('valid')).toEqual({ mark: '✔', ok: true, title: 'Signature valid' });
  });
  it.each(['invalid', 'expired', 'future', 'missing_header', 'malformed_header', 'no_secret', 'something_new'])(
    'marks %s with a cross and names the kind in the tooltip',
    (kind) => {
      const b = badgeFor(kind);
      expect(b?.mark, `${kind} is a failure`).toBe('✖');
      expect(b?.ok).toBe(false);
      expect(b?.title, 'the tooltip carries the verdict kind').toContain(kind);
    },
  );
  it('withInspection fills in the rows it has updates for and keeps the rest', () => {
    const row = (id: string, provider: string | null) => ({ id, provider }) as DeliverySummary;
    const rows = [row('a', null), row('b', null)];
    const updated = withInspection(rows, [row('b', 'github'), row('z', 'stripe')]);
    expect(updated.map((s) => s.provider)).toEqual([null, 'github']);
    expect(withInspection(rows, [row('z', 'stripe')])).toBe(rows);
  });

  it('dupCount shows the API\'s cap as 99+', () => {
    expect([1, 98, 99].map(dupCount)).toEqual(['1', '98', '99+']);
  });

});

describe('diff alignment', () => {
  it('cuts a value into runs that match the other one position by position', () => {
    expect(diffSegments('v1=abcd', 'v1=abXd')).toEqual([
      { text: 'v1=ab', same: true },
      { text: 'c', same: false },
      { text: 'd', same: true },
    ]);
  });
  it('treats characters past the end of the shorter value as different', () => {
    expect(diffSegments('abc', 'a')).toEqual([
      { text: 'a', same: true },
      { text: 'bc', same: false },
    ]);
    expect(diffSegments('', 'abc'), 'an empty value has no runs').toEqual([]);
  });
  it('splits by code point, not UTF-16 unit', () => {
    expect(diffSegments('a😀b', 'a😀c').map((s) => s.text)).toEqual(['a😀', 'b']);
  });
  it('pairs each received signature with the closest expected one', () => {
    const pairs = alignSignatures(['v1=aaaa', 'v0=bbbb'], ['v0=bbbc']);
    expect(pairs[0].expected?.map((s) => s.text).join(''), 'v0 pairs with v0').toBe('v0=bbbb');
    expect(pairs[0].received).toEqual([
      { text: 'v0=bbb', same: true },
      { text: 'c', same: false },
    ]);
    expect(pairs[1], 'the unpaired expected value is still shown').toEqual({
      expected: [{ text: 'v1=aaaa', same: false }],
      received: null,
    });
  });
  it('shows the expected value plainly when nothing was received', () => {
    expect(alignSignatures(['v1=ab'], [])).toEqual([{ expected: [{ text: 'v1=ab', same: true }], received: null }]);
  });
  it('shows a received value even when nothing is expected (no secret)', () => {
    expect(alignSignatures([], ['sha256=ff'])).toEqual([{ expected: null, received: [{ text: 'sha256=ff', same: false }] }]);
  });
});

describe('skew wording', () => {
  it('says how long before arrival it was signed, and the window', () => {
    expect(skewWords({ raw: '1', unix_s: 1, skew_s: 540, tolerance_s: 300 })).toBe(
      'signed 9 min before it arrived; tolerance 5 min',
    );
  });
  it('says when the sender clock is ahead', () => {
    expect(skewWords({ raw: '1', unix_s: 1, skew_s: -90, tolerance_s: 300 })).toBe(
      'signed 1 min 30 s after it arrived (clock ahead); tolerance 5 min',
    );
  });
  it('says when it was signed on arrival', () => {
    expect(skewWords({ raw: '1', unix_s: 1, skew_s: 0, tolerance_s: 300 })).toBe('signed the second it arrived; tolerance 5 min');
  });
  it('reads long durations in hours and days', () => {
    expect(humanDuration(7500)).toBe('2 h 5 min');
    expect(humanDuration(90000)).toBe('1 d 1 h');
    expect(humanDuration(42)).toBe('42 s');
  });
  it('shows a skew without judging it when the scheme has no window (Discord)', () => {
    const t = { raw: '1', unix_s: 1, skew_s: 86_400, tolerance_s: null };
    expect(skewOutside(t)).toBe(false);
    expect(skewWords(t)).toBe('signed 1 d before it arrived; no time window (shown, not judged)');
    expect(skewWords(t)).not.toContain('tolerance 0');
  });

  it('knows when the skew is outside the tolerance either way', () => {
    expect(skewOutside({ raw: '', unix_s: 0, skew_s: 301, tolerance_s: 300 })).toBe(true);
    expect(skewOutside({ raw: '', unix_s: 0, skew_s: -301, tolerance_s: 300 })).toBe(true);
    expect(skewOutside({ raw: '', unix_s: 0, skew_s: 300, tolerance_s: 300 })).toBe(false);
  });
});
