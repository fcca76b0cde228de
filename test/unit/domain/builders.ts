/** Small builders for the domain tests: readable UTC instants, members and rules with defaults. */
import { DateTime } from 'luxon';
import type { Interval } from '../../../src/domain/interval.ts';
import type { Schedule, WeeklyHours } from '../../../src/domain/schedule.ts';
import type { CalendarRules, MemberAvailability } from '../../../src/domain/slots.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An instant from an ISO string with an explicit offset or Z, e.g. utc('2026-03-09T13:00Z'). */
export function utc(iso: string): number {
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid) throw new Error(`bad ISO in test: ${iso}`);
  return dt.toMillis();
}

/**
 * An instant from local wall time in a zone, e.g. local('2026-03-09T09:00', 'America/New_York').
 * A repeated wall time takes its first occurrence, as the engine does.
 */
export function local(iso: string, zone: string): number {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad local ISO in test: ${iso} ${zone}`);
  return Math.min(...dt.getPossibleOffsets().map((x) => x.toMillis()));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(':00.000Z', 'Z');
}

/** Local "HH:mm" of an instant in a zone. */
export function wall(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');
}

export function span(start: number, end: number): Interval {
  return { start, end };
}

export const WEEKDAYS_9_TO_5: WeeklyHours = {
  1: [{ start: '09:00', end: '17:00' }],
  2: [{ start: '09:00', end: '17:00' }],
  3: [{ start: '09:00', end: '17:00' }],
  4: [{ start: '09:00', end: '17:00' }],
  5: [{ start: '09:00', end: '17:00' }],
};

export const EVERY_DAY_9_TO_5: WeeklyHours = {
  ...WEEKDAYS_9_TO_5,
  6: [{ start: '09:00', end: '17:00' }],
  7: [{ start: '09:00', end: '17:00' }],
};

export function schedule(timezone: string, weeklyHours: WeeklyHours = EVERY_DAY_9_TO_5, overrides: Schedule['overrides'] = []): Schedule {
  return { timezone, weeklyHours, overrides };
}

export function member(
  userId: string,
  overrides: Partial<Omit<MemberAvailability, 'busy'>> & { busy?: Partial<MemberAvailability['busy']> } = {},
): MemberAvailability {
  return {
    userId,
    priority: overrides.priority ?? 0,
    schedule: overrides.schedule ?? schedule('UTC'),
    busy: { appointments: [], blocked: [], imported: [], ...overrides.busy },
    appointmentStartsOnCalendar: overrides.appointmentStartsOnCalendar ?? [],
  };
}

export function rules(overrides: Partial<CalendarRules> = {}): CalendarRules {
  return {
    type: 'round_robin',
    durationMin: 60,
    intervalMin: 60,
    bufferBeforeMin: 0,
    bufferAfterMin: 0,
    minNoticeMin: 0,
    windowDays: 365,
    dailyLimit: null,
    seats: 1,
    ...overrides,
  };
}
