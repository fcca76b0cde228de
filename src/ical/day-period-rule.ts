import { isMonthDay, timesOfDay, weekday } from './calendar-period-rule.ts';
import type { CandidateLimits, RecurrenceRule } from './recurrence-rule.ts';
import { DAY_MS, daysInMonth, wallParts, WEEKDAY_CODES, type Wall } from './values.ts';

/**
 * Whether a rule's candidates can come from dayPeriodCandidates: DAILY or WEEKLY with only the parts
 * RFC 5545 §3.3.10's table gives those frequencies (BYDAY of plain weekdays, BYMONTH, BYMONTHDAY for
 * DAILY only, BYHOUR/BYMINUTE/BYSECOND, BYSETPOS). Anything else (ordinal weekdays, BYYEARDAY,
 * BYWEEKNO, BYMONTHDAY on WEEKLY) is not RFC 5545 and keeps the answers ical.js gave it.
 */
export function hasDayPeriods(rule: RecurrenceRule): boolean {
  if (rule.freq !== 'DAILY' && rule.freq !== 'WEEKLY') return false;
  const { byyearday, byweekno, bymonthday } = rule.numeric;
  return !byyearday && !byweekno && !(rule.freq === 'WEEKLY' && bymonthday) && rule.byday.every((day) => day.length === 2);
}

/**
 * Candidate instances of a DAILY or WEEKLY rule (hasDayPeriods), by arithmetic on the wall clock:
 * each period is one day, or the week starting on WKST, from the one holding `anchor` (DTSTART, or
 * DTSTART moved by whole INTERVAL periods — see ruleInstances) every INTERVAL periods on. A DAILY
 * period's day must match BYDAY, BYMONTH and BYMONTHDAY (they limit); a WEEKLY period's days are its
 * BYDAY weekdays (DTSTART's without BYDAY; BYDAY expands) in BYMONTH; each day's times are BYHOUR ×
 * BYMINUTE × BYSECOND (DTSTART's where absent, none for an all-day event). Yields them ascending from
 * `anchor` on, as ical.js's RecurIterator did (it cost most of the parse thread's expansion, one
 * ICAL.Time per step); BYSETPOS, COUNT and DTSTART are ruleInstances' to apply, UNTIL only ends the
 * iteration. Each day looked at and each candidate counts towards `limits.maxIterations`, so a rule
 * matching nothing (BYMONTH=2;BYMONTHDAY=30) still ends at `limits.end`.
 */
export function* dayPeriodCandidates(
  rule: RecurrenceRule,
  anchor: Wall,
  isDate: boolean,
  until: Wall | null,
  limits: CandidateLimits,
  context: string,
): Generator<Wall> {
  const times = timesOfDay(rule, wallParts(anchor), isDate);
  const anchorDay = Math.floor(anchor / DAY_MS);
  const weekly = rule.freq === 'WEEKLY';
  // A WEEKLY rule without BYDAY repeats DTSTART's weekday.
  const isRuleDay = dayFilter(rule, weekly && rule.byday.length === 0 ? weekday(anchorDay) : null);
  // A week is listed from WKST on; a day is a week of one day.
  const firstDay = weekly ? anchorDay - ((weekday(anchorDay) - rule.wkst + 7) % 7) : anchorDay;
  const periodDays = weekly ? 7 : 1;
  const step = periodDays * rule.interval;
  const last = Math.min(limits.end, until ?? Infinity);

  let iterations = 0;
  const spent = (): boolean => {
    if (++iterations <= limits.maxIterations) return false;
    limits.onLimit(`${context}: RRULE FREQ=${rule.freq} stopped after ${limits.maxIterations} iterations`);
    return true;
  };
  for (let period = firstDay; period * DAY_MS <= last; period += step) {
    for (let day = period; day < period + periodDays; day++) {
      if (spent()) return;
      if (!isRuleDay(day)) continue;
      for (const time of times) {
        const value = (day * DAY_MS + time) as Wall;
        if (value < anchor) continue;
        if (value > limits.end) return;
        if (spent()) return;
        yield value;
      }
    }
  }
}

/**
 * Whether a day (number since 1970-01-01) passes a rule's plain-weekday BYDAY (or `onlyWeekday`),
 * BYMONTH and BYMONTHDAY. Ordinal weekdays are not looked at (any weekday passes).
 */
export function dayFilter(rule: RecurrenceRule, onlyWeekday: number | null): (day: number) => boolean {
  const plain = rule.byday.filter((day) => day.length === 2);
  const weekdays = new Array<boolean>(7).fill(onlyWeekday === null && plain.length < rule.byday.length);
  if (onlyWeekday !== null) weekdays[onlyWeekday] = true;
  else if (plain.length === 0) weekdays.fill(true);
  for (const day of plain) weekdays[WEEKDAY_CODES.indexOf(day as (typeof WEEKDAY_CODES)[number])] = true;
  const { bymonth: months, bymonthday: monthDays } = rule.numeric;
  return (day) => {
    if (!weekdays[weekday(day)]) return false;
    if (!months && !monthDays) return true;
    const date = new Date(day * DAY_MS);
    const month = date.getUTCMonth() + 1;
    if (months && !months.includes(month)) return false;
    return !monthDays || isMonthDay(monthDays, date.getUTCDate(), daysInMonth(date.getUTCFullYear(), month));
  };
}
