import { describe, expect, it } from 'vitest';
import { EMPTY_FILTERS, loadFilters, matches, saveFilters, toQuery } from './filters';
import type { DeliverySummary } from './generated/types';

const summary: DeliverySummary = {
  id: 'dlv_0000000000001',
  received_at_us: 0,
  method: 'POST',
  path: '/github/push',
  query: null,
  status: 404,
  body_size: 0,
  content_type: null,
  truncated: false,
  pinned: false,
  provider: null,
  verdict: null,
  event_id: null,
  duplicates: 0,
  forward: null,
};

function memory() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

describe('filters', () => {
  it('persist and come back', () => {
    const storage = memory();
    saveFilters({ q: 'evt', method: 'POST', status: '4xx', path: '/gh' }, storage);
    expect(loadFilters(storage)).toEqual({ q: 'evt', method: 'POST', status: '4xx', path: '/gh' });
  });

  it('survive garbage in storage', () => {
    expect(loadFilters({ getItem: () => '{not json' })).toEqual(EMPTY_FILTERS);
    expect(loadFilters({ getItem: () => '{"q":5}' })).toEqual(EMPTY_FILTERS);
  });

  it('become the API query without empty fields', () => {
    expect(toQuery({ ...EMPTY_FILTERS, status: '404' })).toEqual({ q: undefined, method: undefined, status: '404', path: undefined });
  });

  it('decide live rows locally except for full-text search', () => {
    expect(matches({ ...EMPTY_FILTERS, method: 'post' }, summary)).toBe(true);
    expect(matches({ ...EMPTY_FILTERS, method: 'GET' }, summary)).toBe(false);
    expect(matches({ ...EMPTY_FILTERS, status: '4xx' }, summary)).toBe(true);
    expect(matches({ ...EMPTY_FILTERS, status: '2xx' }, summary)).toBe(false);
    expect(matches({ ...EMPTY_FILTERS, status: '404' }, summary)).toBe(true);
    expect(matches({ ...EMPTY_FILTERS, path: '/github' }, summary)).toBe(true);
    expect(matches({ ...EMPTY_FILTERS, path: '/stripe' }, summary)).toBe(false);
    expect(matches({ ...EMPTY_FILTERS, q: 'push' }, summary), 'the store decides full text').toBeNull();
  });
});
