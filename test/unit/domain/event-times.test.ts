import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { eventOccurrences, type EventSchedule } from '../../../src/domain/event-times.ts';
import { zone } from './arbitraries.ts';
import { DAY, iso, MINUTE, span, utc } from './builders.ts';

const YEAR = span(utc('2026-01-01T00:00Z'), utc('2027-01-01T00:00Z'));

function localTimes(s: EventSchedule, range = YEAR): string[] {
  return eventOccurrences(s, range).map((x) => DateTime.fromMillis(x.start, { zone: s.timezone }).toFormat("yyyy-MM-dd'T'HH:mm"));
}

describe('eventOccurrences', () => {
  it('weekly at 18:00 New York keeps 18:00 local across the November change (22:00Z → 23:00Z)', () => {
    const s: EventSchedule = { firstStart: '2026-10-22T18:00', timezone: 'America/New_York', durationMin: 90, repeat: 'weekly', count: 4 };
    const out = eventOccurrences(s, YEAR);
    expect(out.map((x) => iso(x.start))).toEqual(['2026-10-22T22:00Z', '2026-10-29T22:00Z', '2026-11-05T23:00Z', '2026-11-12T23:00Z']);
    expect(out.every((x) => x.end - x.start === 90 * MINUTE)).toBe(true);
  });

  it('daily across the London March change', () => {
    const s: EventSchedule = { firstStart: '2026-03-28T09:30', timezone: 'Europe/London', durationMin: 30, repeat: 'daily', count: 3 };
    expect(eventOccurrences(s, YEAR).map((x) => iso(x.start))).toEqual(['2026-03-28T09:30Z', '2026-03-29T08:30Z', '2026-03-30T08:30Z']);
  });

  it('a one-off event occurs once, whatever the count', () => {
    const s: EventSchedule = { firstStart: '2026-12-01T18:00', timezone: 'Europe/Berlin', durationMin: 120, repeat: 'none', count: 5 };
    expect(eventOccurrences(s, YEAR).map((x) => [iso(x.start), iso(x.end)])).toEqual([['2026-12-01T17:00Z', '2026-12-01T19:00Z']]);
  });

  it('monthly on the 31st skips shorter months, and skipped months do not use up the count', () => {
    const s: EventSchedule = { firstStart: '2026-01-31T10:00', timezone: 'UTC', durationMin: 60, repeat: 'monthly', count: 4 };
    expect(localTimes(s)).toEqual(['2026-01-31T10:00', '2026-03-31T10:00', '2026-05-31T10:00', '2026-07-31T10:00']);
  });

  it('a start in the skipped hour moves forward by the gap', () => {
    const s: EventSchedule = { firstStart: '2026-03-07T02:30', timezone: 'America/New_York', durationMin: 30, repeat: 'daily', count: 3 };
    expect(localTimes(s)).toEqual(['2026-03-07T02:30', '2026-03-08T03:30', '2026-03-09T02:30']);
  });

  it('returns only occurrences that overlap the range, and none for an empty range', () => {
    const s: EventSchedule = { firstStart: '2026-06-01T10:00', timezone: 'UTC', durationMin: 60, repeat: 'daily', count: null };
    expect(eventOccurrences(s, span(utc('2026-06-03T10:30Z'), utc('2026-06-05T10:00Z'))).map((x) => iso(x.start))).toEqual([
      '2026-06-03T10:00Z',
      '2026-06-04T10:00Z',
    ]);
    expect(eventOccurrences(s, span(utc('2026-06-03T10:30Z'), utc('2026-06-03T10:30Z')))).toEqual([]);
  });

  it('an unbounded series a century ahead still lands on the right weekday and wall time', () => {
    const s: EventSchedule = { firstStart: '2026-06-01T10:00', timezone: 'Europe/Paris', durationMin: 60, repeat: 'weekly', count: null };
    const far = span(utc('2126-06-01T00:00Z'), utc('2126-06-15T00:00Z'));
    expect(localTimes(s, far)).toEqual(['2126-06-03T10:00', '2126-06-10T10:00']); // Mondays, like 2026-06-01
  });

  it('rejects an invalid start, zone or duration', () => {
    expect(() => eventOccurrences({ firstStart: 'tomorrow', timezone: 'UTC', durationMin: 60, repeat: 'none', count: null }, YEAR)).toThrow(
      RangeError,
    );
    expect(() =>
      eventOccurrences({ firstStart: '2026-06-01T10:00', timezone: 'Nowhere/Land', durationMin: 60, repeat: 'none', count: null }, YEAR),
    ).toThrow(RangeError);
    expect(() =>
      eventOccurrences({ firstStart: '2026-06-01T10:00', timezone: 'UTC', durationMin: 0, repeat: 'none', count: null }, YEAR),
    ).toThrow(RangeError);
  });

  it('property: a window of the series equals the same window cut out of the whole series, all at the same wall time', () => {
    const arb = fc.record({
      timezone: zone,
      dayOfYear: fc.integer({ min: 0, max: 364 }),
      minuteOfDay: fc.integer({ min: 0, max: 287 }).map((i) => i * 5),
      durationMin: fc.integer({ min: 5, max: 600 }),
      repeat: fc.constantFrom('none', 'daily', 'weekly', 'monthly') as fc.Arbitrary<EventSchedule['repeat']>,
      count: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
      windowStartDays: fc.integer({ min: 0, max: 500 }),
      windowDays: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const first = DateTime.fromMillis(YEAR.start, { zone: 'UTC' }).plus({ days: a.dayOfYear, minutes: a.minuteOfDay });
        const s: EventSchedule = {
          firstStart: first.toFormat("yyyy-MM-dd'T'HH:mm"),
          timezone: a.timezone,
          durationMin: a.durationMin,
          repeat: a.repeat,
          count: a.count,
        };
        const window = span(YEAR.start + a.windowStartDays * DAY, YEAR.start + (a.windowStartDays + a.windowDays) * DAY);
        const everything = eventOccurrences(s, span(YEAR.start - DAY, YEAR.start + 600 * DAY));
        expect(eventOccurrences(s, window)).toEqual(everything.filter((x) => x.end > window.start && x.start < window.end));
        if (a.count !== null && a.repeat !== 'none') expect(everything.length).toBeLessThanOrEqual(a.count);
        for (let i = 1; i < everything.length; i++) expect(everything[i]!.start).toBeGreaterThan(everything[i - 1]!.start);
        // Same wall time everywhere, except where that wall time does not exist (a DST gap).
        const wallTimes = new Set(
          everything
            .filter(
              (x) =>
                DateTime.fromMillis(x.start - 3 * 3_600_000, { zone: s.timezone }).offset ===
                DateTime.fromMillis(x.start + 3 * 3_600_000, { zone: s.timezone }).offset,
            )
            .map((x) => DateTime.fromMillis(x.start, { zone: s.timezone }).toFormat('HH:mm')),
        );
        expect(wallTimes.size).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });
});
