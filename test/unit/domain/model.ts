/**
 * Brute-force reference models the property tests compare the engine with. Deliberately naive:
 * linear scans, Luxon for every local-time question, no sweeps or binary searches. Working hours come
 * from workingIntervals, which schedule.test.ts checks against Luxon on its own.
 */
import { DateTime } from 'luxon';
import { consultsExternalCalendars } from '../../../src/domain/calendar-type.ts';
import type { Interval } from '../../../src/domain/interval.ts';
import { parseTimeOfDay, workingIntervals, type Schedule } from '../../../src/domain/schedule.ts';
import type { CalendarRules, MemberAvailability, SlotQuery } from '../../../src/domain/slots.ts';
import { DAY, MINUTE } from './builders.ts';

export function overlaps(a: Interval, b: Interval): boolean {
  return Math.max(a.start, b.start) < Math.min(a.end, b.end);
}

/** The slot plus its buffers. */
export function padded(slot: Interval, r: CalendarRules): Interval {
  return { start: slot.start - r.bufferBeforeMin * MINUTE, end: slot.end + r.bufferAfterMin * MINUTE };
}

export function busyOf(m: MemberAvailability, r: CalendarRules): Interval[] {
  const lists = [m.busy.appointments, m.busy.blocked];
  if (consultsExternalCalendars(r.type)) lists.push(m.busy.imported);
  return lists.flat();
}

/** Local days of `zone` touching [from, to), as Luxon sees them. */
export function luxonDays(zone: string, from: number, to: number): Interval[] {
  // A repeated midnight (Havana) counts from its first occurrence.
  const startOf = (dt: DateTime): DateTime => {
    const options = dt.startOf('day').getPossibleOffsets();
    return options.reduce((a, b) => (b.toMillis() < a.toMillis() ? b : a));
  };
  const out: Interval[] = [];
  let day = startOf(DateTime.fromMillis(from, { zone }));
  if (day.toMillis() > from) day = startOf(day.minus({ days: 1 }));
  while (day.toMillis() < to) {
    const next = startOf(day.plus({ days: 1 }));
    out.push({ start: day.toMillis(), end: next.toMillis() });
    day = next;
  }
  return out;
}

export function localDate(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate()!;
}

/** Whether local wall time at `ms` is inside the schedule's ranges for that local date. */
export function scheduledAt(s: Schedule, ms: number): boolean {
  const dt = DateTime.fromMillis(ms, { zone: s.timezone });
  const date = dt.toISODate()!;
  const override = s.overrides.filter((o) => o.date === date).at(-1);
  const ranges = override ? override.ranges : (s.weeklyHours[dt.weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7] ?? []);
  const minute = dt.hour * 60 + dt.minute;
  return ranges.some((r) => parseTimeOfDay(r.start) <= minute && minute < parseTimeOfDay(r.end));
}

export function startWindow(q: Pick<SlotQuery, 'range' | 'now' | 'rules'>): { from: number; to: number } {
  return {
    from: Math.max(q.range.start, q.now + q.rules.minNoticeMin * MINUTE),
    to: Math.min(q.range.end, q.now + q.rules.windowDays * DAY),
  };
}

/** Working intervals of each local day separately: the grid anchors. */
function dayPieces(s: Schedule, from: number, to: number): Interval[] {
  return luxonDays(s.timezone, from, to).flatMap((day) => workingIntervals(s, day));
}

function countOnDate(starts: number[], zone: string, date: string, distinct: boolean): number {
  const list = distinct ? [...new Set(starts)] : starts;
  return list.filter((t) => localDate(t, zone) === date).length;
}

/** Whether a slot starting at `start` passes every member's working hours and busy time. */
function freeForAll(start: number, members: MemberAvailability[], r: CalendarRules, working: Interval[][]): boolean {
  const slot = { start, end: start + r.durationMin * MINUTE };
  return members.every(
    (m, i) =>
      working[i]!.some((w) => w.start <= slot.start && slot.end <= w.end) &&
      !busyOf(m, r).some((b) => b.end > b.start && overlaps(padded(slot, r), b)),
  );
}

/**
 * Starts one member alone offers (Round Robin / Service / Simple semantics), by brute force:
 * every grid point of every local day's working interval, each checked against everything.
 */
export function modelMemberStarts(q: SlotQuery, m: MemberAvailability): number[] {
  const { from, to } = startWindow(q);
  if (!(to > from)) return [];
  const r = q.rules;
  const working = [workingIntervals(m.schedule, { start: from - DAY, end: to + r.durationMin * MINUTE + DAY })];
  const out: number[] = [];
  for (const piece of dayPieces(m.schedule, from, to)) {
    for (let s = piece.start; s < piece.end; s += r.intervalMin * MINUTE) {
      if (s < from || s >= to || !freeForAll(s, [m], r, working)) continue;
      if (
        r.dailyLimit !== null &&
        countOnDate(m.appointmentStartsOnCalendar, m.schedule.timezone, localDate(s, m.schedule.timezone), false) >= r.dailyLimit
      )
        continue;
      out.push(s);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * Collective starts by brute force: the grid anchored on the day pieces all members share, every
 * start checked against every member; the daily limit counted in the first member's zone.
 */
export function modelCollectiveStarts(q: SlotQuery): number[] {
  const { from, to } = startWindow(q);
  if (!(to > from) || q.members.length === 0) return [];
  const r = q.rules;
  let common = dayPieces(q.members[0]!.schedule, from, to);
  for (const m of q.members.slice(1)) {
    const pieces = dayPieces(m.schedule, from, to);
    common = common.flatMap((a) =>
      pieces.filter((b) => overlaps(a, b)).map((b) => ({ start: Math.max(a.start, b.start), end: Math.min(a.end, b.end) })),
    );
  }
  const working = q.members.map((m) => workingIntervals(m.schedule, { start: from - DAY, end: to + r.durationMin * MINUTE + DAY }));
  const firstZone = q.members[0]!.schedule.timezone;
  const allStarts = q.members.flatMap((m) => m.appointmentStartsOnCalendar);
  const out: number[] = [];
  for (const piece of common) {
    for (let s = piece.start; s < piece.end; s += r.intervalMin * MINUTE) {
      if (s < from || s >= to || !freeForAll(s, q.members, r, working)) continue;
      if (r.dailyLimit !== null && countOnDate(allStarts, firstZone, localDate(s, firstZone), true) >= r.dailyLimit) continue;
      out.push(s);
    }
  }
  return out.sort((a, b) => a - b);
}

/** A set of integer cells [t, t+1) covered by intervals with integer ends, within [0, size). */
export function cells(xs: Interval[], size: number): boolean[] {
  const grid = new Array<boolean>(size).fill(false);
  for (const x of xs) for (let t = Math.max(0, x.start); t < Math.min(size, x.end); t++) grid[t] = true;
  return grid;
}
