import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { expandCalendarObject, type Occurrence } from '../../../src/ical/expand.ts';
import { calendar, vevent } from './helpers.ts';

/** Local start times ("yyyy-MM-dd HH:mm" in New York) of a rule, as RFC 5545 writes its examples. */
function newYork(dtstart: string, rule: string, options: { max?: number; extra?: string; to?: string } = {}): string[] {
  const ics = calendar(vevent(`DTSTART;TZID=America/New_York:${dtstart}\nRRULE:${rule}${options.extra ? `\n${options.extra}` : ''}`));
  const occurrences = expandCalendarObject(ics, {
    from: new Date('1990-01-01T00:00:00Z'),
    to: new Date(options.to ?? '2010-01-01T00:00:00Z'),
    zone: 'UTC',
    maxOccurrences: options.max ?? 5000,
  });
  return occurrences.map((o) => DateTime.fromJSDate(o.start, { zone: 'America/New_York' }).toFormat('yyyy-MM-dd HH:mm'));
}

const at9 = (...days: string[]): string[] => days.map((day) => `${day} 09:00`);

// RFC 5545 §3.8.5.3, with DTSTART;TZID=America/New_York as there. Expected values are copied
// from the RFC (times in New York, so DST changes are part of the check).
describe('RFC 5545 recurrence examples', () => {
  it('daily for 10 occurrences', () => {
    expect(newYork('19970902T090000', 'FREQ=DAILY;COUNT=10')).toEqual(
      at9(
        '1997-09-02',
        '1997-09-03',
        '1997-09-04',
        '1997-09-05',
        '1997-09-06',
        '1997-09-07',
        '1997-09-08',
        '1997-09-09',
        '1997-09-10',
        '1997-09-11',
      ),
    );
  });

  it('daily until December 24, 1997 (113 instances, 09:00 across the October DST change)', () => {
    const result = newYork('19970902T090000', 'FREQ=DAILY;UNTIL=19971224T000000Z');
    expect(result).toHaveLength(113);
    expect(result.at(0)).toBe('1997-09-02 09:00');
    expect(result.at(-1)).toBe('1997-12-23 09:00');
    expect(result.every((value) => value.endsWith('09:00'))).toBe(true);
  });

  it('every other day, forever', () => {
    expect(newYork('19970902T090000', 'FREQ=DAILY;INTERVAL=2', { max: 4 })).toEqual(
      at9('1997-09-02', '1997-09-04', '1997-09-06', '1997-09-08'),
    );
  });

  it('every 10 days, 5 occurrences', () => {
    expect(newYork('19970902T090000', 'FREQ=DAILY;INTERVAL=10;COUNT=5')).toEqual(
      at9('1997-09-02', '1997-09-12', '1997-09-22', '1997-10-02', '1997-10-12'),
    );
  });

  it('every day in January, for 3 years (YEARLY and DAILY forms)', () => {
    const yearly = newYork('19980101T090000', 'FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA');
    const daily = newYork('19980101T090000', 'FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1');
    expect(yearly).toHaveLength(93);
    expect(daily).toEqual(yearly);
    expect(yearly.filter((value) => value.startsWith('1999-01'))).toHaveLength(31);
  });

  it('every other week on Monday, Wednesday and Friday until December 24, 1997, week starting Sunday', () => {
    expect(newYork('19970901T090000', 'FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR')).toEqual(
      at9(
        '1997-09-01',
        '1997-09-03',
        '1997-09-05',
        '1997-09-15',
        '1997-09-17',
        '1997-09-19',
        '1997-09-29',
        '1997-10-01',
        '1997-10-03',
        '1997-10-13',
        '1997-10-15',
        '1997-10-17',
        '1997-10-27',
        '1997-10-29',
        '1997-10-31',
        '1997-11-10',
        '1997-11-12',
        '1997-11-14',
        '1997-11-24',
        '1997-11-26',
        '1997-11-28',
        '1997-12-08',
        '1997-12-10',
        '1997-12-12',
        '1997-12-22',
      ),
    );
  });

  it('WKST changes the result of a bi-weekly rule', () => {
    expect(newYork('19970805T090000', 'FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO')).toEqual(
      at9('1997-08-05', '1997-08-10', '1997-08-19', '1997-08-24'),
    );
    expect(newYork('19970805T090000', 'FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU')).toEqual(
      at9('1997-08-05', '1997-08-17', '1997-08-19', '1997-08-31'),
    );
  });

  it('monthly on the first Friday for 10 occurrences', () => {
    expect(newYork('19970905T090000', 'FREQ=MONTHLY;COUNT=10;BYDAY=1FR')).toEqual(
      at9(
        '1997-09-05',
        '1997-10-03',
        '1997-11-07',
        '1997-12-05',
        '1998-01-02',
        '1998-02-06',
        '1998-03-06',
        '1998-04-03',
        '1998-05-01',
        '1998-06-05',
      ),
    );
  });

  it('monthly on the second-to-last Monday for 6 months', () => {
    expect(newYork('19970922T090000', 'FREQ=MONTHLY;COUNT=6;BYDAY=-2MO')).toEqual(
      at9('1997-09-22', '1997-10-20', '1997-11-17', '1997-12-22', '1998-01-19', '1998-02-16'),
    );
  });

  it('monthly on the third-to-last day', () => {
    expect(newYork('19970928T090000', 'FREQ=MONTHLY;BYMONTHDAY=-3', { max: 6 })).toEqual(
      at9('1997-09-28', '1997-10-29', '1997-11-28', '1997-12-29', '1998-01-29', '1998-02-26'),
    );
  });

  it('monthly on the first and last day for 10 occurrences', () => {
    expect(newYork('19970930T090000', 'FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1')).toEqual(
      at9(
        '1997-09-30',
        '1997-10-01',
        '1997-10-31',
        '1997-11-01',
        '1997-11-30',
        '1997-12-01',
        '1997-12-31',
        '1998-01-01',
        '1998-01-31',
        '1998-02-01',
      ),
    );
  });

  it('every Tuesday, every other month', () => {
    expect(newYork('19970902T090000', 'FREQ=MONTHLY;INTERVAL=2;BYDAY=TU', { max: 10 })).toEqual(
      at9(
        '1997-09-02',
        '1997-09-09',
        '1997-09-16',
        '1997-09-23',
        '1997-09-30',
        '1997-11-04',
        '1997-11-11',
        '1997-11-18',
        '1997-11-25',
        '1998-01-06',
      ),
    );
  });

  it('yearly in June and July for 10 occurrences', () => {
    expect(newYork('19970610T090000', 'FREQ=YEARLY;COUNT=10;BYMONTH=6,7')).toEqual(
      at9(
        '1997-06-10',
        '1997-07-10',
        '1998-06-10',
        '1998-07-10',
        '1999-06-10',
        '1999-07-10',
        '2000-06-10',
        '2000-07-10',
        '2001-06-10',
        '2001-07-10',
      ),
    );
  });

  it('every other year on January, February and March for 10 occurrences', () => {
    expect(newYork('19970310T090000', 'FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3')).toEqual(
      at9(
        '1997-03-10',
        '1999-01-10',
        '1999-02-10',
        '1999-03-10',
        '2001-01-10',
        '2001-02-10',
        '2001-03-10',
        '2003-01-10',
        '2003-02-10',
        '2003-03-10',
      ),
    );
  });

  it('every third year on the 1st, 100th and 200th day for 10 occurrences', () => {
    expect(newYork('19970101T090000', 'FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200')).toEqual(
      at9(
        '1997-01-01',
        '1997-04-10',
        '1997-07-19',
        '2000-01-01',
        '2000-04-09',
        '2000-07-18',
        '2003-01-01',
        '2003-04-10',
        '2003-07-19',
        '2006-01-01',
      ),
    );
  });

  it('every 20th Monday of the year (ical.js alone yields every Monday)', () => {
    expect(newYork('19970519T090000', 'FREQ=YEARLY;BYDAY=20MO', { max: 3 })).toEqual(at9('1997-05-19', '1998-05-18', '1999-05-17'));
  });

  it('Monday of week number 20 (ical.js alone yields every Monday after May 12)', () => {
    expect(newYork('19970512T090000', 'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO', { max: 3 })).toEqual(
      at9('1997-05-12', '1998-05-11', '1999-05-17'),
    );
  });

  it('every Thursday in March', () => {
    expect(newYork('19970313T090000', 'FREQ=YEARLY;BYMONTH=3;BYDAY=TH', { max: 7 })).toEqual(
      at9('1997-03-13', '1997-03-20', '1997-03-27', '1998-03-05', '1998-03-12', '1998-03-19', '1998-03-26'),
    );
  });

  it('every Thursday, but only in June, July and August', () => {
    const result = newYork('19970605T090000', 'FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8', { to: '1999-01-01T00:00:00Z' });
    expect(result.slice(0, 13)).toEqual(
      at9(
        '1997-06-05',
        '1997-06-12',
        '1997-06-19',
        '1997-06-26',
        '1997-07-03',
        '1997-07-10',
        '1997-07-17',
        '1997-07-24',
        '1997-07-31',
        '1997-08-07',
        '1997-08-14',
        '1997-08-21',
        '1997-08-28',
      ),
    );
    expect(result.slice(13, 15)).toEqual(at9('1998-06-04', '1998-06-11'));
    expect(result).toHaveLength(26);
  });

  it('every Friday the 13th (DTSTART excluded by EXDATE)', () => {
    expect(
      newYork('19970902T090000', 'FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13', { max: 5, extra: 'EXDATE;TZID=America/New_York:19970902T090000' }),
    ).toEqual(at9('1998-02-13', '1998-03-13', '1998-11-13', '1999-08-13', '2000-10-13'));
  });

  it('the first Saturday that follows the first Sunday of the month', () => {
    expect(newYork('19970913T090000', 'FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13', { max: 10 })).toEqual(
      at9(
        '1997-09-13',
        '1997-10-11',
        '1997-11-08',
        '1997-12-13',
        '1998-01-10',
        '1998-02-07',
        '1998-03-07',
        '1998-04-11',
        '1998-05-09',
        '1998-06-13',
      ),
    );
  });

  it('US presidential election day, every 4 years', () => {
    expect(newYork('19961105T090000', 'FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8', { max: 3 })).toEqual(
      at9('1996-11-05', '2000-11-07', '2004-11-02'),
    );
  });

  it('the third Tuesday, Wednesday or Thursday of the month, for 3 months (BYSETPOS)', () => {
    expect(newYork('19970904T090000', 'FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3')).toEqual(
      at9('1997-09-04', '1997-10-07', '1997-11-06'),
    );
  });

  it('the second-to-last weekday of the month (BYSETPOS)', () => {
    expect(newYork('19970929T090000', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2', { max: 7 })).toEqual(
      at9('1997-09-29', '1997-10-30', '1997-11-27', '1997-12-30', '1998-01-29', '1998-02-26', '1998-03-30'),
    );
  });

  it('every 3 hours from 09:00 until 17:00Z (13:00 EDT; the RFC erratum lists 15:00 too)', () => {
    expect(newYork('19970902T090000', 'FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z')).toEqual(['1997-09-02 09:00', '1997-09-02 12:00']);
  });

  it('every 15 minutes for 6 occurrences, and every hour and a half for 4', () => {
    expect(newYork('19970902T090000', 'FREQ=MINUTELY;INTERVAL=15;COUNT=6')).toEqual(
      ['09:00', '09:15', '09:30', '09:45', '10:00', '10:15'].map((t) => `1997-09-02 ${t}`),
    );
    expect(newYork('19970902T090000', 'FREQ=MINUTELY;INTERVAL=90;COUNT=4')).toEqual(
      ['09:00', '10:30', '12:00', '13:30'].map((t) => `1997-09-02 ${t}`),
    );
  });

  it('every 20 minutes from 09:00 to 16:40, every day (DAILY and MINUTELY forms)', () => {
    const daily = newYork('19970902T090000', 'FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40', { max: 48 });
    const minutely = newYork('19970902T090000', 'FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16', { max: 48 });
    expect(daily).toEqual(minutely);
    expect(daily.slice(22, 26)).toEqual(['1997-09-02 16:20', '1997-09-02 16:40', '1997-09-03 09:00', '1997-09-03 09:20']);
  });

  it('ignores invalid dates (February 30)', () => {
    expect(newYork('20070115T090000', 'FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5')).toEqual(
      at9('2007-01-15', '2007-01-30', '2007-02-15', '2007-03-15', '2007-03-30'),
    );
  });
});

describe('rules ical.js expands wrongly on its own', () => {
  it('a yearly event on February 29 happens in leap years only', () => {
    expect(newYork('20240229T090000', 'FREQ=YEARLY', { max: 3, to: '2040-01-01T00:00:00Z' })).toEqual(
      at9('2024-02-29', '2028-02-29', '2032-02-29'),
    );
  });

  it('YEARLY;BYMONTHDAY without BYMONTH means every month', () => {
    expect(newYork('20240131T090000', 'FREQ=YEARLY;BYMONTHDAY=31', { max: 4, to: '2030-01-01T00:00:00Z' })).toEqual(
      at9('2024-01-31', '2024-03-31', '2024-05-31', '2024-07-31'),
    );
  });

  it('an impossible date yields only DTSTART (not March 1st)', () => {
    expect(newYork('20240131T090000', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', { to: '2030-01-01T00:00:00Z' })).toEqual(at9('2024-01-31'));
    expect(newYork('20240531T090000', 'FREQ=YEARLY;BYMONTH=4,5;BYMONTHDAY=31', { max: 3, to: '2030-01-01T00:00:00Z' })).toEqual(
      at9('2024-05-31', '2025-05-31', '2026-05-31'),
    );
  });

  it('BYSETPOS on WEEKLY, DAILY and YEARLY rules', () => {
    expect(newYork('20240101T100000', 'FREQ=WEEKLY;BYDAY=MO,WE;BYSETPOS=-1', { max: 3, to: '2030-01-01T00:00:00Z' })).toEqual([
      '2024-01-01 10:00',
      '2024-01-03 10:00',
      '2024-01-10 10:00',
    ]);
    expect(newYork('20240101T090000', 'FREQ=DAILY;BYHOUR=9,12,15;BYSETPOS=2', { max: 3, to: '2030-01-01T00:00:00Z' })).toEqual([
      '2024-01-01 09:00',
      '2024-01-01 12:00',
      '2024-01-02 12:00',
    ]);
    expect(newYork('20240110T100000', 'FREQ=YEARLY;BYDAY=MO;BYSETPOS=1', { max: 3, to: '2030-01-01T00:00:00Z' })).toEqual([
      '2024-01-10 10:00',
      '2025-01-06 10:00',
      '2026-01-05 10:00',
    ]);
    expect(newYork('20240101T100000', 'FREQ=MONTHLY;BYMONTHDAY=1,2,3;BYSETPOS=-2', { max: 3, to: '2030-01-01T00:00:00Z' })).toEqual([
      '2024-01-01 10:00',
      '2024-01-02 10:00',
      '2024-02-02 10:00',
    ]);
  });
});

describe('fast-forwarding to the window', () => {
  const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Apia'];
  // How far back DTSTART may be (days), and the longest window (hours), per frequency.
  const FREQS = [
    { freq: 'MINUTELY', back: 3, window: 24 },
    { freq: 'HOURLY', back: 60, window: 7 * 24 },
    { freq: 'DAILY', back: 5 * 365, window: 30 * 24 },
    { freq: 'WEEKLY', back: 5 * 365, window: 60 * 24 },
    { freq: 'MONTHLY', back: 20 * 365, window: 90 * 24 },
    { freq: 'YEARLY', back: 40 * 365, window: 400 * 24 },
  ] as const;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const local = (dt: DateTime): string => `${dt.year}${pad(dt.month)}${pad(dt.day)}T${pad(dt.hour)}${pad(dt.minute)}00`;
  const key = (o: Occurrence): string => `${o.start.toISOString()} ${o.end.toISOString()} ${o.recurrenceId}`;

  it('gives the same occurrences as iterating from DTSTART', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom(...FREQS),
          zone: fc.constantFrom(...ZONES),
          interval: fc.integer({ min: 1, max: 4 }),
          byday: fc.subarray(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'], { maxLength: 3 }),
          setpos: fc.option(fc.constantFrom(1, 2, -1), { nil: undefined }),
          backFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          windowStart: fc.integer({ min: 0, max: 2 * 365 * 24 }), // hours after 2025-01-01
          windowFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          lengthMinutes: fc.constantFrom(0, 30, 90, 24 * 60, 3 * 24 * 60),
        }),
        ({ kind, zone, interval, byday, setpos, backFraction, windowStart, windowFraction, lengthMinutes }) => {
          const from = DateTime.fromISO('2025-01-01T00:00:00Z').plus({ hours: windowStart });
          const to = from.plus({ hours: 1 + Math.floor(windowFraction * kind.window) });
          const start = from.minus({ days: Math.floor(backFraction * kind.back), minutes: (7 * windowStart) % 60 }).setZone(zone);
          const parts = [`FREQ=${kind.freq}`, `INTERVAL=${interval}`];
          if (byday.length > 0 && kind.freq !== 'MINUTELY') parts.push(`BYDAY=${byday.join(',')}`);
          if (setpos !== undefined && byday.length > 1) parts.push(`BYSETPOS=${setpos}`);
          const ics = calendar(vevent(`DTSTART;TZID=${zone}:${local(start)}\nDURATION:PT${lengthMinutes}M\nRRULE:${parts.join(';')}`));
          const direct = expandCalendarObject(ics, { from: from.toJSDate(), to: to.toJSDate(), zone: 'UTC', maxOccurrences: 100_000 });
          // From before DTSTART nothing can be skipped: every instance is stepped through.
          const reference = expandCalendarObject(ics, {
            from: start.minus({ days: 2 }).toJSDate(),
            to: to.toJSDate(),
            zone: 'UTC',
            maxOccurrences: 1_000_000,
          }).filter((o) => {
            const [s, e, f, t] = [o.start.getTime(), o.end.getTime(), from.toMillis(), to.toMillis()];
            return s === e ? s >= f && s < t : s < t && e > f;
          });
          expect(direct.map(key)).toEqual(reference.map(key));
        },
      ),
      { numRuns: 200 },
    );
  });
});
