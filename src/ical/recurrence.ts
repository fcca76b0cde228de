import { calendarPeriodCandidates, calendarPeriodOf } from './calendar-period-rule.ts';
import { dayPeriodCandidates, hasDayPeriods } from './day-period-rule.ts';
import { ICalParseError } from './errors.ts';
import { fixedPeriodCandidates } from './fixed-period-rule.ts';
import type { JCalProperty } from './jcal.ts';
import type { CandidateLimits, Frequency, NumericPart, RecurrenceRule } from './recurrence-rule.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, readDateValue, wall, wallParts, WEEKDAY_CODES, type Wall } from './values.ts';

const FREQUENCIES: readonly Frequency[] = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const SUB_WEEKLY: ReadonlySet<Frequency> = new Set(['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY']);

/** Allowed ranges of the numeric BYxxx parts (RFC 5545 §3.3.10); negative means "from the end". */
const NUMERIC_PARTS: Readonly<Record<NumericPart, { min: number; max: number; negative: boolean }>> = {
  bysecond: { min: 0, max: 60, negative: false },
  byminute: { min: 0, max: 59, negative: false },
  byhour: { min: 0, max: 23, negative: false },
  bymonthday: { min: 1, max: 31, negative: true },
  byyearday: { min: 1, max: 366, negative: true },
  byweekno: { min: 1, max: 53, negative: true },
  bymonth: { min: 1, max: 12, negative: false },
};

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function positiveInteger(value: unknown, what: string, context: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new ICalParseError(`${context}: RRULE ${what} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Reads an RRULE property (ical.js gives it to us as a jCal recur object). */
export function readRecurrenceRule(prop: JCalProperty, context: string): RecurrenceRule {
  const raw = prop.values[0];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ICalParseError(`${context}: RRULE is empty`);
  const data = raw as Record<string, unknown>;
  const freq = typeof data.freq === 'string' ? data.freq.toUpperCase() : undefined;
  if (!freq || !FREQUENCIES.includes(freq as Frequency)) {
    throw new ICalParseError(
      `${context}: RRULE needs FREQ=SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY, got ${JSON.stringify(data.freq ?? null)}`,
    );
  }
  const interval = data.interval === undefined ? 1 : positiveInteger(data.interval, 'INTERVAL', context);
  const count = data.count === undefined ? null : positiveInteger(data.count, 'COUNT', context);
  const until = data.until === undefined ? null : readDateValue({ ...prop, name: 'rrule until', params: {} }, data.until, context);

  // jCal gives WKST as ical.js's number (1 = SU … 7 = SA) or, from other producers, as a day name.
  let wkst = 1;
  if (typeof data.wkst === 'number' && data.wkst >= 1 && data.wkst <= 7) wkst = data.wkst - 1;
  else if (typeof data.wkst === 'string' && WEEKDAY_CODES.includes(data.wkst.toUpperCase() as (typeof WEEKDAY_CODES)[number])) {
    wkst = WEEKDAY_CODES.indexOf(data.wkst.toUpperCase() as (typeof WEEKDAY_CODES)[number]);
  } else if (data.wkst !== undefined) throw new ICalParseError(`${context}: RRULE WKST ${JSON.stringify(data.wkst)} is not a weekday`);

  const byday = asList(data.byday).map((value) => {
    const text = String(value).toUpperCase();
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(text);
    const ordinal = match?.[1] ? Number(match[1]) : 0;
    if (!match || Math.abs(ordinal) > 53 || (match[1] && ordinal === 0))
      throw new ICalParseError(`${context}: RRULE BYDAY value ${JSON.stringify(value)} is not valid`);
    return text;
  });

  // ical.js's iterator never returns from next() for a DAILY-or-shorter rule whose BYDAY holds only
  // ordinal weekdays (RFC 5545 allows ordinals with MONTHLY and YEARLY only), and our iteration cap
  // cannot stop a loop inside one next(): one such event would hold a parse thread for good.
  if (SUB_WEEKLY.has(freq as Frequency) && byday.length > 0 && byday.every((day) => day.length > 2)) {
    throw new ICalParseError(`${context}: RRULE BYDAY=${byday.join(',')} with FREQ=${freq}: ordinal weekdays need FREQ=MONTHLY or YEARLY`);
  }

  const numeric: Partial<Record<NumericPart, number[]>> = {};
  for (const part of Object.keys(NUMERIC_PARTS) as NumericPart[]) {
    const values = asList(data[part]);
    if (values.length === 0) continue;
    const range = NUMERIC_PARTS[part];
    numeric[part] = values.map((value) => {
      const n = typeof value === 'number' ? value : Number(value);
      const magnitude = Math.abs(n);
      if (
        !Number.isInteger(n) ||
        (n < 0 && !range.negative) ||
        magnitude < range.min ||
        magnitude > range.max ||
        (n === 0 && range.min > 0)
      ) {
        throw new ICalParseError(`${context}: RRULE ${part.toUpperCase()} value ${JSON.stringify(value)} is out of range`);
      }
      return n;
    });
  }
  const bysetpos = asList(data.bysetpos).map((value) => {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n === 0 || Math.abs(n) > 366)
      throw new ICalParseError(`${context}: RRULE BYSETPOS value ${JSON.stringify(value)} is out of range`);
    return n;
  });
  return { freq: freq as Frequency, interval, count, until, wkst, byday, numeric, bysetpos };
}

/* ------------------------------------------------------------------------------------------------ */

export interface RuleExpansionBounds {
  /**
   * Instances starting (wall clock) before this may be left out. Lets us start iterating near
   * the sync window instead of at a DTSTART years back; callers subtract the event's length.
   */
  readonly skipBefore: Wall;
  /** No instance starting (wall clock) after this is needed. */
  readonly stopAfter: Wall;
  readonly maxIterations: number;
  readonly onLimit: (message: string) => void;
}

/** Fixed-length periods, which we can jump over without changing which instances a rule yields. */
const FIXED_PERIOD_MS: Partial<Record<Frequency, number>> = {
  SECONDLY: SECOND_MS,
  MINUTELY: MINUTE_MS,
  HOURLY: HOUR_MS,
  DAILY: DAY_MS,
  WEEKLY: 7 * DAY_MS,
};

/**
 * The start times (wall clock, in the zone of DTSTART) of the instances one RRULE generates,
 * ascending, within the bounds. Candidates come from day-period-rule.ts for DAILY/WEEKLY, from
 * calendar-period-rule.ts for MONTHLY/YEARLY, and from ical.js (fixed-period-rule.ts) for
 * SECONDLY…HOURLY and DAILY/WEEKLY rules with parts RFC 5545 does not give them; here we apply, the
 * same way for all:
 *  - BYSETPOS, per FREQ period, on the period's full set of candidates (ical.js would honour it
 *    only for MONTHLY with BYDAY). For SECONDLY…WEEKLY iteration therefore starts one interval
 *    before DTSTART so the first period is complete.
 *  - DTSTART is always the first instance and counts towards COUNT (RFC 5545 §3.8.5.3), even when
 *    it does not match the rule (ical.js would skip a Tuesday DTSTART of a BYDAY=MO,WE rule).
 *  - COUNT, then UNTIL (inclusive; the caller gives it on the same wall clock).
 *  - Fast-forward: without COUNT, a rule's instances repeat with its INTERVAL×period, so when the
 *    window starts long after DTSTART, iteration starts just before `skipBefore`, a whole number
 *    of periods after DTSTART, instead of stepping through the years in between.
 */
export function* ruleInstances(
  rule: RecurrenceRule,
  dtstart: Wall,
  isDate: boolean,
  until: Wall | null,
  bounds: RuleExpansionBounds,
  context: string,
): Generator<Wall> {
  const fixedPeriod = FIXED_PERIOD_MS[rule.freq];
  if (isDate && fixedPeriod !== undefined && fixedPeriod < DAY_MS) {
    throw new ICalParseError(`${context}: RRULE FREQ=${rule.freq} cannot repeat an all-day (DATE) event`);
  }
  const useSetPos = rule.bysetpos.length > 0;
  const periodLength = fixedPeriod ?? (rule.freq === 'MONTHLY' ? 31 * DAY_MS : 366 * DAY_MS);
  const limits: CandidateLimits = {
    // BYSETPOS may need the rest of the period that contains stopAfter.
    end: wall(bounds.stopAfter + (rule.interval + 1) * periodLength),
    maxIterations: bounds.maxIterations,
    onLimit: bounds.onLimit,
  };

  let candidates: Iterable<Wall>;
  let pastDtstart = false; // iteration starts after DTSTART, so DTSTART is not ours to add
  if (fixedPeriod !== undefined) {
    const step = fixedPeriod * rule.interval;
    let periods = rule.count === null ? Math.max(0, Math.floor((bounds.skipBefore - dtstart) / step) - 1) : 0;
    pastDtstart = periods > 0;
    if (useSetPos) periods -= 1;
    const source = hasDayPeriods(rule) ? dayPeriodCandidates : fixedPeriodCandidates;
    candidates = source(rule, wall(dtstart + periods * step), isDate, until, limits, context);
  } else {
    const freq = rule.freq === 'MONTHLY' ? 'MONTHLY' : 'YEARLY';
    let first = calendarPeriodOf(freq, dtstart);
    const skip = rule.count === null ? Math.floor((calendarPeriodOf(freq, bounds.skipBefore) - first) / rule.interval) - 1 : 0;
    if (skip > 0) {
      first += skip * rule.interval;
      pastDtstart = true;
    }
    candidates = calendarPeriodCandidates(rule, wallParts(dtstart), isDate, first, limits, context);
  }

  let emitted = 0;
  let dtstartDone = pastDtstart;
  let finished = false;
  const accepted: Wall[] = [];
  const admit = (value: Wall): void => {
    if (value > bounds.stopAfter) {
      finished = true;
      return;
    }
    accepted.push(value);
    emitted++;
    if (rule.count !== null && emitted >= rule.count) finished = true;
  };
  // DTSTART first, then COUNT, UNTIL and the upper bound, for one instance of the rule.
  const offer = (candidate: Wall): void => {
    if (finished || candidate < dtstart) return;
    if (!dtstartDone) {
      // DTSTART is an instance even when UNTIL is before it (as when no candidate comes at all, below).
      dtstartDone = true;
      admit(dtstart);
      if (finished || candidate === dtstart) return;
    }
    if (until !== null && candidate > until) finished = true;
    else admit(candidate);
  };

  let group: Wall[] = [];
  let groupKey = Number.NaN;
  let ended = true; // the candidates ran out (rather than us stopping early)
  for (const value of candidates) {
    const beyond = value > bounds.stopAfter && value >= dtstart;
    if (useSetPos) {
      // A period's set is only complete once the next period starts.
      const key = periodKey(rule, value);
      if (key !== groupKey) {
        for (const selected of selectPositions(group, rule.bysetpos)) offer(selected);
        group = [];
        groupKey = key;
        if (beyond) {
          ended = false;
          break;
        }
      }
      group.push(value);
    } else {
      if (beyond) {
        ended = false;
        break;
      }
      offer(value);
    }
    while (accepted.length > 0) yield accepted.shift()!;
    if (finished) {
      ended = false;
      break;
    }
  }
  if (useSetPos && ended) for (const selected of selectPositions(group, rule.bysetpos)) offer(selected);
  // A rule that yields nothing from DTSTART on (UNTIL before it, an impossible BYxxx) still has DTSTART.
  if (!dtstartDone && !finished) admit(dtstart);
  yield* accepted;
}

/** Identifies the FREQ period (the set BYSETPOS picks from) a wall time falls in. */
function periodKey(rule: RecurrenceRule, value: Wall): number {
  switch (rule.freq) {
    case 'YEARLY':
    case 'MONTHLY':
      return calendarPeriodOf(rule.freq, value);
    case 'WEEKLY': {
      const day = Math.floor(value / DAY_MS);
      return day - ((new Date(value).getUTCDay() - rule.wkst + 7) % 7);
    }
    case 'DAILY':
    case 'HOURLY':
    case 'MINUTELY':
    case 'SECONDLY':
      return Math.floor(value / FIXED_PERIOD_MS[rule.freq]!);
  }
}

function selectPositions(group: readonly Wall[], positions: readonly number[]): Wall[] {
  const picked = new Set<Wall>();
  for (const position of positions) {
    const value = position > 0 ? group[position - 1] : group[group.length + position];
    if (value !== undefined) picked.add(value);
  }
  return [...picked].sort((a, b) => a - b);
}
