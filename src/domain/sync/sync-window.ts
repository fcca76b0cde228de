import { DAY_MS } from '../time.ts';
/**
 * The span of time imported events are expanded over. Occurrences are stored, not computed on each
 * availability request, so the stored span must keep covering the window as "now" moves on.
 */

export interface SyncWindow {
  from: Date;
  to: Date;
}

export function defaultSyncWindow(now: Date, options: { daysBack?: number; daysAhead?: number } = {}): SyncWindow {
  return {
    from: new Date(now.getTime() - (options.daysBack ?? 30) * DAY_MS),
    to: new Date(now.getTime() + (options.daysAhead ?? 400) * DAY_MS),
  };
}

/**
 * Expansion reaches `headroomDays` past the window, so an unchanged event needs re-expanding only
 * once a month (when the window has caught up), not on every daily reconciliation.
 */
export function expansionSpan(window: SyncWindow, headroomDays = 30): SyncWindow {
  return { from: window.from, to: new Date(window.to.getTime() + headroomDays * DAY_MS) };
}

/** An imported item whose stored occurrences no longer reach the end of the window. */
export function expansionIsStale(expandedUntil: Date | null, window: SyncWindow): boolean {
  return expandedUntil === null || expandedUntil.getTime() < window.to.getTime();
}
