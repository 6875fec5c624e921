// How a signature verdict reads: the list badge, expected vs received lined up
// character by character, and the timestamp's skew in words. Pure, so tested
// without a DOM.

import type { Evidence, DeliverySummary, VerdictKind } from './generated/types';

export interface Badge {
  mark: '✔' | '✖';
  ok: boolean;
  /** The verdict kind in words, for the tooltip. */
  title: string;
}

const KIND_WORDS: Record<VerdictKind, string> = {
  valid: 'Signature valid',
  invalid: 'Signature invalid',
  expired: 'Timestamp too old',
  future: 'Timestamp in the future',
  missing_header: 'Signature header missing',
  malformed_header: 'Signature header malformed',
  no_secret: 'No secret configured',
};

/** The list's verdict for an endpoint whose settings cannot give one. */
export const INCOMPLETE = 'incomplete';

export function kindWords(kind: string): string {
  if (kind === INCOMPLETE) return 'Endpoint settings incomplete';
  return KIND_WORDS[kind as VerdictKind] ?? kind;
}

/** ✔ for valid, ✖ for every other verdict, nothing before one is known. */
export function badgeFor(verdict: string | null | undefined): Badge | null {
  if (!verdict) return null;
  if (verdict === 'valid') return { mark: '✔', ok: true, title: KIND_WORDS.valid };
  return { mark: '✖', ok: false, title: `${kindWords(verdict)} (${verdict})` };
}

/** The API counts redeliveries up to 99; 99 means "99 or more". */
export function dupCount(n: number): string {
  return n >= 99 ? '99+' : String(n);
}

/** The row's marks: verdict badge, quiet provider name, redelivery count. */
export function rowMarks(s: Pick<DeliverySummary, 'verdict' | 'provider' | 'duplicates'>): {
  badge: Badge | null;
  provider: string | null;
  duplicates: number;
} {
  return { badge: badgeFor(s.verdict), provider: s.provider ?? null, duplicates: s.duplicates };
}

export interface Segment {
  text: string;
  same: boolean;
}

/** `text` cut into runs that equal or differ from `other` at the same position. */
export function diffSegments(text: string, other: string): Segment[] {
  const a = Array.from(text);
  const b = Array.from(other);
  const out: Segment[] = [];
  for (let i = 0; i < a.length; i++) {
    const same = a[i] === b[i];
    const last = out[out.length - 1];
    if (last && last.same === same) last.text += a[i];
    else out.push({ text: a[i], same });
  }
  return out;
}

function sameCount(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let n = 0;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] === y[i]) n++;
  return n;
}

export interface AlignedPair {
  expected: Segment[] | null;
  received: Segment[] | null;
}

/**
 * Expected and received signatures as pairs to show one above the other: each
 * received value against the expected one it shares most positions with (the
 * same version tag, usually), then any expected value left unpaired.
 */
export function alignSignatures(expected: string[], received: string[]): AlignedPair[] {
  const pairs: AlignedPair[] = [];
  const used = new Set<number>();
  for (const r of received) {
    let best = -1;
    let bestScore = -1;
    expected.forEach((e, i) => {
      const score = sameCount(e, r);
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    if (best >= 0) {
      used.add(best);
      pairs.push({ expected: diffSegments(expected[best], r), received: diffSegments(r, expected[best]) });
    } else {
      pairs.push({ expected: null, received: [{ text: r, same: false }] });
    }
  }
  expected.forEach((e, i) => {
    if (!used.has(i)) pairs.push({ expected: [{ text: e, same: received.length === 0 }], received: null });
  });
  return pairs;
}

/** `9 min`, `2 h 5 min`, `40 s`. */
export function humanDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest && m < 10 ? `${m} min ${rest} s` : `${m} min`;
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/**
 * "signed 9 min before it arrived; tolerance 5 min". `skew_s` is received minus
 * signed. A scheme without a window (Discord) shows the skew without judging it.
 */
export function skewWords(t: NonNullable<Evidence['timestamp']>): string {
  const when =
    t.skew_s === 0
      ? 'signed the second it arrived'
      : t.skew_s > 0
        ? `signed ${humanDuration(t.skew_s)} before it arrived`
        : `signed ${humanDuration(t.skew_s)} after it arrived (clock ahead)`;
  if (t.tolerance_s === null) return `${when}; no time window (shown, not judged)`;
  return `${when}; tolerance ${humanDuration(t.tolerance_s)}`;
}

/** Whether the skew falls outside the window, either way; never without one. */
export function skewOutside(t: NonNullable<Evidence['timestamp']>): boolean {
  return t.tolerance_s !== null && Math.abs(t.skew_s) > t.tolerance_s;
}

/** `rows` with the inspected summaries in `updates` in place of theirs. */
export function withInspection(rows: DeliverySummary[], updates: DeliverySummary[]): DeliverySummary[] {
  const byId = new Map(updates.map((s) => [s.id, s]));
  if (!rows.some((s) => byId.has(s.id))) return rows;
  return rows.map((s) => byId.get(s.id) ?? s);
}
