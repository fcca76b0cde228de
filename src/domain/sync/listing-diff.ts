import { expansionIsStale, type SyncWindow } from './sync-window.ts';
import type { SavedItem } from './types.ts';

/**
 * Which remote objects need fetching. An etag equal to the saved one means "unchanged" and costs
 * nothing; only a different (or unknown) etag is worth a multiget. The content hash then decides
 * whether it really changed.
 */

export interface ListedItem {
  href: string;
  etag: string | null;
}

/** Changed entries of an incremental (sync-token) answer that are worth fetching. */
export function hrefsToFetch(saved: ReadonlyMap<string, SavedItem>, changed: readonly ListedItem[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const entry of changed) {
    if (seen.has(entry.href)) continue;
    seen.add(entry.href);
    const item = saved.get(entry.href);
    if (item === undefined || item.etag === null || entry.etag === null || item.etag !== entry.etag) out.push(entry.href);
  }
  return out;
}

/**
 * A complete listing (every object the calendar holds) against the saved status: what to fetch and
 * what is gone. With `refreshStaleBefore`, imported items whose expansion no longer covers the
 * window are fetched too, so the daily reconciliation re-expands them.
 */
export function diffCompleteListing(
  saved: ReadonlyMap<string, SavedItem>,
  listing: readonly ListedItem[],
  options: { refreshStale?: SyncWindow } = {},
): { toFetch: string[]; deleted: string[] } {
  const toFetch = hrefsToFetch(saved, listing);
  const listed = new Set(listing.map((entry) => entry.href));
  if (options.refreshStale) {
    const window = options.refreshStale;
    const fetching = new Set(toFetch);
    for (const item of saved.values()) {
      if (item.kind === 'imported' && listed.has(item.href) && !fetching.has(item.href) && expansionIsStale(item.expandedUntil, window))
        toFetch.push(item.href);
    }
  }
  const deleted = [...saved.keys()].filter((href) => !listed.has(href));
  return { toFetch, deleted };
}
