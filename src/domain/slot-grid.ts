/**
 * The slot grid: candidate starts stepped from the start of each working interval, kept where the
 * whole slot fits in free time. One forward sweep over anchors and free intervals, so the cost is
 * linear in their number plus the slots produced, whatever the amount of busy time behind `free`.
 */
import type { Interval } from './interval.ts';

export interface GridSpec {
  /** Slot interval (distance between candidate starts), ms, > 0. */
  stepMs: number;
  /** Slot length, ms, > 0. */
  durationMs: number;
  /** Earliest allowed start (inclusive). */
  from: number;
  /** Latest allowed start (exclusive). */
  to: number;
}

/**
 * Candidate starts, ascending.
 * `anchors`: sorted, disjoint working intervals, each anchoring its own grid (start + k·step); a
 *   start must lie inside its anchor.
 * `free`: sorted, merged intervals (working time minus padded busy time); the slot
 *   [start, start + duration) must lie inside one of them. Free time may run on past its anchor
 *   (working hours continuing over midnight), so a slot may end in the next day's hours.
 */
export function gridStarts(anchors: Interval[], free: Interval[], spec: GridSpec): number[] {
  const { stepMs, durationMs, from, to } = spec;
  const out: number[] = [];
  let f = 0; // first free interval that can still matter: anchors only move forward
  for (const anchor of anchors) {
    const lastStart = Math.min(anchor.end, to); // exclusive
    if (lastStart <= from || anchor.start >= lastStart) continue;
    while (f < free.length && free[f]!.end <= anchor.start) f++;
    for (let j = f; j < free.length; j++) {
      const window = free[j]!;
      if (window.start >= lastStart) break;
      const earliest = Math.max(window.start, from, anchor.start);
      const k = Math.ceil((earliest - anchor.start) / stepMs);
      for (let start = anchor.start + k * stepMs; start < lastStart && start + durationMs <= window.end; start += stepMs) {
        out.push(start);
      }
    }
  }
  return out;
}
