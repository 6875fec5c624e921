import { describe, expect, it } from 'vitest';
import { forwardMark, withForward } from './forward';
import type { DeliverySummary, ForwardBadge } from './generated/types';

const badge = (over: Partial<ForwardBadge>): ForwardBadge => ({
  state: 'queued',
  target: 'http://127.0.0.1:3000',
  tries: 0,
  next_at_us: null,
  last_status: null,
  last_error: null,
  ...over,
});

describe('forwardMark', () => {
  it('counts down to the next try', () => {
    const now = 1_000_000;
    const m = forwardMark(badge({ state: 'retrying', tries: 2, next_at_us: (now + 4_200) * 1000, last_error: 'connection refused' }), now);
    expect(m.label).toBe('retry 5s');
    expect(m.tone).toBe('wait');
    expect(m.title).toContain('connection refused');
    expect(m.title).toContain('2 tries');
  });
  it('shows the status of a delivered or rejected forward', () => {
    expect(forwardMark(badge({ state: 'delivered', tries: 1, last_status: 204 })).label).toBe('204');
    const failed = forwardMark(badge({ state: 'failed', tries: 1, last_status: 422 }));
    expect([failed.label, failed.tone]).toEqual(['failed 422', 'bad']);
    expect(forwardMark(badge({ state: 'dead' })).tone).toBe('bad');
  });
});

describe('withForward', () => {
  const row = (id: string) => ({ id, forward: null }) as unknown as DeliverySummary;
  it('updates the rows it names and keeps the array when none', () => {
    const rows = [row('a'), row('b')];
    expect(withForward(rows, [{ id: 'z', forward: badge({}) }])).toBe(rows);
    const next = withForward(rows, [{ id: 'b', forward: badge({ state: 'delivered' }) }]);
    expect(next[0]).toBe(rows[0]);
    expect(next[1].forward?.state).toBe('delivered');
  });
});
