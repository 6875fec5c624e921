import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from './generated/types';
import { notificationFor } from './notify';

const row = (path: string, verdict: string | null = null) => ({ id: path, method: 'POST', path, verdict }) as unknown as DeliverySummary;

describe('notificationFor', () => {
  it('says nothing when off', () => {
    expect(notificationFor('off', [row('/a')], false)).toBeNull();
    expect(notificationFor('off', [row('/a', 'invalid')], true)).toBeNull();
  });
  it('announces new rows once, not again when they are inspected', () => {
    expect(notificationFor('all', [row('/a')], false)).toBe('New delivery: POST /a');
    expect(notificationFor('all', [row('/b'), row('/a')], false)).toBe('2 new deliveries, newest POST /b');
    expect(notificationFor('all', [row('/a', 'valid')], true)).toBeNull();
  });
  it('names failed signatures only, once inspected', () => {
    expect(notificationFor('failed', [row('/a')], false)).toBeNull();
    expect(notificationFor('failed', [row('/ok', 'valid'), row('/n', 'no_secret')], true)).toBeNull();
    expect(notificationFor('failed', [row('/stripe', 'invalid')], true)).toBe('Signature invalid: POST /stripe');
    expect(notificationFor('failed', [row('/x', 'expired'), row('/y', 'invalid')], true)).toBe(
      '2 deliveries failed signature checks, newest POST /x',
    );
  });
});
