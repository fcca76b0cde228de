import ICAL from 'ical.js';
import { isMonthDay } from './calendar-period-rule.ts';
import { dayFilter } from './day-period-rule.ts';
import { ICalParseError } from './errors.ts';
import type { CandidateLimits, RecurrenceRule } from './recurrence-rule.ts';
import { DAY_MS, daysInMonth, wallFromParts, wallParts, WEEKDAY_CODES, type Wall } from './values.ts';

/**
 * Candidate instances of a SECONDLY, MINUTELY or HOURLY rule, and of a DAILY or WEEKLY one with
 * parts RFC 5545 does not give it (day-period-rule.ts computes the others), from ical.js's
 * RecurIterator, iterating from `anchor` (DTSTART, or DTSTART moved by whole INTERVAL periods —
 * see ruleInstances). The rule is given to ical.js without COUNT and BYSETPOS, which
 * ruleInstances applies; UNTIL is passed on (on the floating wall clock we expand in) only so the
 * iterator stops, and not at all with BYSETPOS, whose last period must be seen whole.
 *
 * Each candidate is also checked against the rule's BYxxx lists: every instance of a rule
 * satisfies them, so the check can only drop an iterator artefact, never a real instance.
 */
export function* fixedPeriodCandidates(
  rule: RecurrenceRule,
  anchor: Wall,
  isDate: boolean,
  until: Wall | null,
  limits: CandidateLimits,
  context: string,
): Generator<Wall> {
  // ical.js turns a key present with an undefined value into a BYxxx part holding `undefined`, so
  // only the parts the rule has are passed.
  const data: Record<string, unknown> = { freq: rule.freq, interval: rule.interval, wkst: rule.wkst + 1 };
  if (rule.byday.length > 0) data.byday = [...rule.byday];
  // An all-day event has no time of day: BYHOUR/BYMINUTE/BYSECOND on one mean nothing.
  const numeric = isDate ? { ...rule.numeric, byhour: undefined, byminute: undefined, bysecond: undefined } : rule.numeric;
  for (const [part, values] of Object.entries(numeric)) if (values) data[part] = [...values];
  if (until !== null && rule.bysetpos.length === 0) data.until = icalTime(until, isDate);
  const plausible = candidateFilter(rule.byday, numeric);

  // ical.js's next() never returns for a rule no day can match (HOURLY;BYMONTH=2;BYMONTHDAY=30), and
  // the cap below cannot stop a loop inside one next(): when no day up to the end passes the rule's
  // day parts, there is no candidate to ask it for.
  if (!someDayUpTo(dayFilter(rule, null), anchor, limits)) return;

  let iterator: ReturnType<ICAL.Recur['iterator']>;
  try {
    iterator = new ICAL.Recur(data).iterator(icalTime(anchor, isDate));
  } catch (error) {
    throw ruleError(error, context);
  }
  for (let iterations = 1; ; iterations++) {
    if (iterations > limits.maxIterations) {
      limits.onLimit(`${context}: RRULE FREQ=${rule.freq} stopped after ${limits.maxIterations} iterations`);
      return;
    }
    let next: ICAL.Time | null;
    try {
      next = iterator.next();
    } catch (error) {
      throw ruleError(error, context);
    }
    if (!next) return;
    const value = wallFromParts(next.year, next.month, next.day, next.hour, next.minute, next.second);
    // Checked before the filter, so an iterator producing only artefacts still ends.
    if (value > limits.end) return;
    if (plausible(value)) yield value;
  }
}

/** Whether a day from the anchor's to the end passes; true when there are more days than iterations allowed (ical.js decides). */
function someDayUpTo(isRuleDay: (day: number) => boolean, anchor: Wall, limits: CandidateLimits): boolean {
  const first = Math.floor(anchor / DAY_MS);
  const last = Math.min(Math.floor(limits.end / DAY_MS), first + limits.maxIterations);
  for (let day = first; day <= last; day++) if (isRuleDay(day)) return true;
  return last < Math.floor(limits.end / DAY_MS);
}

function ruleError(error: unknown, context: string): ICalParseError {
  return new ICalParseError(`${context}: RRULE cannot be expanded: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

function icalTime(value: Wall, isDate: boolean): ICAL.Time {
  const p = wallParts(value);
  return new ICAL.Time(
    isDate
      ? { year: p.year, month: p.month, day: p.day, isDate: true }
      : { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second, isDate: false },
    ICAL.Timezone.localTimezone,
  );
}

function candidateFilter(byday: readonly string[], numeric: RecurrenceRule['numeric']): (value: Wall) => boolean {
  const weekdays =
    byday.length > 0 ? new Set(byday.map((day) => WEEKDAY_CODES.indexOf(day.slice(-2) as (typeof WEEKDAY_CODES)[number]))) : null;
  const { bymonth: months, bymonthday: monthDays, byhour: hours, byminute: minutes, bysecond: seconds } = numeric;
  return (value) => {
    const date = new Date(value);
    if (months && !months.includes(date.getUTCMonth() + 1)) return false;
    if (monthDays) {
      if (!isMonthDay(monthDays, date.getUTCDate(), daysInMonth(date.getUTCFullYear(), date.getUTCMonth() + 1))) return false;
    }
    if (weekdays && !weekdays.has(date.getUTCDay())) return false;
    if (hours && !hours.includes(date.getUTCHours())) return false;
    if (minutes && !minutes.includes(date.getUTCMinutes())) return false;
    if (seconds && !seconds.map((s) => Math.min(s, 59)).includes(date.getUTCSeconds())) return false;
    return true;
  };
}
