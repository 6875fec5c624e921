import { describe, expect, it, vi } from 'vitest';
import type { Backend } from './backend';
import { Deliveries } from './deliveries.svelte';
import type { CoreStatus, LiveEvent, Page, DeliverySummary } from './generated/types';

function summary(n: number): DeliverySummary {
  return {
    id: `dlv_${String(n).padStart(26, '0')}`,
    received_at_us: n,
    method: 'POST',
    path: `/hook/${n}`,
    query: null,
    status: 200,
    body_size: 2,
    content_type: 'application/json',
    truncated: false,
    pinned: false,
    provider: null,
    verdict: null,
    event_id: null,
    duplicates: 0,
    forward: null,
  };
}

/** A backend whose list replies and events the test hands out one at a time. */
function scripted() {
  const replies: Array<(page: Page) => void> = [];
  let emit: (batch: LiveEvent) => void = () => {};
  const backend = {
    kind: 'browser',
    list: () => new Promise<Page>((resolve) => replies.push(resolve)),
    stats: () => new Promise(() => {}),
    info: () => new Promise(() => {}),
    status: () => Promise.resolve<CoreStatus>({ state: 'starting' }),
    subscribe: (onBatch: (batch: LiveEvent) => void) => {
      emit = onBatch;
      return () => {};
    },
  } as unknown as Backend;
  return { backend, replies, emit: (batch: LiveEvent) => emit(batch) };
}

/** The list's state over a scripted backend, started. */
async function started() {
  const { backend, replies, emit } = scripted();
  const deliveries = new Deliveries(backend);
  await deliveries.start();
  return { deliveries, replies, emit };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a reload racing live events', () => {
  it('keeps a row whose event came while the page was on its way', async () => {
    const { deliveries, replies, emit } = await started();
    emit({ type: 'changed' });
    expect(replies).toHaveLength(1);
    // The page was read before delivery 3 was stored; its event comes first.
    emit({ type: 'deliveries', count: 1, items: [summary(3)] });
    replies[0]({ items: [summary(2), summary(1)], next: null });
    await settle();
    expect(deliveries.items.map((s) => s.path)).toEqual(['/hook/3', '/hook/2', '/hook/1']);
  });

  it('does not show a row twice when the page already has it', async () => {
    const { deliveries, replies, emit } = await started();
    emit({ type: 'changed' });
    emit({ type: 'deliveries', count: 1, items: [summary(2)] });
    replies[0]({ items: [summary(2), summary(1)], next: null });
    await settle();
    expect(deliveries.items.map((s) => s.path)).toEqual(['/hook/2', '/hook/1']);
  });

  it('reloads once more when a batch during the reload did not carry every row', async () => {
    const { deliveries, replies, emit } = await started();
    emit({ type: 'changed' });
    emit({ type: 'deliveries', count: 900, items: [summary(900)] });
    replies[0]({ items: [summary(1)], next: null });
    await settle();
    expect(replies).toHaveLength(2);
    replies[1]({ items: [summary(900), summary(899), summary(1)], next: null });
    await settle();
    expect(deliveries.items).toHaveLength(3);
    expect(replies).toHaveLength(2);
  });

  it('under a full-text search, offers what came during the reload instead of reloading again', async () => {
    const { deliveries, replies, emit } = await started();
    deliveries.setFilters({ q: 'invoice', method: '', status: '', path: '' });
    emit({ type: 'deliveries', count: 40, items: [summary(41), summary(40)] });
    replies[0]({ items: [summary(7)], next: null });
    await settle();
    expect(replies).toHaveLength(1);
    expect(deliveries.items.map((s) => s.path)).toEqual(['/hook/7']);
    expect(deliveries.pendingCount).toBe(40);
  });

  it('searches again while the index lags, but not under a user scrolled down the results', async () => {
    vi.useFakeTimers();
    try {
      const { deliveries, replies } = await started();
      deliveries.setFilters({ q: 'invoice', method: '', status: '', path: '' });
      replies[0]({ items: [summary(7)], next: null, unsearched: 300 });
      await vi.advanceTimersByTimeAsync(0);
      expect(deliveries.unsearched).toBe(300);
      deliveries.atTop = false;
      await vi.advanceTimersByTimeAsync(3000);
      expect(replies).toHaveLength(1);
      deliveries.atTop = true;
      await vi.advanceTimersByTimeAsync(1000);
      expect(replies).toHaveLength(2);
      replies[1]({ items: [summary(9), summary(7)], next: null, unsearched: 0 });
      await vi.advanceTimersByTimeAsync(5000);
      expect(deliveries.unsearched).toBe(0);
      expect(replies).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a window left at the top through a flood', () => {
  it('keeps a page or two and counts the rest', async () => {
    const { deliveries, replies, emit } = await started();
    emit({ type: 'changed' });
    replies[0]({ items: [summary(2), summary(1)], next: null, total: 2 });
    await settle();
    for (let batch = 0; batch < 30; batch++) {
      const items = Array.from({ length: 100 }, (_, i) => summary(3 + batch * 100 + (99 - i)));
      emit({ type: 'deliveries', count: 100, items });
    }
    expect(deliveries.items.length).toBeLessThanOrEqual(1500);
    expect(deliveries.items[0].id).toBe(summary(3002).id);
    expect(deliveries.total).toBe(3002);
    // The dropped tail loads again, by cursor, from the last row kept.
    expect(deliveries.hasMore).toBe(true);
    expect(deliveries.rowCount).toBe(3002);
  });

  it('never drops the selected row', async () => {
    const { deliveries, replies, emit } = await started();
    emit({ type: 'changed' });
    replies[0]({ items: [summary(1)], next: null, total: 1 });
    await settle();
    deliveries.select(summary(1).id);
    for (let batch = 0; batch < 30; batch++) {
      emit({ type: 'deliveries', count: 100, items: Array.from({ length: 100 }, (_, i) => summary(2 + batch * 100 + (99 - i))) });
    }
    expect(deliveries.items.some((s) => s.id === summary(1).id)).toBe(true);
  });
});
