/**
 * Working hours: a weekly pattern in the member's own time zone plus per-date overrides, turned into
 * UTC intervals. Local times are resolved through Luxon (see local-days.ts), so a 09:00–17:00 day is
 * 09:00–17:00 on the wall clock on both sides of a DST change.
 */
import { IANAZone } from 'luxon';
import { intersectIntervals, mergeIntervals, type Interval } from './interval.ts';
import { localDays, localTimeOnDay, type LocalDay, type Weekday } from './local-days.ts';

export type { Weekday } from './local-days.ts';

/** Local "HH:mm"; `end` may be "24:00" (the end of the day). */
export interface TimeRange {
  start: string;
  end: string;
}
export type WeeklyHours = Partial<Record<Weekday, TimeRange[]>>;
/** Replaces the weekly hours on one local date ("YYYY-MM-DD"); `ranges: []` is a day off. */
export interface DateOverride {
  date: string;
  ranges: TimeRange[];
}
export interface Schedule {
  timezone: string;
  weeklyHours: WeeklyHours;
  overrides: DateOverride[];
}

const TIME_OF_DAY = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

/** Minutes since local midnight, 0…1440. */
export function parseTimeOfDay(s: string): number {
  const m = TIME_OF_DAY.exec(s);
  if (m === null) throw new RangeError(`invalid time of day "${s}" (expected HH:mm, 00:00–24:00)`);
  if (m[1] === undefined) return 1440;
  return Number(m[1]) * 60 + Number(m[2]);
}

export function isValidTimeZone(zone: string): boolean {
  // IANAZone.create caches per name; isValidZone alone builds an Intl.DateTimeFormat on every call
  // (~70 µs), which showed up in the slot benchmark when called per member.
  return zone.length > 0 && IANAZone.create(zone).isValid;
}

/** [startMinute, endMinute) pairs of one day, sorted and merged; ranges with end <= start are dropped. */
type DayMinutes = Array<[number, number]>;

function toDayMinutes(ranges: TimeRange[]): DayMinutes {
  const pairs = ranges
    .map((r): [number, number] => [parseTimeOfDay(r.start), parseTimeOfDay(r.end)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const out: DayMinutes = [];
  for (const [s, e] of pairs) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * A schedule with its "HH:mm" strings parsed once, so that walking many days does no string work.
 * Overrides for the same date: the last one wins.
 */
export interface CompiledSchedule {
  timezone: string;
  weekly: Map<Weekday, DayMinutes>;
  overrides: Map<string, DayMinutes>;
}

export function compileSchedule(schedule: Schedule): CompiledSchedule {
  if (!isValidTimeZone(schedule.timezone)) throw new RangeError(`invalid time zone: ${schedule.timezone}`);
  const weekly = new Map<Weekday, DayMinutes>();
  for (const [key, ranges] of Object.entries(schedule.weeklyHours)) {
    const weekday = Number(key);
    if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) throw new RangeError(`invalid weekday ${key} (ISO 1–7)`);
    if (ranges !== undefined) weekly.set(weekday as Weekday, toDayMinutes(ranges));
  }
  const overrides = new Map<string, DayMinutes>();
  for (const o of schedule.overrides) overrides.set(o.date, toDayMinutes(o.ranges));
  return { timezone: schedule.timezone, weekly, overrides };
}

/**
 * Working intervals day by day, unclipped and NOT merged across midnight: each interval lies within
 * one local day. The slot engine anchors each day's slot grid at these starts, which keeps the grid
 * independent of the requested range (a 24/7 schedule still restarts its grid at every midnight).
 * `days` must be the local days of the schedule's zone.
 */
export function workingDayIntervals(compiled: CompiledSchedule, days: LocalDay[]): Interval[] {
  const out: Interval[] = [];
  for (const day of days) {
    const minutes = compiled.overrides.get(day.date) ?? compiled.weekly.get(day.weekday) ?? [];
    if (minutes.length === 0) continue;
    const onDay = minutes.map(([s, e]) => ({
      start: localTimeOnDay(compiled.timezone, day, s),
      end: localTimeOnDay(compiled.timezone, day, e),
    }));
    if (day.regular) {
      // Disjoint minute ranges map to disjoint, ordered instants on a regular day; nothing to fix.
      for (const x of onDay) out.push(x);
    } else {
      // Around a DST gap Luxon moves skipped times forward by the gap, which can reorder or overlap
      // ranges (01:00–02:30 and 03:00–04:00 become 01:00–03:30 and 03:00–04:00), and a range wholly
      // inside the gap becomes empty; merging within the day restores sorted, disjoint intervals.
      for (const x of mergeIntervals(onDay)) out.push(x);
    }
  }
  return out;
}

/** Working time of `schedule` within `range`, as merged UTC intervals. */
export function workingIntervals(schedule: Schedule, range: Interval): Interval[] {
  const compiled = compileSchedule(schedule);
  const days = localDays(compiled.timezone, range.start, range.end);
  return intersectIntervals(workingDayIntervals(compiled, days), [range]);
}
