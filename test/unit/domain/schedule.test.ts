import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isValidTimeZone, parseTimeOfDay, workingIntervals, type Schedule } from '../../../src/domain/schedule.ts';
import { range, scheduleNear } from './arbitraries.ts';
import { DAY, HOUR, iso, local, MINUTE, schedule, span, utc, wall, WEEKDAYS_9_TO_5 } from './builders.ts';
import { scheduledAt } from './model.ts';

/** Working intervals of one local date, as ISO UTC strings. */
function dayIn(s: Schedule, date: string): string[][] {
  const start = local(`${date}T00:00`, s.timezone);
  const end = DateTime.fromMillis(start, { zone: s.timezone }).plus({ days: 1 }).toMillis();
  return workingIntervals(s, span(start, end)).map((x) => [iso(x.start), iso(x.end)]);
}

const NINE_TO_FIVE_SAT_MON = { 6: [{ start: '09:00', end: '17:00' }], 1: [{ start: '09:00', end: '17:00' }] };

describe('workingIntervals across DST', () => {
  const ny = schedule('America/New_York', NINE_TO_FIVE_SAT_MON);
  const london = schedule('Europe/London', NINE_TO_FIVE_SAT_MON);

  it('New York, March change (Sun 2026-03-08): 09:00–17:00 local on the Saturday before and the Monday after', () => {
    expect(dayIn(ny, '2026-03-07')).toEqual([['2026-03-07T14:00Z', '2026-03-07T22:00Z']]); // EST, UTC−5
    expect(dayIn(ny, '2026-03-09')).toEqual([['2026-03-09T13:00Z', '2026-03-09T21:00Z']]); // EDT, UTC−4
  });

  it('New York, November change (Sun 2026-11-01)', () => {
    expect(dayIn(ny, '2026-10-31')).toEqual([['2026-10-31T13:00Z', '2026-10-31T21:00Z']]); // EDT
    expect(dayIn(ny, '2026-11-02')).toEqual([['2026-11-02T14:00Z', '2026-11-02T22:00Z']]); // EST
  });

  it('London, March change (Sun 2026-03-29)', () => {
    expect(dayIn(london, '2026-03-28')).toEqual([['2026-03-28T09:00Z', '2026-03-28T17:00Z']]); // GMT
    expect(dayIn(london, '2026-03-30')).toEqual([['2026-03-30T08:00Z', '2026-03-30T16:00Z']]); // BST
  });

  it('London, October change (Sun 2026-10-25)', () => {
    expect(dayIn(london, '2026-10-24')).toEqual([['2026-10-24T08:00Z', '2026-10-24T16:00Z']]); // BST
    expect(dayIn(london, '2026-10-26')).toEqual([['2026-10-26T09:00Z', '2026-10-26T17:00Z']]); // GMT
  });

  it('one query spanning the change gives both offsets', () => {
    const out = workingIntervals(ny, span(utc('2026-03-07T00:00Z'), utc('2026-03-10T00:00Z')));
    expect(out.map((x) => [wall(x.start, ny.timezone), wall(x.end, ny.timezone)])).toEqual([
      ['09:00', '17:00'],
      ['09:00', '17:00'],
    ]);
    expect(out.map((x) => (x.end - x.start) / HOUR)).toEqual([8, 8]);
  });

  it('the change day itself: 00:00–06:00 lasts 5 h in spring and 7 h in autumn', () => {
    const night = schedule('America/New_York', { 7: [{ start: '00:00', end: '06:00' }] });
    expect(dayIn(night, '2026-03-08')).toEqual([['2026-03-08T05:00Z', '2026-03-08T10:00Z']]);
    expect(dayIn(night, '2026-11-01')).toEqual([['2026-11-01T04:00Z', '2026-11-01T11:00Z']]);
  });

  it('hours wholly inside the skipped hour are empty', () => {
    const gap = schedule('America/New_York', { 7: [{ start: '02:00', end: '03:00' }] });
    expect(dayIn(gap, '2026-03-08')).toEqual([]);
    expect(dayIn(gap, '2026-03-15')).toEqual([['2026-03-15T06:00Z', '2026-03-15T07:00Z']]);
  });

  it('an ambiguous end (the repeated hour) resolves to its first occurrence', () => {
    const s = schedule('America/New_York', { 7: [{ start: '00:00', end: '01:30' }] });
    expect(dayIn(s, '2026-11-01')).toEqual([['2026-11-01T04:00Z', '2026-11-01T05:30Z']]); // 01:30 EDT
  });

  it('Lord Howe shifts by 30 minutes', () => {
    const s = schedule('Australia/Lord_Howe', NINE_TO_FIVE_SAT_MON);
    // DST ends Sun 2026-04-05: +11 before, +10:30 after.
    expect(dayIn(s, '2026-04-04')).toEqual([['2026-04-03T22:00Z', '2026-04-04T06:00Z']]);
    expect(dayIn(s, '2026-04-06')).toEqual([['2026-04-05T22:30Z', '2026-04-06T06:30Z']]);
  });

  it('half-hour zones: Kolkata 09:00 is 03:30Z', () => {
    expect(dayIn(schedule('Asia/Kolkata', WEEKDAYS_9_TO_5), '2026-06-01')).toEqual([['2026-06-01T03:30Z', '2026-06-01T11:30Z']]);
  });

  it('a zone whose midnight repeats (Havana, 2026-11-01: 01:00 → 00:00) starts the day at the first midnight', () => {
    const s = schedule('America/Havana', { 6: [{ start: '20:00', end: '24:00' }], 7: [{ start: '00:00', end: '03:00' }] });
    // Saturday ends, and Sunday starts, at 00:00 CDT (04:00Z), not at the second 00:00 (CST, 05:00Z).
    expect(dayIn(s, '2026-10-31')).toEqual([['2026-11-01T00:00Z', '2026-11-01T04:00Z']]);
    expect(dayIn(s, '2026-11-01')).toEqual([['2026-11-01T04:00Z', '2026-11-01T08:00Z']]);
  });

  it('a zone whose midnight falls in the DST gap (Santiago, 2026-09-06) still starts the day at 01:00', () => {
    const s = schedule('America/Santiago', { 7: [{ start: '00:00', end: '03:00' }] });
    expect(dayIn(s, '2026-09-06')).toEqual([['2026-09-06T04:00Z', '2026-09-06T06:00Z']]);
  });
});

describe('workingIntervals: overrides, ranges, clipping', () => {
  it('a date override of [] is a day off; other days keep the weekly hours', () => {
    const s = schedule('Europe/Berlin', WEEKDAYS_9_TO_5, [{ date: '2026-06-02', ranges: [] }]);
    expect(dayIn(s, '2026-06-02')).toEqual([]);
    expect(dayIn(s, '2026-06-03')).toEqual([['2026-06-03T07:00Z', '2026-06-03T15:00Z']]);
  });

  it('a date override with custom hours replaces the weekly hours, even on a weekend', () => {
    const s = schedule('Europe/Berlin', WEEKDAYS_9_TO_5, [
      {
        date: '2026-06-02',
        ranges: [
          { start: '12:00', end: '13:00' },
          { start: '15:30', end: '16:00' },
        ],
      },
      { date: '2026-06-06', ranges: [{ start: '10:00', end: '12:00' }] },
    ]);
    expect(dayIn(s, '2026-06-02')).toEqual([
      ['2026-06-02T10:00Z', '2026-06-02T11:00Z'],
      ['2026-06-02T13:30Z', '2026-06-02T14:00Z'],
    ]);
    expect(dayIn(s, '2026-06-06')).toEqual([['2026-06-06T08:00Z', '2026-06-06T10:00Z']]); // a Saturday
  });

  it('overlapping ranges merge; "24:00" runs to midnight and joins the next day', () => {
    const s = schedule('UTC', {
      1: [
        { start: '09:00', end: '12:00' },
        { start: '11:00', end: '14:00' },
        { start: '22:00', end: '24:00' },
      ],
      2: [{ start: '00:00', end: '02:00' }],
    });
    expect(workingIntervals(s, span(utc('2026-06-01T00:00Z'), utc('2026-06-03T00:00Z'))).map((x) => [iso(x.start), iso(x.end)])).toEqual([
      ['2026-06-01T09:00Z', '2026-06-01T14:00Z'],
      ['2026-06-01T22:00Z', '2026-06-02T02:00Z'],
    ]);
  });

  it('clips to the requested range', () => {
    const s = schedule('UTC', WEEKDAYS_9_TO_5);
    expect(workingIntervals(s, span(utc('2026-06-01T10:15Z'), utc('2026-06-01T12:00Z')))).toEqual([
      span(utc('2026-06-01T10:15Z'), utc('2026-06-01T12:00Z')),
    ]);
    expect(workingIntervals(s, span(utc('2026-06-01T12:00Z'), utc('2026-06-01T12:00Z')))).toEqual([]);
  });

  it('rejects malformed times and unknown zones', () => {
    expect(() => workingIntervals(schedule('UTC', { 1: [{ start: '9:00', end: '17:00' }] }), span(0, DAY))).toThrow(RangeError);
    expect(() => workingIntervals(schedule('UTC', { 1: [{ start: '09:00', end: '24:30' }] }), span(0, DAY))).toThrow(RangeError);
    expect(() => workingIntervals(schedule('Mars/Olympus_Mons'), span(0, DAY))).toThrow(RangeError);
  });

  it('parses times of day', () => {
    expect(parseTimeOfDay('00:00')).toBe(0);
    expect(parseTimeOfDay('09:30')).toBe(570);
    expect(parseTimeOfDay('23:59')).toBe(1439);
    expect(parseTimeOfDay('24:00')).toBe(1440);
    expect(() => parseTimeOfDay('24:01')).toThrow(RangeError);
  });

  it('validates time zones', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Asia/Kathmandu')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('workingIntervals properties', () => {
  it('is canonical and inside the range', () => {
    fc.assert(
      fc.property(
        range.chain((r) => fc.tuple(fc.constant(r), scheduleNear(r))),
        ([r, s]) => {
          const out = workingIntervals(s, r);
          out.forEach((x, i) => {
            expect(x.end).toBeGreaterThan(x.start);
            expect(x.start).toBeGreaterThanOrEqual(r.start);
            expect(x.end).toBeLessThanOrEqual(r.end);
            if (i > 0) expect(x.start).toBeGreaterThan(out[i - 1]!.end);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('an instant is working time exactly when its local wall time is in that date’s ranges (Luxon, instant by instant)', () => {
    fc.assert(
      fc.property(
        range.chain((r) => fc.tuple(fc.constant(r), scheduleNear(r), fc.integer({ min: 0, max: 16 }))),
        ([r, s, phase]) => {
          const out = workingIntervals(s, r);
          const zone = s.timezone;
          for (let t = r.start - (r.start % MINUTE) + MINUTE + phase * MINUTE; t < r.end; t += 17 * MINUTE) {
            // Within a few hours of an offset change a wall time can be skipped or repeated; those
            // days have their own example tests above.
            const before = DateTime.fromMillis(t - 3 * HOUR, { zone }).offset;
            const after = DateTime.fromMillis(t + 3 * HOUR, { zone }).offset;
            if (before !== after) continue;
            const actual = out.some((x) => x.start <= t && t < x.end);
            if (actual !== scheduledAt(s, t)) {
              throw new Error(`${iso(t)} (${DateTime.fromMillis(t, { zone }).toISO()}) working=${actual} in ${JSON.stringify(s)}`);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
