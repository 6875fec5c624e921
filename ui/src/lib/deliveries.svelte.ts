// The delivery list's state: pages loaded as the user scrolls, live batches
// merged without moving what the user is looking at, the selection kept by id.

import type { Backend } from './backend';
import { type Filters, isFiltered, loadFilters, matches, saveFilters, toQuery } from './filters';
import type { BulkProgress, CoreStatus, LiveEvent, Info, Stats, DeliverySummary, ForwardBadge } from './generated/types';
import { withInspection } from './signature';
import { withForward } from './forward';

export const PAGE_SIZE = 500;
/** The core stops counting matches under filters here (`TOTAL_CAP`). */
export const TOTAL_CAP = 10_000;
/**
 * A list that sits at the top keeps at most this many rows: live rows push
 * the oldest out (they load again, by cursor, when scrolled to), so a window
 * left open through a flood holds a page or two, not every delivery.
 */
export const KEEP_AT_TOP = 1000;
/** The list's scroll height stays under what browsers lay out (about 2^24 px at 26 px a row). */
const MAX_SIZED_ROWS = 600_000;

export class Deliveries {
  /** Loaded rows, newest first. Raw state: 100,000 rows must not become proxies. */
  items = $state.raw<DeliverySummary[]>([]);
  /** Arrived while the user was scrolled away, newest first. */
  pending = $state.raw<DeliverySummary[]>([]);
  /** How many arrived while away, including any not carried by the events. */
  pendingCount = $state(0);
  selectedId = $state<string | null>(null);
  filters = $state<Filters>(loadFilters());
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  status = $state<CoreStatus>({ state: 'starting' });
  info = $state<Info | null>(null);
  stats = $state<Stats | null>(null);
  /** How many of the newest deliveries the last search could not reach yet. */
  unsearched = $state(0);
  /**
   * How many deliveries match the filters in all (from the first page, kept
   * up as rows arrive and go); counted up to TOTAL_CAP under filters the
   * core can't answer from its stats. Null until known.
   */
  total = $state<number | null>(null);
  /** Bumped when endpoint settings change anywhere (this window, another, the API): views that show them reload. */
  endpointsVersion = $state(0);
  /** Bumped when an attempt (a replay) is recorded anywhere. */
  attemptsVersion = $state(0);
  /** Bumped when forwarded deliveries change state: the queue panel reloads. */
  forwardVersion = $state(0);
  /** The newest bulk replay's progress, from any window or the CLI. */
  bulk = $state<BulkProgress | null>(null);
  /** Set by the list: whether the user sits at the top, where new rows may appear. */
  atTop = true;
  /** Set by the list: called with the number of rows added above the view. */
  onPrepend: (added: number) => void = () => {};
  /** Set by the app: every batch of new rows (`analyzed` false) and of inspected ones (true). */
  onArrived: (items: DeliverySummary[], analyzed: boolean) => void = () => {};

  private next: string | null = null;
  private generation = 0;
  private gap = false;
  /** Rows that arrived while a reload was in flight, newest first; `null` when none is. */
  private heldForReload: DeliverySummary[] | null = null;
  /** Arrived during a reload with no row to hold (the batch did not carry it): reload once more. */
  private reloadAgain = false;
  /** Arrived during a reload under a full-text search, which only the store can decide. */
  private heldUndecided = 0;
  private statsTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * The newest forward states seen, by id: an update can arrive before the
   * row it is for (forwarding is quicker than the coalesced deliveries
   * batch, whose rows were read before the state was written).
   */
  private forwardSeen = new Map<string, ForwardBadge>();

  constructor(private backend: Backend) {}

  get selected(): DeliverySummary | null {
    return this.items.find((s) => s.id === this.selectedId) ?? null;
  }

  get hasMore(): boolean {
    return this.next !== null;
  }

  /** Rows the list is sized for: every match, not just the pages loaded so far. */
  get rowCount(): number {
    if (!this.hasMore || this.total === null) return this.items.length;
    return Math.max(this.items.length, Math.min(this.total, MAX_SIZED_ROWS));
  }

  async start(): Promise<() => void> {
    const stop = this.backend.subscribe(
      (batch) => this.onBatch(batch),
      (status) => this.onStatus(status),
    );
    this.onStatus(await this.backend.status());
    return stop;
  }

  private onStatus(status: CoreStatus) {
    const was = this.status.state;
    this.status = status;
    if (status.state === 'listening' && was !== 'listening') {
      void this.backend.info().then((info) => (this.info = info)).catch(() => {});
      void this.reload();
    }
  }

  setFilters(filters: Filters) {
    this.filters = filters;
    saveFilters(filters);
    void this.reload();
  }

  /** Loads the first page again, keeping the selection when it is still there. */
  async reload() {
    const generation = ++this.generation;
    this.loading = true;
    this.error = null;
    // The page may have been read before rows whose events come while it is on its way.
    this.heldForReload = [];
    this.reloadAgain = false;
    this.heldUndecided = 0;
    try {
      const page = await this.backend.list({ ...toQuery(this.filters), limit: PAGE_SIZE });
      if (generation !== this.generation) return;
      page.items = this.withSeenForward(page.items);
      const listed = new Set(page.items.map((s) => s.id));
      const held = (this.heldForReload ?? []).filter((s) => !listed.has(s.id));
      this.heldForReload = null;
      this.items = held.concat(page.items);
      this.next = page.next;
      this.total = page.total == null ? null : page.total + held.length;
      this.unsearched = page.unsearched ?? 0;
      if (this.unsearched > 0) this.searchAgainSoon(generation);
      this.pending = [];
      // Under a full-text search, what came meanwhile is offered, not fetched.
      this.pendingCount = this.heldUndecided;
      this.gap = this.heldUndecided > 0;
      this.loaded = true;
    } catch (e) {
      if (generation === this.generation) {
        this.heldForReload = null;
        this.error = e instanceof Error ? e.message : String(e);
      }
    } finally {
      if (generation === this.generation) this.loading = false;
    }
    this.refreshStats();
    if (generation === this.generation && this.reloadAgain) void this.reload();
  }

  async loadMore() {
    if (this.loading || !this.next) return;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await this.backend.list({ ...toQuery(this.filters), limit: PAGE_SIZE, before: this.next });
      if (generation !== this.generation) return;
      this.items = this.items.concat(page.items);
      this.next = page.next;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private onBatch(batch: LiveEvent) {
    if (batch.type === 'changed') {
      void this.reload();
      return;
    }
    if (batch.type === 'endpoints') {
      // Verdicts are recomputed in the background; a `changed` follows once they are.
      this.endpointsVersion += 1;
      void this.reload();
      return;
    }
    if (batch.type === 'replay_progress') {
      this.bulk = batch;
      return;
    }
    if (batch.type === 'attempts') {
      // A replay was recorded: views of attempts reload (the list is unchanged).
      this.attemptsVersion += 1;
      return;
    }
    if (batch.type === 'forward') {
      for (const u of batch.items) {
        this.forwardSeen.delete(u.id);
        this.forwardSeen.set(u.id, u.forward);
      }
      for (const id of this.forwardSeen.keys()) {
        if (this.forwardSeen.size <= 2000) break;
        this.forwardSeen.delete(id);
      }
      this.items = withForward(this.items, batch.items);
      this.pending = withForward(this.pending, batch.items);
      if (this.heldForReload) this.heldForReload = withForward(this.heldForReload, batch.items);
      this.forwardVersion += 1;
      return;
    }
    if (batch.type === 'analyzed') {
      this.onArrived(batch.items, true);
      this.items = withInspection(this.items, batch.items);
      this.pending = withInspection(this.pending, batch.items);
      if (this.heldForReload) this.heldForReload = withInspection(this.heldForReload, batch.items);
      return;
    }
    this.onArrived(batch.items, false);
    // The count (and the bodies' bytes, of the rows the batch carries) move
    // with the rows at once; the exact totals follow from the core.
    if (this.stats) {
      const bytes = batch.items.reduce((n, s) => n + s.body_size, 0);
      this.stats = { ...this.stats, count: this.stats.count + batch.count, bytes: this.stats.bytes + bytes };
    }
    this.scheduleStats();
    batch = { ...batch, items: this.withSeenForward(batch.items) };
    if (this.heldForReload) {
      this.holdForReload(batch);
      return;
    }
    if (!this.loaded) return;
    const { rows, missed } = triage(this.filters, batch);
    if (!rows) {
      // Full-text search: the store decides; offer a reload instead.
      this.pendingCount += batch.count;
      this.gap = true;
      return;
    }
    const known = new Set(this.items.slice(0, 1000).map((s) => s.id));
    const fresh = rows.filter((s) => !known.has(s.id));
    if (this.atTop && !this.gap && this.pending.length === 0) {
      if (missed > 0) {
        void this.reload();
        return;
      }
      if (fresh.length) this.items = this.trimmed(fresh.concat(this.items));
      if (this.total !== null) this.total += fresh.length;
      return;
    }
    if (this.total !== null) this.total += fresh.length + missed;
    if (missed > 0) this.gap = true;
    if (fresh.length || missed > 0) {
      this.pending = fresh.concat(this.pending).slice(0, 5000);
      this.pendingCount += fresh.length + missed;
    }
  }

  /** `rows` without the tail past KEEP_AT_TOP (and past the selection), the cursor moved to match. */
  private trimmed(rows: DeliverySummary[]): DeliverySummary[] {
    if (rows.length <= KEEP_AT_TOP + PAGE_SIZE) return rows;
    const selected = this.selectedId ? rows.findIndex((s) => s.id === this.selectedId) : -1;
    const keep = Math.max(KEEP_AT_TOP, selected + 1);
    if (keep >= rows.length) return rows;
    this.next = rows[keep - 1].id;
    return rows.slice(0, keep);
  }

  /** After a flood the index lags: search again each second until it has
   * caught up, but not under a user scrolled down the results. */
  private searchAgainSoon(generation: number) {
    setTimeout(() => {
      if (generation !== this.generation) return;
      if (this.atTop) void this.reload();
      else this.searchAgainSoon(generation);
    }, 1000);
  }

  /** Rows without a forward state, given the newest one seen for them. */
  private withSeenForward(rows: DeliverySummary[]): DeliverySummary[] {
    if (this.forwardSeen.size === 0) return rows;
    return rows.map((s) => {
      const seen = s.forward ? undefined : this.forwardSeen.get(s.id);
      return seen ? { ...s, forward: seen } : s;
    });
  }

  /** Keeps a batch that came during a reload, to be merged with the page when it lands. */
  private holdForReload(batch: DeliveriesBatch) {
    const { rows, missed } = triage(this.filters, batch);
    if (!rows) {
      // Reloading for these would reload all through a flood; count them for the pill.
      this.heldUndecided += batch.count;
      return;
    }
    if (missed > 0) this.reloadAgain = true;
    this.heldForReload = rows.concat(this.heldForReload ?? []);
  }

  /** Shows what arrived while the user was away (the "n new" pill). */
  showPending() {
    if (this.gap) {
      void this.reload();
      return;
    }
    const added = this.pending;
    this.items = added.concat(this.items);
    this.pending = [];
    this.pendingCount = 0;
    this.onPrepend(added.length);
  }

  select(id: string | null) {
    this.selectedId = id;
  }

  /** Moves the selection by `delta` rows; returns the new index. */
  move(delta: number): number {
    if (!this.items.length) return -1;
    const index = this.items.findIndex((s) => s.id === this.selectedId);
    const target = index < 0 ? 0 : Math.max(0, Math.min(this.items.length - 1, index + delta));
    this.selectedId = this.items[target].id;
    if (target >= this.items.length - 50) void this.loadMore();
    return target;
  }

  async remove(id: string) {
    const index = this.items.findIndex((s) => s.id === id);
    await this.backend.remove(id);
    // The `changed` event reloads too; this makes the row go at once.
    const before = this.items.length;
    this.items = this.items.filter((s) => s.id !== id);
    if (this.total !== null && this.items.length < before) this.total = Math.max(0, this.total - 1);
    if (this.selectedId === id) {
      const next = this.items[Math.min(index, this.items.length - 1)];
      this.selectedId = next?.id ?? null;
    }
  }

  async clear() {
    await this.backend.clear();
    await this.reload();
  }

  private scheduleStats() {
    if (this.statsTimer) return;
    this.statsTimer = setTimeout(() => {
      this.statsTimer = null;
      this.refreshStats();
    }, 1000);
  }

  private refreshStats() {
    void this.backend
      .stats()
      .then((s) => (this.stats = s))
      .catch(() => {});
  }
}

type DeliveriesBatch = Extract<LiveEvent, { type: 'deliveries' }>;

/** What a live batch means under `filters`: the rows that match (`null` under
 * a full-text search, which only the store can decide), and how many rows of
 * an unfiltered list it did not carry. */
function triage(filters: Filters, batch: DeliveriesBatch): { rows: DeliverySummary[] | null; missed: number } {
  if (!isFiltered(filters)) return { rows: batch.items, missed: batch.count - batch.items.length };
  const verdicts = batch.items.map((s) => matches(filters, s));
  if (verdicts.some((v) => v === null)) return { rows: null, missed: 0 };
  return { rows: batch.items.filter((_, i) => verdicts[i]), missed: 0 };
}
