/** fast-check generators for the domain property tests. */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { CalendarType } from '../../../src/domain/calendar-type.ts';
import type { Interval } from '../../../src/domain/interval.ts';
import type { DateOverride, Schedule, TimeRange, Weekday, WeeklyHours } from '../../../src/domain/schedule.ts';
import { computeSlots, type CalendarRules, type ClassSession, type MemberAvailability, type SlotQuery } from '../../../src/domain/slots.ts';
import { DAY, MINUTE } from './builders.ts';

/**
 * Zones with DST in both hemispheres, DST at midnight (Santiago: midnight skipped; Havana: midnight
 * repeated), a 30-minute DST shift (Lord Howe), and half/quarter-hour offsets (Kolkata, Adelaide,
 * St John's, Kathmandu, Chatham).
 */
export const ZONES = [
  'UTC',
  'America/Havana',
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'America/Santiago',
  'America/St_Johns',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
] as const;

/** Days with a DST change somewhere in ZONES in 2026, so generated ranges often straddle one. */
const DST_DAYS_2026 = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-09-06', '2026-09-27', '2026-10-04', '2026-10-25', '2026-11-01'].map(
  (d) => DateTime.fromISO(d, { zone: 'UTC' }).toMillis(),
);
const YEAR_2026 = DateTime.fromISO('2026-01-01', { zone: 'UTC' }).toMillis();

export const zone = fc.constantFrom(...ZONES);

/** "HH:mm" on a 5-minute grid, "24:00" included. */
export const timeOfDay = fc.integer({ min: 0, max: 288 }).map((i) => formatMinutes(i * 5));

export function formatMinutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Ranges may be empty (start = end), which the engine must ignore. */
export const timeRange: fc.Arbitrary<TimeRange> = fc
  .tuple(fc.integer({ min: 0, max: 288 }), fc.integer({ min: 0, max: 288 }))
  .map(([a, b]) => ({ start: formatMinutes(Math.min(a, b) * 5), end: formatMinutes(Math.max(a, b) * 5) }));

const dayRanges = fc.array(timeRange, { minLength: 1, maxLength: 3 });

export const weeklyHours: fc.Arbitrary<WeeklyHours> = fc
  .array(fc.option(dayRanges, { nil: undefined }), { minLength: 7, maxLength: 7 })
  .map((days) => {
    const out: WeeklyHours = {};
    days.forEach((ranges, i) => {
      if (ranges !== undefined) out[(i + 1) as Weekday] = ranges;
    });
    return out;
  });

/** A requested range of 1–4 days starting at any minute, often around a DST change. */
export const range: fc.Arbitrary<Interval> = fc
  .record({
    base: fc.oneof(
      fc.constantFrom(...DST_DAYS_2026),
      fc.integer({ min: 0, max: 364 }).map((d) => YEAR_2026 + d * DAY),
    ),
    shiftMin: fc.integer({ min: -3 * 1440, max: 1440 }),
    lengthMin: fc.integer({ min: 1440, max: 4 * 1440 }),
  })
  .map(({ base, shiftMin, lengthMin }) => ({ start: base + shiftMin * MINUTE, end: base + (shiftMin + lengthMin) * MINUTE }));

/** Overrides on dates near the range (a few days either side, duplicates possible). */
export function overridesNear(r: Interval): fc.Arbitrary<DateOverride[]> {
  return fc.array(
    fc
      .record({ dayOffset: fc.integer({ min: -1, max: 5 }), ranges: fc.oneof(fc.constant<TimeRange[]>([]), dayRanges) })
      .map(({ dayOffset, ranges }) => ({
        date: DateTime.fromMillis(r.start + dayOffset * DAY, { zone: 'UTC' }).toISODate()!,
        ranges,
      })),
    { maxLength: 3 },
  );
}

export function scheduleNear(r: Interval): fc.Arbitrary<Schedule> {
  return fc.record({ timezone: zone, weeklyHours, overrides: overridesNear(r) });
}

/** Busy intervals around the range, minute-aligned, some empty, some long. */
export function busyNear(r: Interval, maxLength = 12): fc.Arbitrary<Interval[]> {
  const lengthMin = Math.ceil((r.end - r.start) / MINUTE);
  return fc.array(
    fc
      .record({
        at: fc.integer({ min: -1440, max: lengthMin + 1440 }),
        len: fc.oneof(fc.integer({ min: 0, max: 180 }), fc.integer({ min: 0, max: 1440 })),
      })
      .map(({ at, len }) => ({ start: r.start + at * MINUTE, end: r.start + (at + len) * MINUTE })),
    { maxLength },
  );
}

export function memberNear(r: Interval, userId: string): fc.Arbitrary<MemberAvailability> {
  return fc
    .record({
      priority: fc.integer({ min: 0, max: 3 }),
      schedule: scheduleNear(r),
      appointments: busyNear(r),
      blocked: busyNear(r, 6),
      imported: busyNear(r),
    })
    .map(({ priority, schedule, appointments, blocked, imported }) => ({
      userId,
      priority,
      schedule,
      busy: { appointments, blocked, imported },
      // Some appointments are of this calendar (they count for the daily limit), some of others.
      appointmentStartsOnCalendar: appointments.filter((_, i) => i % 2 === 0).map((a) => a.start),
    }));
}

export function rulesOf(type: CalendarType): fc.Arbitrary<CalendarRules> {
  return fc.record({
    type: fc.constant(type),
    durationMin: fc.integer({ min: 1, max: 36 }).map((n) => n * 5),
    intervalMin: fc.integer({ min: 1, max: 18 }).map((n) => n * 5),
    bufferBeforeMin: fc.constantFrom(0, 0, 5, 10, 15, 30, 45),
    bufferAfterMin: fc.constantFrom(0, 0, 5, 10, 15, 30, 45),
    minNoticeMin: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 2880 })),
    windowDays: fc.integer({ min: 1, max: 10 }),
    dailyLimit: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 5 })),
    seats: type === 'class' || type === 'event' ? fc.integer({ min: 1, max: 12 }) : fc.constant(1),
  });
}

/** A whole query: rules of `type`, 1..maxMembers members, a range, and "now" mostly shortly before it. */
export function query(type: CalendarType, maxMembers: number): fc.Arbitrary<SlotQuery> {
  return range.chain((r) =>
    fc.record({
      rules: rulesOf(type),
      members: fc
        .integer({ min: 1, max: maxMembers })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => memberNear(r, `u${i}`)))),
      range: fc.constant(r),
      now: fc.oneof(fc.integer({ min: -1440, max: 0 }), fc.integer({ min: -3 * 1440, max: 1440 })).map((m) => r.start + m * MINUTE),
    }),
  );
}

/**
 * A Class query with up to 6 sessions of its host: every other one on a start the host offers (so
 * sessions get matched), the rest anywhere near the range; same length as a slot or not; seats
 * taken from none to more than the capacity.
 */
export function classQueryWithSessions(maxMembers: number): fc.Arbitrary<SlotQuery & { sessions: ClassSession[] }> {
  return query('class', maxMembers).chain((q) =>
    fc
      .array(
        fc.record({
          at: fc.integer({ min: -200, max: Math.ceil((q.range.end - q.range.start) / MINUTE / 5) }),
          sameLength: fc.boolean(),
          otherLength: fc.integer({ min: 1, max: 40 }),
          seatsTaken: fc.integer({ min: 0, max: q.rules.seats + 1 }),
        }),
        { maxLength: 6 },
      )
      .map((raw) => {
        const host = q.members[0]!;
        const grid = computeSlots({ ...q, rules: { ...q.rules, type: 'round_robin' }, members: [host] }).map((s) => s.start);
        const sessions: ClassSession[] = raw.map((r, i) => {
          const start = grid.length > 0 && i % 2 === 0 ? grid[Math.abs(r.at) % grid.length]! : q.range.start + r.at * 5 * MINUTE;
          const length = r.sameLength ? q.rules.durationMin : r.otherLength * 5;
          return { start, end: start + length * MINUTE, userId: host.userId, seatsTaken: r.seatsTaken };
        });
        return { ...q, sessions };
      }),
  );
}
