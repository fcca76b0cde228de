/**
 * Decision 0007, sixth session: DAILY and WEEKLY candidates computed by arithmetic on the wall clock
 * (src/ical/day-period-rule.ts) against ical.js's RecurIterator, which produced them before (kept
 * verbatim in ./support/ical-js-day-rules.ts). Seeded random rules that RFC 5545 allows for these
 * frequencies — INTERVAL, BYDAY sets, WKST, BYMONTH, BYMONTHDAY, BYHOUR, BYMINUTE, BYSECOND, BYSETPOS,
 * COUNT, UNTIL, DTSTART off the rule, all-day and timed — must give the same instances from
 * ruleInstances (windows before, at and long after DTSTART, so the fast-forward and BYSETPOS's first
 * period are exercised) and the same occurrences from expandCalendarObject in zones with DST changes
 * (New York, Berlin, Lord Howe's half hour, Santiago's southern one), floating and UTC. Where ical.js
 * was wrong (negative BYMONTHDAY on DAILY, unsorted BY lists) the rules are generated so that it is
 * not, and the arithmetic is checked otherwise (against the MONTHLY rule, and pinned cases below).
 * The oracle is given a small iteration cap, and both sides must stay under it: a rule that ran into
 * it would prove nothing. Rules ical.js cannot finish (ordinal BYDAY on DAILY, decision 0028; rules no
 * day matches, matchesSomeDay) are never given to it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandCalendarObject } from '../../../src/ical/expand.ts';
import type { RecurrenceRule } from '../../../src/ical/recurrence-rule.ts';
import { ruleInstances } from '../../../src/ical/recurrence.ts';
import { DAY_MS, wallParts, WEEKDAY_CODES, type Wall } from '../../../src/ical/values.ts';
import { calendar, vevent } from './helpers.ts';
import { loadIcalJsExpansion } from './support/ical-js-day-rules.ts';

const SEED = Number(process.env.DAY_RULE_SEED ?? 20261207);
const RUNS = Number(process.env.DAY_RULE_RUNS ?? 800);
/** Far above what any generated rule needs (≤ 9 times a day over ≤ 4 years), far below a hang. */
const MAX_ITERATIONS = 40_000;

let oracle: Awaited<ReturnType<typeof loadIcalJsExpansion>>;
beforeAll(async () => {
  oracle = await loadIcalJsExpansion();
});

interface GeneratedRule {
  rule: RecurrenceRule;
  allDay: boolean;
  dtstart: Wall;
  /** Days after DTSTART (fractional: a time of day too), or null. */
  untilAfterDays: number | null;
}

/** Some of `values`, in their order (ical.js yields the times of an unsorted BYHOUR out of order: see below). */
const subset = <T>(values: readonly T[], max: number): fc.Arbitrary<T[]> =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max }).map((picked) => values.filter((v) => picked.includes(v)));
const maybe = <T>(arbitrary: fc.Arbitrary<T>, freq = 0.35): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: Math.round(100 * (1 - freq)), arbitrary: fc.constant(undefined) }, { weight: Math.round(100 * freq), arbitrary });

const MONTH_DAYS = [1, 2, 10, 15, 28, 29, 30, 31];

const generatedRule: fc.Arbitrary<GeneratedRule> = fc
  .record({
    freq: fc.constantFrom('DAILY' as const, 'WEEKLY' as const),
    interval: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 5 }) }),
    byday: maybe(subset(WEEKDAY_CODES, 4), 0.5),
    wkst: fc.integer({ min: 0, max: 6 }),
    bymonth: maybe(subset([1, 2, 3, 4, 6, 10, 11, 12], 4), 0.25),
    bymonthday: maybe(subset(MONTH_DAYS, 3), 0.25),
    byhour: maybe(subset([0, 1, 2, 3, 9, 12, 23], 3), 0.3),
    byminute: maybe(subset([0, 15, 30, 59], 2), 0.2),
    bysecond: maybe(subset([0, 30, 45], 2), 0.05),
    bysetpos: maybe(subset([1, 2, 3, -1, -2], 2), 0.2),
    count: maybe(fc.integer({ min: 1, max: 60 }), 0.3),
    untilAfterDays: maybe(fc.double({ min: -3, max: 700, noNaN: true }), 0.3),
    allDay: fc.boolean(),
    // 2019-01-01 … 2026-12-31, times on the quarter hour, sometimes with seconds.
    day: fc.integer({ min: 17897, max: 20818 }),
    minuteOfDay: fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
    second: fc.constantFrom(0, 0, 0, 30),
  })
  .map((g) => {
    const numeric: RecurrenceRule['numeric'] = {
      ...(g.bymonth && { bymonth: g.bymonth }),
      // RFC 5545 gives BYMONTHDAY to DAILY, not to WEEKLY.
      ...(g.bymonthday && g.freq === 'DAILY' && { bymonthday: g.bymonthday }),
      ...(g.byhour && { byhour: g.byhour }),
      ...(g.byminute && { byminute: g.byminute }),
      ...(g.bysecond && { bysecond: g.bysecond }),
    };
    const rule: RecurrenceRule = {
      freq: g.freq,
      interval: g.interval,
      count: g.count ?? null,
      until: null,
      wkst: g.wkst,
      byday: g.byday ?? [],
      numeric,
      bysetpos: g.bysetpos ?? [],
    };
    const dtstart = (g.day * DAY_MS + (g.allDay ? 0 : g.minuteOfDay * 60_000 + g.second * 1000)) as Wall;
    return { rule, allDay: g.allDay, dtstart, untilAfterDays: g.untilAfterDays ?? null };
  });

/**
 * Whether some day of the rule matches within a few years of DTSTART, found by brute force. ical.js's
 * iterator never returns from next() for a rule that matches no day at all (BYMONTH=2;BYMONTHDAY=30,
 * or DAILY;INTERVAL=7;BYDAY=MO from a Tuesday): such rules are not given to the oracle (the test
 * below shows the arithmetic ends on them).
 */
function matchesSomeDay(g: GeneratedRule): boolean {
  const { rule } = g;
  const first = Math.floor(g.dtstart / DAY_MS);
  const step = rule.freq === 'DAILY' ? rule.interval : 1;
  for (let day = first; day < first + 4000; day += step) {
    if (rule.freq === 'WEEKLY' && Math.floor((day - first) / 7) % rule.interval !== 0) continue;
    const date = new Date(day * DAY_MS);
    const weekday = WEEKDAY_CODES[date.getUTCDay()]!;
    if (
      rule.byday.length > 0 ? !rule.byday.includes(weekday) : rule.freq === 'WEEKLY' && date.getUTCDay() !== new Date(g.dtstart).getUTCDay()
    )
      continue;
    if (rule.numeric.bymonth && !rule.numeric.bymonth.includes(date.getUTCMonth() + 1)) continue;
    if (rule.numeric.bymonthday && !rule.numeric.bymonthday.includes(date.getUTCDate())) continue;
    return true;
  }
  return false;
}

function untilOf(g: GeneratedRule): Wall | null {
  if (g.untilAfterDays === null) return null;
  const ms = g.dtstart + Math.round(g.untilAfterDays * DAY_MS);
  return (g.allDay ? Math.floor(ms / DAY_MS) * DAY_MS : Math.floor(ms / 1000) * 1000) as Wall;
}

/** Window start, in days after DTSTART: before it, at it, soon after, long after (the fast-forward). */
const windowStart = fc.oneof(fc.integer({ min: -40, max: 5 }), fc.integer({ min: 5, max: 120 }), fc.integer({ min: 300, max: 1100 }));

function instances(run: typeof ruleInstances, g: GeneratedRule, fromDay: number, days: number): { values: Wall[]; limited: string[] } {
  const limited: string[] = [];
  const skipBefore = (g.dtstart + fromDay * DAY_MS) as Wall;
  const values = [
    ...run(
      g.rule,
      g.dtstart,
      g.allDay,
      untilOf(g),
      { skipBefore, stopAfter: (skipBefore + days * DAY_MS) as Wall, maxIterations: MAX_ITERATIONS, onLimit: (m) => limited.push(m) },
      'EVENT test',
    ),
  ];
  return { values, limited };
}

/** The RRULE text of a generated rule, UNTIL in UTC for a timed event (RFC 5545 wants it so with a TZID). */
function rruleText(g: GeneratedRule): string {
  const { rule } = g;
  const parts = [`FREQ=${rule.freq}`, `INTERVAL=${rule.interval}`, `WKST=${WEEKDAY_CODES[rule.wkst]}`];
  if (rule.byday.length > 0) parts.push(`BYDAY=${rule.byday.join(',')}`);
  for (const [part, values] of Object.entries(rule.numeric)) parts.push(`${part.toUpperCase()}=${values.join(',')}`);
  if (rule.bysetpos.length > 0) parts.push(`BYSETPOS=${rule.bysetpos.join(',')}`);
  if (rule.count !== null) parts.push(`COUNT=${rule.count}`);
  const until = untilOf(g);
  if (until !== null) parts.push(`UNTIL=${g.allDay ? basicDate(until) : `${basicDateTime(until)}Z`}`);
  return parts.join(';');
}

function basicDate(value: Wall): string {
  const p = wallParts(value);
  return `${String(p.year).padStart(4, '0')}${String(p.month).padStart(2, '0')}${String(p.day).padStart(2, '0')}`;
}

function basicDateTime(value: Wall): string {
  const p = wallParts(value);
  return `${basicDate(value)}T${[p.hour, p.minute, p.second].map((n) => String(n).padStart(2, '0')).join('')}`;
}

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago', 'UTC', null] as const;

describe('DAILY and WEEKLY candidates by arithmetic, against ical.js', () => {
  it('ruleInstances gives the same instances for seeded random rules and windows', () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(generatedRule, windowStart, fc.integer({ min: 1, max: 500 }), (g, fromDay, days) => {
        fc.pre(matchesSomeDay(g));
        const ours = instances(ruleInstances, g, fromDay, days);
        const theirs = instances(oracle.ruleInstances, g, fromDay, days);
        expect(theirs.limited).toEqual([]);
        expect(ours.limited).toEqual([]);
        expect(ours.values).toEqual(theirs.values);
        if (ours.values.length > 1) nonEmpty++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The generator must produce rules with instances, not just DTSTART, for the agreement to mean much.
    expect(nonEmpty).toBeGreaterThan(RUNS / 2);
  });

  it('expandCalendarObject gives the same occurrences in zones with DST, floating and UTC', () => {
    fc.assert(
      fc.property(
        generatedRule,
        fc.constantFrom(...ZONES),
        windowStart,
        fc.integer({ min: 15, max: 600 }),
        fc.boolean(),
        (g, zone, fromDay, lengthMinutes, withExdate) => {
          fc.pre(matchesSomeDay(g));
          const start = g.allDay
            ? `DTSTART;VALUE=DATE:${basicDate(g.dtstart)}`
            : zone === null
              ? `DTSTART:${basicDateTime(g.dtstart)}`
              : zone === 'UTC'
                ? `DTSTART:${basicDateTime(g.dtstart)}Z`
                : `DTSTART;TZID=${zone}:${basicDateTime(g.dtstart)}`;
          const lines = [start, g.allDay ? 'DURATION:P1D' : `DURATION:PT${lengthMinutes}M`, `RRULE:${rruleText(g)}`];
          // An EXDATE on the second day's DTSTART time: it must remove the same instance on both sides.
          if (withExdate) lines.push(start.replace('DTSTART', 'EXDATE').replace(/:\d{8}/, `:${basicDate((g.dtstart + DAY_MS) as Wall)}`));
          const ics = calendar(vevent(lines.join('\n')));
          const from = new Date((Math.floor(g.dtstart / DAY_MS) + fromDay) * DAY_MS);
          const options = { from, to: new Date(from.getTime() + 430 * DAY_MS), zone: 'Europe/London', maxOccurrences: 5000 };
          const ours = expandCalendarObject(ics, options);
          const theirs = oracle.expandCalendarObject(ics, options);
          expect(ours).toEqual(theirs);
        },
      ),
      { seed: SEED + 1, numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it('a DAILY rule with BYMONTHDAY (negative too) has the instances of the MONTHLY rule with the same parts', () => {
    // ical.js drops negative BYMONTHDAY on DAILY rules (below), so these are checked against the
    // MONTHLY arithmetic of calendar-period-rule.ts instead: with INTERVAL=1 and no BYSETPOS, RFC 5545's
    // table makes both the days of BYMONTHDAY that are in BYMONTH and on a BYDAY weekday.
    fc.assert(
      fc.property(
        generatedRule,
        fc.uniqueArray(fc.constantFrom(...MONTH_DAYS, -1, -2, -3, -15, -28, -29, -30, -31), { minLength: 1, maxLength: 3 }),
        windowStart,
        fc.integer({ min: 1, max: 500 }),
        (g, monthDays, fromDay, days) => {
          const daily: GeneratedRule = {
            ...g,
            rule: { ...g.rule, freq: 'DAILY', interval: 1, numeric: { ...g.rule.numeric, bymonthday: monthDays }, bysetpos: [] },
          };
          const monthly: GeneratedRule = { ...daily, rule: { ...daily.rule, freq: 'MONTHLY' } };
          // Both may yield instances before the window (where their fast-forward starts); callers drop those.
          const inWindow = (r: GeneratedRule): Wall[] =>
            instances(ruleInstances, r, fromDay, days).values.filter((value) => value >= r.dtstart + fromDay * DAY_MS);
          expect(inWindow(daily)).toEqual(inWindow(monthly));
        },
      ),
      { seed: SEED + 2, numRuns: Math.ceil(RUNS / 5) },
    );
  });

  const nine = (day: string): Wall => Date.parse(`${day}T09:00:00Z`) as Wall;
  const rule = (parts: Partial<RecurrenceRule>): RecurrenceRule => ({
    freq: 'DAILY',
    interval: 1,
    count: null,
    until: null,
    wkst: 1,
    byday: [],
    numeric: {},
    bysetpos: [],
    ...parts,
  });
  const run = (r: RecurrenceRule, dtstart: Wall, days: number, until: Wall | null = null): string[] =>
    [
      ...ruleInstances(
        r,
        dtstart,
        false,
        until,
        { skipBefore: dtstart, stopAfter: (dtstart + days * DAY_MS) as Wall, maxIterations: MAX_ITERATIONS, onLimit: () => undefined },
        'EVENT test',
      ),
    ].map((v) => new Date(v).toISOString().slice(0, 16));

  it('where ical.js was wrong: negative BYMONTHDAY on DAILY, an unsorted BYHOUR with COUNT, UNTIL before DTSTART', () => {
    // ical.js yielded only the 1st of each month here (RFC 5545: the third-last day limits too).
    expect(run(rule({ numeric: { bymonthday: [-3, 1] } }), nine('2019-01-01'), 58)).toEqual(
      ['2019-01-01', '2019-01-29', '2019-02-01', '2019-02-26'].map((d) => `${d}T09:00`),
    );
    // ical.js yielded 02:00 before 00:00 of each day, so COUNT=3 took 02:00 twice and missed a midnight.
    const twoTimes = run(rule({ count: 3, numeric: { byhour: [2, 0] } }), Date.parse('2019-01-01T02:00:00Z') as Wall, 10);
    expect(twoTimes).toEqual(['2019-01-01T02:00', '2019-01-02T00:00', '2019-01-02T02:00']);
    // DTSTART is the first instance whatever UNTIL says, also when the rule's first candidate is DTSTART itself.
    expect(run(rule({}), nine('2019-01-01'), 10, (nine('2019-01-01') - 1000) as Wall)).toEqual(['2019-01-01T09:00']);
  });

  it('rules that match no day end (ical.js never returned from them, on main too), with DTSTART as the only occurrence', () => {
    const options = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-03-01T00:00:00Z'), zone: 'Europe/Berlin' };
    for (const rrule of [
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=DAILY;INTERVAL=7;BYDAY=MO',
      'FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31;COUNT=5',
      // Still ical.js's to iterate (sub-daily, or parts RFC 5545 does not give WEEKLY): days are looked at first.
      'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=MINUTELY;INTERVAL=15;BYMONTHDAY=31;BYMONTH=11',
      'FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30,31',
    ]) {
      // 2026-01-06 is a Tuesday.
      const ics = calendar(vevent(`DTSTART;TZID=Europe/Berlin:20260106T090000\nDURATION:PT1H\nRRULE:${rrule}`));
      expect(
        expandCalendarObject(ics, options).map((o) => o.start.toISOString()),
        rrule,
      ).toEqual(['2026-01-06T08:00:00.000Z']);
    }
  });

  it('a rule with very many candidates still ends at the iteration cap, and says so', () => {
    // 86,400 times a day from a DTSTART years before the window, with a COUNT (so no fast-forward).
    const every = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    const g: GeneratedRule = {
      rule: {
        freq: 'DAILY',
        interval: 1,
        count: 100_000_000,
        until: null,
        wkst: 1,
        byday: [],
        numeric: { byhour: every(24), byminute: every(60), bysecond: every(60) },
        bysetpos: [],
      },
      allDay: false,
      dtstart: (18000 * DAY_MS) as Wall,
      untilAfterDays: null,
    };
    const { values, limited } = instances(ruleInstances, g, 3000, 400);
    expect(limited).toEqual([`EVENT test: RRULE FREQ=DAILY stopped after ${MAX_ITERATIONS} iterations`]);
    expect(values.length).toBeLessThan(MAX_ITERATIONS);
    expect(values.slice(0, 3)).toEqual([g.dtstart, g.dtstart + 1000, g.dtstart + 2000]);
  });
});
