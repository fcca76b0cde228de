/**
 * Time intervals as epoch milliseconds, half-open [start, end).
 *
 * Half-open so that back-to-back appointments (10:00–11:00 and 11:00–12:00) do not overlap, and an
 * interval with end <= start is empty: it contains nothing and overlaps nothing.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Sorted by start, non-empty, and coalesced: overlapping or touching intervals become one. */
export function mergeIntervals(xs: Interval[]): Interval[] {
  return mergeWidened([xs], 0, 0);
}

/**
 * mergeIntervals over several lists at once, each interval first widened to
 * [start − widenStart, end + widenEnd) (empty intervals stay out). One pass with no intermediate
 * objects: the slot engine pads thousands of busy intervals per request with it.
 */
export function mergeWidened(lists: Interval[][], widenStart: number, widenEnd: number): Interval[] {
  // The union only depends on how many intervals have started and ended by each instant, so starts
  // and ends can be sorted separately, as plain numbers in typed arrays: several times faster than
  // sorting objects with a comparator.
  let total = 0;
  for (const xs of lists) total += xs.length;
  const starts = new Float64Array(total);
  const ends = new Float64Array(total);
  let n = 0;
  for (const xs of lists) {
    for (const x of xs) {
      if (x.end > x.start) {
        starts[n] = x.start - widenStart;
        ends[n] = x.end + widenEnd;
        n++;
      }
    }
  }
  if (n === 0) return [];
  const s = starts.subarray(0, n).sort();
  const e = ends.subarray(0, n).sort();
  const out: Interval[] = [];
  let open = 0;
  let depth = 0;
  let j = 0;
  for (let i = 0; i < n;) {
    // On a tie the start goes first, so that touching intervals coalesce.
    if (s[i]! <= e[j]!) {
      if (depth === 0) open = s[i]!;
      depth++;
      i++;
    } else {
      depth--;
      if (depth === 0) out.push({ start: open, end: e[j]! });
      j++;
    }
  }
  // The latest end belongs to an interval that started no later than the last start, so the last
  // run is still open here and closes at the latest end.
  out.push({ start: open, end: e[n - 1]! });
  return out;
}

/** Everything in `from` that is in no interval of `minus`. Inputs need not be sorted. */
export function subtractIntervals(from: Interval[], minus: Interval[]): Interval[] {
  const a = mergeIntervals(from);
  const b = mergeIntervals(minus);
  const out: Interval[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]!.end <= x.start) j++;
    let cursor = x.start;
    let k = j;
    while (k < b.length && b[k]!.start < x.end) {
      const cut = b[k]!;
      if (cut.start > cursor) out.push({ start: cursor, end: cut.start });
      if (cut.end > cursor) cursor = cut.end;
      // A cut reaching past x may also cut the next x, so it stays the starting point (j) for it.
      if (cut.end >= x.end) break;
      k++;
    }
    if (cursor < x.end) out.push({ start: cursor, end: x.end });
    j = k;
  }
  return out;
}

/** Time in both `a` and `b`, merged. Inputs need not be sorted. */
export function intersectIntervals(a: Interval[], b: Interval[]): Interval[] {
  return intersectSortedIntervals(mergeIntervals(a), mergeIntervals(b));
}

/**
 * Intersection of two lists that are each sorted and pairwise disjoint (touching allowed), without
 * coalescing the result. The slot engine uses this on per-day working intervals, where the day
 * boundaries must survive because each day's intervals anchor that day's slot grid.
 */
export function intersectSortedIntervals(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (start < end) out.push({ start, end });
    if (x.end <= y.end) i++;
    else j++;
  }
  return out;
}

/**
 * Index of the first interval whose end is after `t`, in a list sorted by start whose ends are
 * non-decreasing (true of any merged list); xs.length when there is none.
 */
export function firstEndingAfter(xs: Interval[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Whether `x` shares any instant with a merged list (as returned by mergeIntervals). O(log n). */
export function overlapsAny(x: Interval, sortedMerged: Interval[]): boolean {
  if (x.end <= x.start) return false;
  const i = firstEndingAfter(sortedMerged, x.start);
  return i < sortedMerged.length && sortedMerged[i]!.start < x.end;
}

/** Whether `x` lies wholly inside one interval of a merged list. O(log n). */
export function containedInAny(x: Interval, sortedMerged: Interval[]): boolean {
  if (x.end <= x.start) return false;
  const i = firstEndingAfter(sortedMerged, x.start);
  const host = sortedMerged[i];
  return host !== undefined && host.start <= x.start && x.end <= host.end;
}
