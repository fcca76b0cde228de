import type { CandidateLimits, RecurrenceRule } from './recurrence-rule.ts';
import { DAY_MS, daysInMonth, HOUR_MS, MINUTE_MS, SECOND_MS, utcMs, wall, WEEKDAY_CODES, type Wall, type WallParts } from './values.ts';

/**
 * Candidate instances of a MONTHLY or YEARLY rule, computed by us rather than by ical.js.
 *
 * ical.js 2.2.1 gets YEARLY rules wrong in several ways (each is a test in recurrence.test.ts):
 * BYWEEKNO (RFC 5545's "Monday of week 20" example yields every Monday after May 12), an ordinal
 * BYDAY without BYMONTH ("20th Monday" yields every Monday), BYMONTHDAY without BYMONTH (only
 * DTSTART's month), and impossible dates normalised into real ones (Feb 29 → Mar 1 in common
 * years, BYMONTH=4;BYMONTHDAY=31 → May 1). Its MONTHLY iteration honours BYSETPOS only with
 * BYDAY. A month's or a year's instances are few and exactly defined by RFC 5545 §3.3.10's BYxxx
 * table, so we find them by testing each day of the period against the rule: simple, exact, and
 * a few hundred comparisons a year.
 *
 * Yields every instance of each period from `firstPeriod` on, ascending, including ones before
 * DTSTART in the first period (BYSETPOS needs the whole period) and without BYSETPOS, COUNT or
 * UNTIL, which ruleInstances applies.
 */
export function* calendarPeriodCandidates(
  rule: RecurrenceRule,
  start: WallParts,
  isDate: boolean,
  firstPeriod: number,
  limits: CandidateLimits,
  context: string,
): Generator<Wall> {
  const matcher = dayMatcher(rule, start);
  const times = timesOfDay(rule, start, isDate);
  const yearly = rule.freq === 'YEARLY';
  for (
    let period = firstPeriod, iterations = 1;
    period <= (yearly ? MAX_YEAR : MAX_YEAR * 12 + 11);
    period += rule.interval, iterations++
  ) {
    if (iterations > limits.maxIterations) {
      limits.onLimit(`${context}: RRULE FREQ=${rule.freq} stopped after ${limits.maxIterations} periods`);
      return;
    }
    const [year, months] = yearly ? [period, matcher.months ?? ALL_MONTHS] : [Math.floor(period / 12), [(period % 12) + 1]];
    // Periods with no instance (an impossible rule) still end at the limit.
    if (utcMs(year, yearly ? 1 : months[0]!, 1) > limits.end) return;
    for (const month of months) {
      if (matcher.months && !matcher.months.includes(month)) continue;
      for (const day of matcher.daysOf(year, month)) {
        for (const time of times) yield wall(day * DAY_MS + time);
      }
    }
  }
}

/** The period (year, or year × 12 + month index) a wall time falls in. */
export function calendarPeriodOf(freq: 'MONTHLY' | 'YEARLY', value: Wall): number {
  const date = new Date(value);
  return freq === 'YEARLY' ? date.getUTCFullYear() : date.getUTCFullYear() * 12 + date.getUTCMonth();
}

const ALL_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;
/** iCalendar years stop at 9999. */
const MAX_YEAR = 9999;

function dayNumber(year: number, month: number, day: number): number {
  return utcMs(year, month, day) / DAY_MS;
}

/** Weekday of a day number (days since 1970-01-01): 0 = Sunday, as Date#getUTCDay; day 0 was a Thursday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** First day of week 1: the week (starting on WKST) holding January 4th, i.e. ≥ 4 days of the year. */
function weekOneStart(year: number, wkst: number): number {
  const jan4 = dayNumber(year, 1, 4);
  return jan4 - ((weekday(jan4) - wkst + 7) % 7);
}

interface DayMatcher {
  /** BYMONTH (or DTSTART's month for a plain YEARLY rule); undefined = every month. */
  readonly months: readonly number[] | undefined;
  daysOf(year: number, month: number): number[];
}

function dayMatcher(rule: RecurrenceRule, start: WallParts): DayMatcher {
  const { bymonthday, byyearday, byweekno } = rule.numeric;
  const byday = rule.byday.map((text) => ({
    ordinal: text.length > 2 ? Number(text.slice(0, -2)) : 0,
    weekday: WEEKDAY_CODES.indexOf(text.slice(-2) as (typeof WEEKDAY_CODES)[number]),
  }));
  let months = rule.numeric.bymonth;
  let monthDays = bymonthday;
  // RFC 5545 §3.3.10: what the rule leaves open comes from DTSTART (a plain MONTHLY rule repeats
  // DTSTART's day of month, a plain YEARLY one its month and day).
  if (byday.length === 0 && !bymonthday && !byyearday && !byweekno) {
    monthDays = [start.day];
    if (rule.freq === 'YEARLY') months ??= [start.month];
  }
  // Only month days to test, no weekday/yearday/week constraint: compute them directly.
  const direct = monthDays !== undefined && byday.length === 0 && !byyearday && !byweekno;
  // Ordinal weekdays ("2MO", "-1FR") count within the month, or within the year for a YEARLY rule without BYMONTH.
  const ordinalsInYear = rule.freq === 'YEARLY' && !months;

  return {
    months,
    daysOf(year, month) {
      const length = daysInMonth(year, month);
      const first = dayNumber(year, month, 1);
      if (direct) {
        const days = new Set<number>();
        for (const d of monthDays!) {
          const dayOfMonth = d > 0 ? d : length + d + 1;
          if (dayOfMonth >= 1 && dayOfMonth <= length) days.add(first + dayOfMonth - 1);
        }
        return [...days].sort((a, b) => a - b);
      }
      const yearStart = dayNumber(year, 1, 1);
      const yearLength = dayNumber(year + 1, 1, 1) - yearStart;
      const days: number[] = [];
      for (let dayOfMonth = 1; dayOfMonth <= length; dayOfMonth++) {
        const day = first + dayOfMonth - 1;
        if (monthDays && !isMonthDay(monthDays, dayOfMonth, length)) continue;
        const dayOfYear = day - yearStart + 1;
        if (byyearday && !byyearday.some((d) => (d > 0 ? d : yearLength + d + 1) === dayOfYear)) continue;
        if (byweekno && !matchesWeekNumber(day, year, byweekno, rule.wkst)) continue;
        if (byday.length > 0) {
          const [rangeStart, rangeEnd] = ordinalsInYear ? [yearStart, yearStart + yearLength - 1] : [first, first + length - 1];
          const dow = weekday(day);
          const fromStart = Math.floor((day - rangeStart) / 7) + 1;
          const fromEnd = Math.floor((rangeEnd - day) / 7) + 1;
          const hit = byday.some((b) => b.weekday === dow && (b.ordinal === 0 || b.ordinal === fromStart || -b.ordinal === fromEnd));
          if (!hit) continue;
        }
        days.push(day);
      }
      return days;
    },
  };
}

/** Whether a day of a month `length` days long is one of BYMONTHDAY's (negative: from the month's end). */
export function isMonthDay(monthDays: readonly number[], dayOfMonth: number, length: number): boolean {
  return monthDays.some((d) => (d > 0 ? d : length + d + 1) === dayOfMonth);
}

/** Week numbers per RFC 5545: weeks start on WKST; week 1 is the first with ≥ 4 days in the year. */
function matchesWeekNumber(day: number, year: number, weeks: readonly number[], wkst: number): boolean {
  // A day near New Year can belong to the previous or the next week-numbering year.
  let weekYear = year;
  if (day < weekOneStart(year, wkst)) weekYear = year - 1;
  else if (day >= weekOneStart(year + 1, wkst)) weekYear = year + 1;
  const start = weekOneStart(weekYear, wkst);
  const weekCount = (weekOneStart(weekYear + 1, wkst) - start) / 7;
  const week = Math.floor((day - start) / 7) + 1;
  return weeks.some((n) => (n > 0 ? n : weekCount + n + 1) === week);
}

/** Times of day (ms after midnight), ascending: BYHOUR × BYMINUTE × BYSECOND, each defaulting to DTSTART's. */
export function timesOfDay(rule: RecurrenceRule, start: WallParts, isDate: boolean): number[] {
  if (isDate) return [0];
  const hours = rule.numeric.byhour ?? [start.hour];
  const minutes = rule.numeric.byminute ?? [start.minute];
  const seconds = rule.numeric.bysecond?.map((s) => Math.min(s, 59)) ?? [start.second];
  const times = new Set<number>();
  for (const h of hours) for (const m of minutes) for (const s of seconds) times.add(h * HOUR_MS + m * MINUTE_MS + s * SECOND_MS);
  return [...times].sort((a, b) => a - b);
}
