/**
 * Event calendars run at fixed times: a first occurrence and an optional repetition. Occurrences keep
 * the same local wall time in the event's zone, so a weekly 18:00 class is at 18:00 before and after a
 * DST change (its UTC time moves by the offset change).
 */
import { DateTime } from 'luxon';
import type { Interval } from './interval.ts';
import { DAY_MS, localDateTimeToMillis, MINUTE_MS } from './local-days.ts';

export interface EventSchedule {
  /** Local ISO date-time of the first occurrence, e.g. "2026-12-01T18:00". */
  firstStart: string;
  timezone: string;
  durationMin: number;
  repeat: 'none' | 'daily' | 'weekly' | 'monthly';
  /** Number of occurrences; null = unbounded. Ignored (always 1) for repeat 'none'. */
  count: number | null;
}

interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Occurrences that share time with `range` ([start, end) overlaps it), sorted by start.
 *
 * A monthly event on the 29th–31st skips months without that day (RFC 5545 behaviour), and those
 * skipped months do not use up `count`. A local time inside a DST gap moves forward by the gap; an
 * ambiguous one takes its first occurrence.
 */
export function eventOccurrences(s: EventSchedule, range: Interval): Interval[] {
  if (!(s.durationMin > 0)) throw new RangeError(`event duration must be positive, got ${s.durationMin}`);
  const first = DateTime.fromISO(s.firstStart, { zone: s.timezone });
  if (!first.isValid) throw new RangeError(`invalid event start "${s.firstStart}" in zone "${s.timezone}": ${first.invalidReason ?? ''}`);
  if (!(range.end > range.start)) return [];
  const local: LocalDateTime = {
    year: first.year,
    month: first.month,
    day: first.day,
    hour: first.hour,
    minute: first.minute,
    second: first.second,
  };
  const durationMs = s.durationMin * MINUTE_MS;
  const count = s.repeat === 'none' ? 1 : s.count;
  if (count !== null && count <= 0) return [];
  const out: Interval[] = [];
  const emit = (start: number): void => {
    const end = start + durationMs;
    // A local date that a zone skipped entirely (Pacific/Apia, 2011-12-30) lands on the next day's
    // instant; never report the same occurrence twice.
    if (end > range.start && start < range.end && out[out.length - 1]?.start !== start) out.push({ start, end });
  };
  const at = (dayOffset: number, monthOffset: number): number | null => {
    // A UTC Date as a pure calendar counter (no time of day, no zone): exact date stepping.
    const date = new Date(Date.UTC(local.year, local.month - 1 + monthOffset, local.day + dayOffset));
    if (date.getUTCDate() !== local.day && monthOffset !== 0) return null; // e.g. the 31st of a 30-day month
    return localDateTimeToMillis(
      s.timezone,
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      local.hour,
      local.minute,
      local.second,
    );
  };
  const firstMs = at(0, 0)!;

  if (s.repeat === 'daily' || s.repeat === 'weekly') {
    const stepDays = s.repeat === 'daily' ? 1 : 7;
    // Jump close to the range instead of walking from the first occurrence: wall-clock occurrences
    // drift from firstMs + i·step by at most the zone's offset changes (well under a day), so two
    // steps of margin are safe.
    const skip = Math.max(0, Math.floor((range.start - durationMs - firstMs) / (stepDays * DAY_MS)) - 2);
    for (let i = skip; count === null || i < count; i++) {
      const start = at(i * stepDays, 0)!;
      if (start >= range.end) break;
      emit(start);
    }
    return out;
  }

  if (s.repeat === 'monthly') {
    // Skipped months do not count, so with a count we must walk from the first occurrence; without
    // one we may jump (a month is at least 28 days).
    const skip = count === null ? Math.max(0, Math.floor((range.start - durationMs - firstMs) / (31 * DAY_MS)) - 2) : 0;
    let produced = 0;
    for (let m = skip; count === null || produced < count; m++) {
      const start = at(0, m);
      if (start === null) continue;
      if (start >= range.end) break;
      produced++;
      emit(start);
    }
    return out;
  }

  emit(firstMs);
  return out;
}
