import type { Occurrence } from './expand.ts';

/**
 * Above this many occurrences in the window a series is dense (no calendar app writes one: a daily
 * event over the 460-day window has 460), and its touching or overlapping occurrences are stored as
 * merged ranges. Busy time stays exact; occurrences that are real separate blocks stay separate.
 */
export const DENSE_SERIES_OCCURRENCES = 1000;

/**
 * Merges the occurrences of each dense series (per UID) where one starts before or when the previous
 * ends and both look the same (blocks, all-day, summary, status); a merged range keeps the first
 * occurrence's RECURRENCE-ID and says how many occurrences it stands for (`occurrences`). Other
 * series pass through unchanged: the same objects, not copies (once per occurrence of every import).
 * Sorted like expandCalendarObject.
 */
export function mergeDenseSeries(occurrences: readonly Occurrence[], denseAbove = DENSE_SERIES_OCCURRENCES): Occurrence[] {
  // Fewer occurrences than a dense series has (nearly every object): each passes through, and
  // expandCalendarObject's order is already this one, so neither grouping nor sorting is needed.
  if (occurrences.length <= denseAbove) {
    const out = [...occurrences];
    return out.every((range, i) => i === 0 || compareRanges(out[i - 1]!, range) <= 0) ? out : out.sort(compareRanges);
  }
  const perUid = new Map<string, Occurrence[]>();
  for (const occurrence of occurrences) {
    const list = perUid.get(occurrence.uid);
    if (list) list.push(occurrence);
    else perUid.set(occurrence.uid, [occurrence]);
  }
  const out: Occurrence[] = [];
  for (const list of perUid.values()) {
    if (list.length <= denseAbove) {
      out.push(...list);
      continue;
    }
    const sorted = [...list].sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
    let current: (Occurrence & { occurrences: number }) | null = null;
    for (const occurrence of sorted) {
      const count = occurrence.occurrences ?? 1;
      if (current !== null && occurrence.start.getTime() <= current.end.getTime() && looksTheSame(current, occurrence)) {
        if (occurrence.end.getTime() > current.end.getTime()) current.end = occurrence.end;
        current.occurrences += count;
        continue;
      }
      if (current !== null) out.push(current);
      current = { ...occurrence, occurrences: count };
    }
    if (current !== null) out.push(current);
  }
  return out.sort(compareRanges);
}

function compareRanges(a: Occurrence, b: Occurrence): number {
  return a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime() || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
}

function looksTheSame(a: Occurrence, b: Occurrence): boolean {
  return a.blocks === b.blocks && a.allDay === b.allDay && a.summary === b.summary && a.status === b.status;
}
