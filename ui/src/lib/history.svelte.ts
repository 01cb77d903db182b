// The History view's data: which search and filter are applied, the pages of the ledger loaded so
// far (only those on screen: the ledger may hold 100,000 links), the counts per filter, and which
// entries are selected. Responses for an older query are dropped, never shown.
import { SvelteSet } from 'svelte/reactivity';

import {
  errorMessage,
  historyCounts,
  historyPage,
  type HistoryCounts,
  type HistoryEntry,
  type HistoryFilter,
} from './ipc';

export const PAGE_SIZE = 100;

/** What a user calls an entry's state: the stored one, or expired / expiring soon by the clock. */
export type ShownState = 'active' | 'expiring_soon' | 'expired' | 'revoked' | 'missing' | 'deleted';

/** The entry's state on this clock. When "expiring soon" starts is the backend's rule
 *  (`expiring_soon_at`, as `linkdrop history` and the filters apply it); only the clock is ours. */
export function shownState(entry: HistoryEntry, nowMs: number): ShownState {
  if (entry.state !== 'active') return entry.state;
  const expires = Date.parse(entry.expires_at);
  if (expires <= nowMs) return 'expired';
  const soon = Date.parse(entry.expiring_soon_at);
  return nowMs > soon && expires > Date.parse(entry.issued_at) ? 'expiring_soon' : 'active';
}

export const FILTERS: ReadonlyArray<{ value: HistoryFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'expiring_soon', label: 'Expiring soon' },
  { value: 'expired', label: 'Expired' },
  { value: 'revoked', label: 'Revoked' },
  { value: 'missing', label: 'Missing' },
  { value: 'deleted', label: 'Deleted' },
];

function pagesOf(first: number, last: number): number[] {
  const pages: number[] = [];
  for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) pages.push(p);
  return pages;
}

export class HistoryStore {
  /** The applied search ('' for none) and filter. */
  search = $state('');
  filter = $state<HistoryFilter>('all');
  /** How many entries the query gives; null until the first answer. */
  total = $state<number | null>(null);
  counts = $state<HistoryCounts | null>(null);
  error = $state<string | null>(null);
  /** Loaded pages by index. */
  pages = $state<Record<number, HistoryEntry[]>>({});
  readonly selected = new SvelteSet<string>();

  /** Bumped by every new query or refresh: answers to an older one are dropped. */
  #generation = 0;
  /** A refresh asked for new counts and none has applied them yet: one that supersedes it (a
   *  filter click while it was in flight) must not keep the old ones. */
  #countsStale = false;
  #loading = new Set<number>();
  #first = 0;
  #last = PAGE_SIZE - 1;

  entryAt(index: number): HistoryEntry | undefined {
    return this.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
  }

  /** Every entry loaded, in order. */
  get loaded(): HistoryEntry[] {
    return Object.keys(this.pages)
      .map(Number)
      .sort((a, b) => a - b)
      .flatMap((p) => this.pages[p] ?? []);
  }

  /** Applies a new search or filter: starts again from the top. */
  setQuery(search: string, filter: HistoryFilter): void {
    const text = search.trim();
    if (text === this.search && filter === this.filter) return;
    const searchChanged = text !== this.search;
    this.search = text;
    this.filter = filter;
    this.pages = {};
    this.total = null;
    this.#first = 0;
    this.#last = PAGE_SIZE - 1;
    void this.refresh(searchChanged);
  }

  /** Rows `first`..`last` are on screen: loads the pages they are on that are not loaded yet. */
  show(first: number, last: number): void {
    this.#first = Math.max(0, first);
    this.#last = Math.max(this.#first, last);
    for (const page of pagesOf(this.#first, this.#last)) {
      if (this.pages[page] === undefined && !this.#loading.has(page)) void this.#load(page);
    }
  }

  async #load(page: number): Promise<void> {
    const generation = this.#generation;
    this.#loading.add(page);
    try {
      const result = await historyPage(
        this.search || null,
        this.filter,
        PAGE_SIZE,
        page * PAGE_SIZE,
      );
      if (generation !== this.#generation) return;
      this.pages[page] = result.entries;
      this.total = result.total;
      this.error = null;
    } catch (e) {
      if (generation === this.#generation) this.error = errorMessage(e);
    } finally {
      if (generation === this.#generation) this.#loading.delete(page);
    }
  }

  /**
   * Loads the counts, the total and the pages on screen again (after a change, or a new query).
   * What is shown stays until the new answers arrive, so the list does not flicker.
   */
  async refresh(withCounts = true): Promise<void> {
    const generation = ++this.#generation;
    this.#loading.clear();
    const pages = pagesOf(this.#first, this.#last);
    const search = this.search || null;
    const filter = this.filter;
    if (withCounts) this.#countsStale = true;
    try {
      const [counts, ...results] = await Promise.all([
        this.#countsStale || this.counts === null
          ? historyCounts(search)
          : Promise.resolve(this.counts),
        ...pages.map((p) => historyPage(search, filter, PAGE_SIZE, p * PAGE_SIZE)),
      ]);
      if (generation !== this.#generation) return;
      const next: Record<number, HistoryEntry[]> = {};
      pages.forEach((p, i) => {
        const result = results[i];
        if (result !== undefined) next[p] = result.entries;
      });
      this.pages = next;
      this.total = results[0]?.total ?? 0;
      this.counts = counts;
      this.#countsStale = false;
      this.error = null;
    } catch (e) {
      if (generation === this.#generation) this.error = errorMessage(e);
    }
  }

  toggle(id: string, on = !this.selected.has(id)): void {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
  }

  /** Selects the loaded entries between two rows (a shift-click), inclusive. */
  selectRange(from: number, to: number): void {
    const [a, b] = from <= to ? [from, to] : [to, from];
    for (let i = a; i <= b; i++) {
      const entry = this.entryAt(i);
      if (entry !== undefined) this.selected.add(entry.id);
    }
  }

  selectLoaded(on: boolean): void {
    for (const entry of this.loaded) this.toggle(entry.id, on);
  }

  /** The selected entries that are loaded (an action needs their names). */
  get selectedEntries(): HistoryEntry[] {
    return this.loaded.filter((e) => this.selected.has(e.id));
  }
}

/**
 * Runs `task` for every item, at most `limit` at a time, and reports each as it ends. The results
 * come back in the items' order; a failure does not stop the others.
 */
export async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
  onDone: (done: number) => void = () => {},
): Promise<Array<{ item: T; ok: true; value: R } | { item: T; ok: false; error: unknown }>> {
  const results: Array<{ item: T; ok: true; value: R } | { item: T; ok: false; error: unknown }> =
    [];
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      try {
        results[index] = { item, ok: true, value: await task(item) };
      } catch (error) {
        results[index] = { item, ok: false, error };
      }
      onDone(++done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
