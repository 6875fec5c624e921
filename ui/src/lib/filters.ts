// The list's search and filters, remembered between visits.

import type { ListQuery, DeliverySummary } from './generated/types';

export interface Filters {
  q: string;
  method: string;
  status: string;
  path: string;
}

export const EMPTY_FILTERS: Filters = { q: '', method: '', status: '', path: '' };
const KEY = 'hookscope.filters.v1';

export function loadFilters(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Filters {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return { ...EMPTY_FILTERS };
    const parsed = JSON.parse(raw) as Partial<Filters>;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return { q: text(parsed.q), method: text(parsed.method), status: text(parsed.status), path: text(parsed.path) };
  } catch {
    return { ...EMPTY_FILTERS };
  }
}

export function saveFilters(filters: Filters, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage) {
  try {
    storage?.setItem(KEY, JSON.stringify(filters));
  } catch {
    // Private windows may refuse storage; filters then last for the visit.
  }
}

export function isFiltered(f: Filters): boolean {
  return Boolean(f.q.trim() || f.method || f.status || f.path.trim());
}

export function toQuery(f: Filters): ListQuery {
  return {
    q: f.q.trim() || undefined,
    method: f.method || undefined,
    status: f.status || undefined,
    path: f.path.trim() || undefined,
  };
}

/**
 * Whether a live delivery belongs in the filtered list, or `null` when the
 * browser can't tell (full-text search is the store's to decide).
 */
export function matches(f: Filters, s: DeliverySummary): boolean | null {
  if (f.q.trim()) return null;
  if (f.method && s.method.toUpperCase() !== f.method.toUpperCase()) return false;
  if (f.path.trim() && !s.path.startsWith(f.path.trim())) return false;
  if (f.status) {
    const want = f.status.toLowerCase();
    if (/^[1-5]xx$/.test(want)) {
      if (Math.floor(s.status / 100) !== Number(want[0])) return false;
    } else if (String(s.status) !== want) {
      return false;
    }
  }
  return true;
}
