/**
 * Per-day appointment limit: a local day that already holds `limit` appointments of the calendar
 * offers no new ones. Days are the member's local days (the first member's for Collective).
 */
import type { Interval } from './interval.ts';
import { dayIndexAt, type LocalDay } from './local-days.ts';

/**
 * The days (as instants [start, end)) on which at least `limit` of `appointmentStarts` fall, sorted.
 * `distinct` counts equal start times once: a Class/Event session with many bookings is one session,
 * and a Collective appointment appears once in every member's list.
 */
export function daysAtLimit(days: LocalDay[], appointmentStarts: number[], limit: number, distinct: boolean): Interval[] {
  const counts = new Array<number>(days.length).fill(0);
  const seen = new Set<number>();
  for (const t of appointmentStarts) {
    if (distinct) {
      if (seen.has(t)) continue;
      seen.add(t);
    }
    const i = dayIndexAt(days, t);
    if (i >= 0) counts[i]!++;
  }
  const out: Interval[] = [];
  days.forEach((day, i) => {
    if (counts[i]! >= limit) out.push({ start: day.start, end: day.end });
  });
  return out;
}

/** Whether instant t falls in one of the sorted, disjoint `full` days. O(log n). */
export function isOnFullDay(t: number, full: Interval[]): boolean {
  let lo = 0;
  let hi = full.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (full[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo < full.length && full[lo]!.start <= t;
}

/** The ascending `starts` that do not fall on a full day. */
export function dropStartsOnFullDays(starts: number[], full: Interval[]): number[] {
  if (full.length === 0) return starts;
  return starts.filter((t) => !isOnFullDay(t, full));
}
