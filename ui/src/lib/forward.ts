// Forwarding as the UI shows it: the badge of a forwarded delivery, and
// live state changes merged into loaded rows.

import type { DeliverySummary, ForwardBadge, ForwardUpdate } from './generated/types';

export interface ForwardMark {
  /** Short, for a list row: `queued`, `retry 4s`, `200`, `failed 422`, `dead`. */
  label: string;
  tone: 'wait' | 'ok' | 'bad' | 'muted';
  /** Long, for a tooltip or the Replays tab. */
  title: string;
}

function seconds(untilUs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilUs / 1000 - nowMs) / 1000));
}

export function forwardMark(f: ForwardBadge, nowMs: number = Date.now()): ForwardMark {
  const to = `to ${f.target}`;
  const tries = f.tries === 1 ? '1 try' : `${f.tries} tries`;
  const why = f.last_error ? ` (${f.last_error})` : '';
  switch (f.state) {
    case 'queued': {
      // A row's due time is its lane's when it was written; the lane's own
      // (in the queue panel) moves on, so only the title says it.
      const due = f.next_at_us != null ? seconds(f.next_at_us, nowMs) : 0;
      return {
        label: 'queued',
        tone: 'wait',
        title: `Waiting to be forwarded ${to}${due > 0 ? '; the target is down' : ''}${why}`,
      };
    }
    case 'retrying': {
      const due = f.next_at_us != null ? seconds(f.next_at_us, nowMs) : 0;
      return {
        label: due > 0 ? `retry ${due}s` : 'retrying',
        tone: 'wait',
        title: `Forwarding ${to} failed after ${tries}${why}; ${due > 0 ? `retrying in ${due} s` : 'retrying now'}`,
      };
    }
    case 'delivered':
      return { label: `${f.last_status ?? 'ok'}`, tone: 'ok', title: `Forwarded ${to}: ${f.last_status ?? '2xx'} after ${tries}` };
    case 'failed':
      return {
        label: `failed ${f.last_status ?? ''}`.trim(),
        tone: 'bad',
        title: `The app rejected it (${f.last_status ?? 'error'}), not retried; ${to}${why}`,
      };
    case 'dead':
      return { label: 'dead', tone: 'bad', title: `Given up on after ${tries}; ${to}${why}` };
    case 'dropped':
      return { label: 'dropped', tone: 'muted', title: `Dropped from the queue; not forwarded ${to}` };
  }
}

/** Rows with their forward badges as the updates say; the same array when none applies. */
export function withForward<T extends DeliverySummary>(rows: T[], updates: ForwardUpdate[]): T[] {
  if (!updates.length) return rows;
  const byId = new Map(updates.map((u) => [u.id, u.forward]));
  if (!rows.some((s) => byId.has(s.id))) return rows;
  return rows.map((s) => {
    const forward = byId.get(s.id);
    return forward ? { ...s, forward } : s;
  });
}

/** The quick answers of the "Respond with…" menu. */
export const RESPONSE_PRESETS: { id: string; label: string; status: number; headers: [string, string][]; body: string; delay_ms: number }[] = [
  { id: '200', label: '200 OK', status: 200, headers: [], body: '', delay_ms: 0 },
  { id: '202', label: '202 Accepted', status: 202, headers: [], body: '', delay_ms: 0 },
  { id: '400', label: '400 Bad Request', status: 400, headers: [], body: 'bad request', delay_ms: 0 },
  { id: '500', label: '500 Internal Server Error', status: 500, headers: [], body: 'internal error', delay_ms: 0 },
  { id: '503', label: '503 with Retry-After: 30', status: 503, headers: [['Retry-After', '30']], body: 'try again later', delay_ms: 0 },
  { id: 'timeout', label: 'Time out (answer after 10 s)', status: 200, headers: [], body: '', delay_ms: 10000 },
];
