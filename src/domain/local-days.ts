/**
 * Local calendar days of a time zone as UTC instants.
 *
 * Every instant here comes from Luxon. Luxon costs ~15 µs per conversion, too slow to call for
 * every working-hours boundary of every member on every availability request, so we ask it once
 * per local day for the day's start and then reuse that: on a *regular* day (starts at 00:00,
 * lasts 24 h, same UTC offset at both ends) local HH:mm is exactly start + minutes. Days around a
 * DST change fail that test and go back to Luxon for each time.
 */
import { DateTime } from 'luxon';

/** ISO weekday: Monday = 1 … Sunday = 7. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

import { MINUTE_MS, DAY_MS } from './time.ts';
import { ZoneMemo } from './zone-memo.ts';

export { MINUTE_MS, DAY_MS };
const MINUTES_PER_DAY = 1440;

export interface LocalDay {
  /** Local date, "YYYY-MM-DD". */
  date: string;
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** First instant of the local day (local midnight, or the end of a DST gap that swallows it). */
  start: number;
  /** First instant of the next local day. */
  end: number;
  /** Local time on this day is start + minutes since midnight (see the module comment). */
  regular: boolean;
}

interface DayStart {
  ms: number;
  offset: number;
  atMidnight: boolean;
  weekday: Weekday;
}

/**
 * Luxon resolves an ambiguous local time (the repeated hour when clocks go back) by a guess that
 * depends on today's date. We want an answer that does not change with the date the code runs, so
 * we take the first occurrence, as RFC 5545 does.
 */
export function earliestInstant(dt: DateTime): DateTime {
  const options = dt.getPossibleOffsets();
  let best = dt;
  for (const o of options) if (o.toMillis() < best.toMillis()) best = o;
  return best;
}

/** The instant of local date-time y-m-d h:m in `zone`; times in a DST gap move forward by the gap. */
export function localDateTimeToMillis(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
): number {
  const dt = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone });
  if (!dt.isValid) throw new RangeError(`invalid local time ${year}-${month}-${day} ${hour}:${minute} in ${zone}`);
  return earliestInstant(dt).toMillis();
}

/**
 * The start of local date `dayNumber` (days since 1970-01-01 as a date counter: Date.UTC(y, m − 1, d)
 * / DAY_MS) in `zone`. Kept per (zone, date): a zone's rules do not change while the process runs,
 * and every booking re-checks one start (its day and the next), so the same few days are asked for
 * again and again while each costs a Luxon DateTime (~15 µs, issue 13.4). The answer does not depend
 * on `previousOffset`: it only decides whether the (equal) earliest instant must be worked out.
 */
function startOfLocalDay(zone: string, dayNumber: number, previousOffset: number | null): DayStart {
  return dayStarts.get(zone, dayNumber, computeStartOfDayNumber, previousOffset);
}

/** Ten years of days per zone; an entry is a few dozen bytes. */
const dayStarts = new ZoneMemo<DayStart>(200, 3_660);

function computeStartOfDayNumber(zone: string, dayNumber: number, previousOffset: number | null): DayStart {
  const date = new Date(dayNumber * DAY_MS);
  return computeStartOfLocalDate(zone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), previousOffset);
}

function computeStartOfLocalDate(zone: string, year: number, month: number, day: number, previousOffset: number | null): DayStart {
  let dt: DateTime = DateTime.fromObject({ year, month, day }, { zone });
  if (!dt.isValid) throw new RangeError(`invalid time zone: ${zone}`);
  // Midnight can only be ambiguous where the offset changes, so the costlier resolution runs only
  // when the offset differs from the previous day's (and for the first day, which has none).
  if (previousOffset === null || dt.offset !== previousOffset) dt = earliestInstant(dt);
  return { ms: dt.toMillis(), offset: dt.offset, atMidnight: dt.hour === 0 && dt.minute === 0, weekday: dt.weekday as Weekday };
}

/**
 * The local date (a day number, as startOfLocalDay's) of the day of `zone` that contains instant
 * `t`. Every UTC offset is within ±1 day, so it is the UTC date of `t`, the day before or the day
 * after: the one whose start is at or before `t` while the next day's start is after it (kept day
 * starts only).
 */
function localDayNumberAt(zone: string, t: number): number {
  const utc = Math.floor(t / DAY_MS);
  for (const d of [utc, utc - 1, utc + 1]) {
    if (startOfLocalDay(zone, d, null).ms <= t && t < startOfLocalDay(zone, d + 1, null).ms) return d;
  }
  // Not reached for a real zone; Luxon decides if the tz data ever says otherwise.
  const local = DateTime.fromMillis(t, { zone });
  return Date.UTC(local.year, local.month - 1, local.day) / DAY_MS;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * The local days of `zone` that share time with [from, to), in order. The first may start before
 * `from` and the last end after `to`.
 */
export function localDays(zone: string, from: number, to: number): LocalDay[] {
  if (!(to > from)) return [];
  const first = localDayNumberAt(zone, from);
  // Calendar dates are stepped on a UTC Date used purely as a date counter (no time of day and no
  // zone involved), which is exact; only the instants come from Luxon.
  const dateAt = (i: number): Date => new Date((first + i) * DAY_MS);
  const out: LocalDay[] = [];
  let date = dateAt(0);
  let current = startOfLocalDay(zone, first, null);
  for (let i = 1; ; i++) {
    const nextDate = dateAt(i);
    const next = startOfLocalDay(zone, first + i, current.offset);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    out.push({
      date: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`,
      year,
      month,
      day,
      weekday: current.weekday,
      start: current.ms,
      end: next.ms,
      // Both ends at local 00:00 and 24 h apart means the same offset at both ends. (Two changes
      // inside one day that cancel out would slip through; no zone in the tz database has that.)
      regular: current.atMidnight && next.atMidnight && next.ms - current.ms === DAY_MS,
    });
    if (next.ms >= to) return out;
    date = nextDate;
    current = next;
  }
}

/** The instant of `minutes` after local midnight on `day` (1440 = the start of the next day). */
export function localTimeOnDay(zone: string, day: LocalDay, minutes: number): number {
  if (minutes >= MINUTES_PER_DAY) return day.end;
  if (day.regular) return day.start + minutes * MINUTE_MS;
  const ms = localDateTimeToMillis(zone, day.year, day.month, day.day, Math.floor(minutes / 60), minutes % 60);
  // A time that falls in a gap at the very start of the day would otherwise land outside it.
  return Math.min(Math.max(ms, day.start), day.end);
}

/** Index of the day containing instant t, or -1 when t is outside the list. O(log n). */
export function dayIndexAt(days: LocalDay[], t: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo < days.length && days[lo]!.start <= t ? lo : -1;
}
