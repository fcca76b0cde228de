import { describe, expect, it } from 'vitest';
import { expandCalendarObject, type ExpandOptions } from '../../../src/ical/expand.ts';
import { calendar, iso, spans, starts, vevent } from './helpers.ts';

const WIDE: Pick<ExpandOptions, 'from' | 'to'> = { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z') };

function expand(ics: string, options: Partial<ExpandOptions> = {}) {
  return expandCalendarObject(ics, { ...WIDE, zone: 'UTC', ...options });
}

describe('time zones', () => {
  it('reads a TZID without VTIMEZONE as the IANA zone (ical.js alone would read it as floating)', () => {
    const winter = calendar(vevent('DTSTART;TZID=America/New_York:20260115T090000\nDTEND;TZID=America/New_York:20260115T100000'));
    const summer = calendar(vevent('DTSTART;TZID=America/New_York:20260715T090000\nDTEND;TZID=America/New_York:20260715T100000'));
    expect(spans(expand(winter))).toEqual([['2026-01-15T14:00:00Z', '2026-01-15T15:00:00Z']]);
    expect(spans(expand(summer))).toEqual([['2026-07-15T13:00:00Z', '2026-07-15T14:00:00Z']]);
    // Not the user's clock either.
    expect(starts(expand(winter, { zone: 'Europe/Berlin' }))).toEqual(['2026-01-15T14:00:00Z']);
  });

  it('keeps a weekly series at 09:00 New York time across the US DST change', () => {
    const ics = calendar(
      vevent('DTSTART;TZID=America/New_York:20260301T090000\nDTEND;TZID=America/New_York:20260301T100000\nRRULE:FREQ=WEEKLY;COUNT=3'),
    );
    expect(starts(expand(ics))).toEqual(['2026-03-01T14:00:00Z', '2026-03-08T13:00:00Z', '2026-03-15T13:00:00Z']);
  });

  it('finds the IANA zone at the end of a prefixed TZID', () => {
    const ics = calendar(vevent('DTSTART;TZID=/mozilla.org/20050126_1/America/New_York:20260115T090000'));
    expect(starts(expand(ics))).toEqual(['2026-01-15T14:00:00Z']);
  });

  it('maps a Windows zone name without VTIMEZONE to its IANA zone', () => {
    const ics = calendar(
      vevent('UID:w\nDTSTART;TZID=W. Europe Standard Time:20260115T100000'),
      vevent('UID:s\nDTSTART;TZID="W. Europe Standard Time":20260715T100000'),
    );
    expect(starts(expand(ics))).toEqual(['2026-01-15T09:00:00Z', '2026-07-15T08:00:00Z']);
  });

  it('uses the VTIMEZONE for a TZID that is not an IANA name', () => {
    const ics = calendar(
      'BEGIN:VTIMEZONE\nTZID:Tandem Test Zone\nBEGIN:STANDARD\nDTSTART:19701025T030000\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0200\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0300\nEND:DAYLIGHT\nEND:VTIMEZONE',
      'BEGIN:VTIMEZONE\nTZID:Half Hour\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0530\nTZOFFSETTO:+0530\nEND:STANDARD\nEND:VTIMEZONE',
      vevent('UID:a\nDTSTART;TZID=Tandem Test Zone:20260115T120000'),
      vevent('UID:b\nDTSTART;TZID=Tandem Test Zone:20260715T120000'),
      vevent('UID:c\nDTSTART;TZID=Half Hour:20260301T100000'),
    );
    expect(expand(ics).map((o) => [o.uid, iso(o.start)])).toEqual([
      ['a', '2026-01-15T10:00:00Z'],
      ['c', '2026-03-01T04:30:00Z'],
      ['b', '2026-07-15T09:00:00Z'],
    ]);
  });

  it('prefers the IANA zone data over an embedded VTIMEZONE for an IANA name', () => {
    // A VTIMEZONE claiming Berlin is UTC+5: the name wins, as on the iPhone showing the event.
    const ics = calendar(
      'BEGIN:VTIMEZONE\nTZID:Europe/Berlin\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0500\nTZOFFSETTO:+0500\nEND:STANDARD\nEND:VTIMEZONE',
      vevent('DTSTART;TZID=Europe/Berlin:20260115T100000'),
    );
    expect(starts(expand(ics))).toEqual(['2026-01-15T09:00:00Z']);
  });

  it("reads an unknown TZID on the user's clock, with a warning, and never fails", () => {
    const warnings: string[] = [];
    const ics = calendar(vevent('DTSTART;TZID=Mars/Olympus_Mons:20260115T100000\nDTEND;TZID=Mars/Olympus_Mons:20260115T110000'));
    const occurrences = expand(ics, { zone: 'Asia/Tokyo', onWarning: (message) => warnings.push(message) });
    expect(spans(occurrences)).toEqual([['2026-01-15T01:00:00Z', '2026-01-15T02:00:00Z']]);
    expect(warnings).toEqual([expect.stringContaining('Mars/Olympus_Mons')]);
  });

  it("treats a broken VTIMEZONE like a missing one (user's clock, warning)", () => {
    const warnings: string[] = [];
    const ics = calendar(
      'BEGIN:VTIMEZONE\nTZID:Broken\nBEGIN:STANDARD\nDTSTART:19700101T000000\nEND:STANDARD\nEND:VTIMEZONE',
      vevent('DTSTART;TZID=Broken:20260115T100000'),
    );
    expect(starts(expand(ics, { zone: 'Europe/Berlin', onWarning: (m) => warnings.push(m) }))).toEqual(['2026-01-15T09:00:00Z']);
    expect(warnings).toHaveLength(1);
  });

  it('follows RFC 5545 in DST gaps (offset before the gap) and overlaps (first occurrence)', () => {
    const ics = calendar(
      vevent('UID:ny-gap\nDTSTART;TZID=America/New_York:20260308T023000'),
      vevent('UID:ny-overlap\nDTSTART;TZID=America/New_York:20261101T013000'),
      vevent('UID:berlin-gap\nDTSTART;TZID=Europe/Berlin:20260329T023000'),
      vevent('UID:berlin-overlap\nDTSTART;TZID=Europe/Berlin:20261025T023000'),
    );
    const byUid = Object.fromEntries(expand(ics).map((o) => [o.uid, iso(o.start)]));
    expect(byUid).toEqual({
      'ny-gap': '2026-03-08T07:30:00Z', // 02:30 EST, i.e. 03:30 EDT
      'ny-overlap': '2026-11-01T05:30:00Z', // 01:30 EDT, the first 01:30
      'berlin-gap': '2026-03-29T01:30:00Z',
      'berlin-overlap': '2026-10-25T00:30:00Z',
    });
  });

  it("reads floating times on the user's clock", () => {
    const ics = calendar(
      vevent('UID:w\nDTSTART:20260115T090000\nDTEND:20260115T100000'),
      vevent('UID:s\nDTSTART:20260715T090000\nDTEND:20260715T100000'),
    );
    expect(spans(expand(ics, { zone: 'America/Los_Angeles' }))).toEqual([
      ['2026-01-15T17:00:00Z', '2026-01-15T18:00:00Z'],
      ['2026-07-15T16:00:00Z', '2026-07-15T17:00:00Z'],
    ]);
  });
});

describe('all-day events', () => {
  it("are whole days on the user's clock, 23 or 25 hours long on DST days", () => {
    const ics = calendar(
      vevent('UID:spring\nDTSTART;VALUE=DATE:20260328\nDTEND;VALUE=DATE:20260329\nRRULE:FREQ=DAILY;COUNT=3'),
      vevent('UID:autumn\nDTSTART;VALUE=DATE:20261025\nDTEND;VALUE=DATE:20261026'),
    );
    const occurrences = expand(ics, { zone: 'Europe/Berlin' });
    expect(occurrences.every((o) => o.allDay)).toBe(true);
    expect(spans(occurrences)).toEqual([
      ['2026-03-27T23:00:00Z', '2026-03-28T23:00:00Z'],
      ['2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'],
      ['2026-03-29T22:00:00Z', '2026-03-30T22:00:00Z'],
      ['2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'],
    ]);
  });

  it('span several days with an exclusive DTEND, in any user zone', () => {
    const ics = calendar(vevent('DTSTART;VALUE=DATE:20260328\nDTEND;VALUE=DATE:20260331'));
    expect(spans(expand(ics, { zone: 'Europe/Berlin' }))).toEqual([['2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z']]);
    expect(spans(expand(ics, { zone: 'America/New_York' }))).toEqual([['2026-03-28T04:00:00Z', '2026-03-31T04:00:00Z']]);
  });

  it('last one day without DTEND, and as long as a DURATION says', () => {
    const ics = calendar(vevent('UID:a\nDTSTART;VALUE=DATE:20260110'), vevent('UID:b\nDTSTART;VALUE=DATE:20260120\nDURATION:P2D'));
    expect(spans(expand(ics, { zone: 'Europe/Berlin' }))).toEqual([
      ['2026-01-09T23:00:00Z', '2026-01-10T23:00:00Z'],
      ['2026-01-19T23:00:00Z', '2026-01-21T23:00:00Z'],
    ]);
  });
});

describe('event length', () => {
  it('comes from DURATION when there is no DTEND; days are calendar days across DST', () => {
    const ics = calendar(
      vevent('UID:minutes\nDTSTART:20260110T100000Z\nDURATION:PT90M'),
      vevent('UID:day\nDTSTART;TZID=Europe/Berlin:20260328T120000\nDURATION:P1D'),
      vevent('UID:24h\nDTSTART;TZID=Europe/Berlin:20260328T120000\nDURATION:PT24H'),
    );
    const byUid = Object.fromEntries(expand(ics).map((o) => [o.uid, [iso(o.start), iso(o.end)]]));
    expect(byUid).toEqual({
      minutes: ['2026-01-10T10:00:00Z', '2026-01-10T11:30:00Z'],
      day: ['2026-03-28T11:00:00Z', '2026-03-29T10:00:00Z'], // 12:00 the next day, 23 hours later
      '24h': ['2026-03-28T11:00:00Z', '2026-03-29T11:00:00Z'],
    });
  });

  it('is zero for a DATE-TIME with neither DTEND nor DURATION, still reported inside [from, to)', () => {
    const ics = calendar(vevent('DTSTART:20260110T100000Z'));
    const at = (from: string, to: string) => spans(expand(ics, { from: new Date(from), to: new Date(to) }));
    expect(at('2026-01-10T10:00:00Z', '2026-01-10T11:00:00Z')).toEqual([['2026-01-10T10:00:00Z', '2026-01-10T10:00:00Z']]);
    expect(at('2026-01-10T09:00:00Z', '2026-01-10T10:00:00Z')).toEqual([]);
    expect(at('2026-01-10T09:00:00Z', '2026-01-10T10:00:01Z')).toHaveLength(1);
  });

  it('is zero, with a warning, when DTEND is before DTSTART', () => {
    const warnings: string[] = [];
    const ics = calendar(vevent('DTSTART:20260110T100000Z\nDTEND:20260110T090000Z'));
    expect(spans(expand(ics, { onWarning: (m) => warnings.push(m) }))).toEqual([['2026-01-10T10:00:00Z', '2026-01-10T10:00:00Z']]);
    expect(warnings).toEqual([expect.stringContaining('DTEND is before DTSTART')]);
  });

  it('counts occurrences that overlap the window, not only those starting in it', () => {
    const ics = calendar(vevent('DTSTART:20260110T230000Z\nDTEND:20260111T010000Z'));
    expect(expand(ics, { from: new Date('2026-01-11T00:00:00Z'), to: new Date('2026-01-12T00:00:00Z') })).toHaveLength(1);
    expect(expand(ics, { from: new Date('2026-01-11T01:00:00Z'), to: new Date('2026-01-12T00:00:00Z') })).toHaveLength(0);
  });
});

describe('recurrence', () => {
  it('expands HOURLY rules', () => {
    const ics = calendar(vevent('DTSTART:20260110T080000Z\nDTEND:20260110T083000Z\nRRULE:FREQ=HOURLY;INTERVAL=2;COUNT=5'));
    expect(starts(expand(ics))).toEqual([
      '2026-01-10T08:00:00Z',
      '2026-01-10T10:00:00Z',
      '2026-01-10T12:00:00Z',
      '2026-01-10T14:00:00Z',
      '2026-01-10T16:00:00Z',
    ]);
  });

  it('expands an unbounded HOURLY rule from years back straight into the window', () => {
    const ics = calendar(vevent('DTSTART:20200101T010000Z\nDTEND:20200101T013000Z\nRRULE:FREQ=HOURLY;INTERVAL=2'));
    const occurrences = expand(ics, { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-02-01T06:00:00Z') });
    expect(starts(occurrences)).toEqual(['2026-02-01T01:00:00Z', '2026-02-01T03:00:00Z', '2026-02-01T05:00:00Z']);
  });

  it('expands MINUTELY rules', () => {
    const ics = calendar(vevent('DTSTART:20260110T100000Z\nDTEND:20260110T100500Z\nRRULE:FREQ=MINUTELY;INTERVAL=15'));
    const occurrences = expand(ics, { from: new Date('2026-01-10T11:00:00Z'), to: new Date('2026-01-10T12:00:00Z') });
    expect(starts(occurrences)).toEqual(['2026-01-10T11:00:00Z', '2026-01-10T11:15:00Z', '2026-01-10T11:30:00Z', '2026-01-10T11:45:00Z']);
  });

  it('caps a SECONDLY rule at maxOccurrences and says so', () => {
    const warnings: string[] = [];
    const ics = calendar(vevent('DTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY'));
    const options = {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-02T00:00:00Z'),
      onWarning: (m: string) => warnings.push(m),
    };
    const capped = expand(ics, { ...options, maxOccurrences: 100 });
    expect(capped).toHaveLength(100);
    expect(iso(capped[0]!.start)).toBe('2026-03-01T00:00:00Z');
    expect(iso(capped[99]!.start)).toBe('2026-03-01T00:01:39Z');
    expect(warnings).toEqual([expect.stringContaining('more than 100 occurrences')]);
    // The default cap is far above a real calendar's: two hours of seconds are all there.
    expect(expand(ics, { ...options, to: new Date('2026-03-01T02:00:00Z') })).toHaveLength(7200);
  });

  it('adds RDATEs: several on a line, PERIODs with an end or a duration, other zones, dates', () => {
    const ics = calendar(
      vevent(
        'UID:list\nDTSTART:20260110T100000Z\nDTEND:20260110T110000Z\nRDATE:20260112T100000Z,20260114T100000Z\nRDATE;TZID=America/New_York:20260116T090000',
      ),
      vevent(
        'UID:period\nDTSTART:20260201T100000Z\nDTEND:20260201T110000Z\nRDATE;VALUE=PERIOD:20260202T100000Z/20260202T130000Z,20260203T100000Z/PT30M',
      ),
      vevent('UID:date\nDTSTART;VALUE=DATE:20260301\nRDATE;VALUE=DATE:20260305'),
    );
    expect(expand(ics).map((o) => [o.uid, iso(o.start), iso(o.end), o.recurrenceId])).toEqual([
      ['list', '2026-01-10T10:00:00Z', '2026-01-10T11:00:00Z', '2026-01-10T10:00:00.000Z'],
      ['list', '2026-01-12T10:00:00Z', '2026-01-12T11:00:00Z', '2026-01-12T10:00:00.000Z'],
      ['list', '2026-01-14T10:00:00Z', '2026-01-14T11:00:00Z', '2026-01-14T10:00:00.000Z'],
      ['list', '2026-01-16T14:00:00Z', '2026-01-16T15:00:00Z', '2026-01-16T14:00:00.000Z'],
      ['period', '2026-02-01T10:00:00Z', '2026-02-01T11:00:00Z', '2026-02-01T10:00:00.000Z'],
      ['period', '2026-02-02T10:00:00Z', '2026-02-02T13:00:00Z', '2026-02-02T10:00:00.000Z'],
      ['period', '2026-02-03T10:00:00Z', '2026-02-03T10:30:00Z', '2026-02-03T10:00:00.000Z'],
      ['date', '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', '2026-03-01T00:00:00.000Z'],
      ['date', '2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z', '2026-03-05T00:00:00.000Z'],
    ]);
  });

  it('removes EXDATEs: several on a line, in another zone, or a whole DATE', () => {
    const ics = calendar(
      vevent('UID:list\nDTSTART:20260110T100000Z\nRRULE:FREQ=DAILY;COUNT=5\nEXDATE:20260111T100000Z,20260113T100000Z'),
      vevent(
        'UID:zone\nDTSTART;TZID=Europe/Berlin:20260210T100000\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE;TZID=America/New_York:20260211T040000',
      ),
      vevent('UID:date\nDTSTART:20260310T100000Z\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE;VALUE=DATE:20260311'),
    );
    expect(expand(ics).map((o) => `${o.uid} ${iso(o.start)}`)).toEqual([
      'list 2026-01-10T10:00:00Z',
      'list 2026-01-12T10:00:00Z',
      'list 2026-01-14T10:00:00Z',
      'zone 2026-02-10T09:00:00Z',
      'zone 2026-02-12T09:00:00Z',
      'date 2026-03-10T10:00:00Z',
      'date 2026-03-12T10:00:00Z',
    ]);
  });

  it('counts DTSTART as the first instance even when it does not match the rule', () => {
    // Tuesday DTSTART, rule on Mondays and Wednesdays: Tue, Wed, Mon (COUNT includes DTSTART).
    const ics = calendar(vevent('DTSTART:20260113T100000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3'));
    expect(starts(expand(ics))).toEqual(['2026-01-13T10:00:00Z', '2026-01-14T10:00:00Z', '2026-01-19T10:00:00Z']);
  });

  it('includes an UNTIL that falls exactly on an instance in another zone', () => {
    const rule = (until: string) => calendar(vevent(`DTSTART;TZID=America/New_York:20260701T090000\nRRULE:FREQ=DAILY;UNTIL=${until}`));
    expect(starts(expand(rule('20260703T130000Z')))).toEqual(['2026-07-01T13:00:00Z', '2026-07-02T13:00:00Z', '2026-07-03T13:00:00Z']);
    expect(expand(rule('20260703T125959Z'))).toHaveLength(2);
  });

  it('gives each instance its original start as recurrenceId, and a single event null', () => {
    const ics = calendar(
      vevent('UID:single\nDTSTART:20260110T100000Z'),
      vevent('UID:series\nDTSTART:20260111T100000Z\nRRULE:FREQ=DAILY;COUNT=2'),
    );
    expect(expand(ics).map((o) => [o.uid, o.recurrenceId])).toEqual([
      ['single', null],
      ['series', '2026-01-11T10:00:00.000Z'],
      ['series', '2026-01-12T10:00:00.000Z'],
    ]);
  });
});

describe('RECURRENCE-ID overrides', () => {
  const weekly = 'DTSTART:20260105T100000Z\nDTEND:20260105T110000Z\nRRULE:FREQ=WEEKLY;COUNT=4\nSUMMARY:Weekly';
  const january = { from: new Date('2026-01-15T00:00:00Z'), to: new Date('2026-01-31T00:00:00Z') };

  it('brings an instance moved into the window from outside it', () => {
    const ics = calendar(
      vevent(weekly),
      vevent('RECURRENCE-ID:20260105T100000Z\nDTSTART:20260120T150000Z\nDTEND:20260120T160000Z\nSUMMARY:Moved in'),
    );
    expect(expand(ics, january).map((o) => [iso(o.start), o.recurrenceId, o.summary])).toEqual([
      ['2026-01-19T10:00:00Z', '2026-01-19T10:00:00.000Z', 'Weekly'],
      ['2026-01-20T15:00:00Z', '2026-01-05T10:00:00.000Z', 'Moved in'],
      ['2026-01-26T10:00:00Z', '2026-01-26T10:00:00.000Z', 'Weekly'],
    ]);
  });

  it('drops an instance moved out of the window', () => {
    const ics = calendar(vevent(weekly), vevent('RECURRENCE-ID:20260119T100000Z\nDTSTART:20260210T100000Z\nDTEND:20260210T110000Z'));
    expect(starts(expand(ics, january))).toEqual(['2026-01-26T10:00:00Z']);
  });

  it('shows a cancelled instance as not blocking', () => {
    const ics = calendar(
      vevent(weekly),
      vevent('RECURRENCE-ID:20260112T100000Z\nDTSTART:20260112T100000Z\nDTEND:20260112T110000Z\nSTATUS:CANCELLED'),
    );
    expect(expand(ics).map((o) => [iso(o.start), o.blocks, o.status])).toEqual([
      ['2026-01-05T10:00:00Z', true, null],
      ['2026-01-12T10:00:00Z', false, 'CANCELLED'],
      ['2026-01-19T10:00:00Z', true, null],
      ['2026-01-26T10:00:00Z', true, null],
    ]);
  });

  it('takes the override with the highest SEQUENCE, wherever it is in the file', () => {
    const ics = calendar(
      vevent('RECURRENCE-ID:20260112T100000Z\nSEQUENCE:2\nDTSTART:20260112T160000Z\nDTEND:20260112T170000Z'),
      vevent(weekly),
      vevent('RECURRENCE-ID:20260112T100000Z\nSEQUENCE:1\nDTSTART:20260112T140000Z\nDTEND:20260112T150000Z'),
    );
    expect(starts(expand(ics))).toEqual(['2026-01-05T10:00:00Z', '2026-01-12T16:00:00Z', '2026-01-19T10:00:00Z', '2026-01-26T10:00:00Z']);
  });

  it('keeps an instance deleted by EXDATE deleted even if an override exists for it', () => {
    const ics = calendar(vevent(`${weekly}\nEXDATE:20260112T100000Z`), vevent('RECURRENCE-ID:20260112T100000Z\nDTSTART:20260112T140000Z'));
    expect(starts(expand(ics))).toEqual(['2026-01-05T10:00:00Z', '2026-01-19T10:00:00Z', '2026-01-26T10:00:00Z']);
  });

  it('keeps an override whose instance the rule no longer has (a detached instance)', () => {
    const ics = calendar(vevent(weekly), vevent('RECURRENCE-ID:20260106T100000Z\nDTSTART:20260106T120000Z\nDTEND:20260106T130000Z'));
    expect(starts(expand(ics))).toContain('2026-01-06T12:00:00Z');
    expect(expand(ics)).toHaveLength(5);
  });

  it('applies RANGE=THISANDFUTURE to the later instances', () => {
    const ics = calendar(
      vevent('DTSTART:20260105T100000Z\nDTEND:20260105T110000Z\nRRULE:FREQ=WEEKLY;COUNT=5\nSUMMARY:Weekly'),
      vevent('RECURRENCE-ID;RANGE=THISANDFUTURE:20260119T100000Z\nDTSTART:20260119T120000Z\nDTEND:20260119T133000Z\nSUMMARY:Moved'),
    );
    expect(expand(ics).map((o) => [iso(o.start), iso(o.end), o.summary, o.recurrenceId])).toEqual([
      ['2026-01-05T10:00:00Z', '2026-01-05T11:00:00Z', 'Weekly', '2026-01-05T10:00:00.000Z'],
      ['2026-01-12T10:00:00Z', '2026-01-12T11:00:00Z', 'Weekly', '2026-01-12T10:00:00.000Z'],
      ['2026-01-19T12:00:00Z', '2026-01-19T13:30:00Z', 'Moved', '2026-01-19T10:00:00.000Z'],
      ['2026-01-26T12:00:00Z', '2026-01-26T13:30:00Z', 'Moved', '2026-01-26T10:00:00.000Z'],
      ['2026-02-02T12:00:00Z', '2026-02-02T13:30:00Z', 'Moved', '2026-02-02T10:00:00.000Z'],
    ]);
  });

  it('shows overrides without their master as they are', () => {
    const ics = calendar(vevent('RECURRENCE-ID:20260112T100000Z\nDTSTART:20260112T140000Z\nDTEND:20260112T150000Z\nSUMMARY:Only me'));
    expect(expand(ics).map((o) => [iso(o.start), o.recurrenceId, o.summary])).toEqual([
      ['2026-01-12T14:00:00Z', '2026-01-12T10:00:00.000Z', 'Only me'],
    ]);
  });

  it("uses the series' title for an override without SUMMARY", () => {
    const ics = calendar(vevent(weekly), vevent('RECURRENCE-ID:20260112T100000Z\nDTSTART:20260112T140000Z'));
    expect(expand(ics).map((o) => o.summary)).toEqual(['Weekly', 'Weekly', 'Weekly', 'Weekly']);
  });
});

describe('blocking', () => {
  it('is false for TRANSP:TRANSPARENT and STATUS:CANCELLED, true for TENTATIVE', () => {
    const ics = calendar(
      vevent('UID:free\nDTSTART:20260110T100000Z\nTRANSP:TRANSPARENT'),
      vevent('UID:cancelled\nDTSTART:20260110T110000Z\nSTATUS:CANCELLED'),
      vevent('UID:tentative\nDTSTART:20260110T120000Z\nSTATUS:TENTATIVE'),
      vevent('UID:busy\nDTSTART:20260110T130000Z\nTRANSP:OPAQUE'),
    );
    expect(expand(ics).map((o) => [o.uid, o.blocks, o.status])).toEqual([
      ['free', false, null],
      ['cancelled', false, 'CANCELLED'],
      ['tentative', true, 'TENTATIVE'],
      ['busy', true, null],
    ]);
  });

  it("is false when one of the user's addresses declined", () => {
    const ics = calendar(
      vevent(
        'UID:declined\nDTSTART:20260110T100000Z\nATTENDEE;CN="Me, Myself";PARTSTAT=DECLINED:mailto:Me@Example.com\nATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.com',
      ),
      vevent('UID:by-email-param\nDTSTART:20260110T110000Z\nATTENDEE;PARTSTAT=DECLINED;EMAIL=me@example.com:urn:uuid:0f0d'),
      vevent('UID:accepted\nDTSTART:20260110T120000Z\nATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com'),
      vevent('UID:someone-else\nDTSTART:20260110T130000Z\nATTENDEE;PARTSTAT=DECLINED:mailto:other@example.com'),
    );
    const blocks = (selfEmails?: string[]) => Object.fromEntries(expand(ics, { selfEmails }).map((o) => [o.uid, o.blocks]));
    expect(blocks(['mailto:me@example.COM'])).toEqual({ declined: false, 'by-email-param': false, accepted: true, 'someone-else': true });
    expect(blocks()).toEqual({ declined: true, 'by-email-param': true, accepted: true, 'someone-else': true });
  });

  it('is decided per instance: a declined override leaves the rest of the series busy', () => {
    const ics = calendar(
      vevent('DTSTART:20260105T100000Z\nRRULE:FREQ=DAILY;COUNT=3\nATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com'),
      vevent('RECURRENCE-ID:20260106T100000Z\nDTSTART:20260106T100000Z\nATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com'),
    );
    expect(expand(ics, { selfEmails: ['me@example.com'] }).map((o) => o.blocks)).toEqual([true, false, true]);
  });

  it('marks invitations the user has not accepted, found by any of their addresses, and only those', () => {
    const ics = calendar(
      vevent(
        'UID:unanswered\nDTSTART:20260110T100000Z\nORGANIZER:mailto:boss@example.com\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@me.com',
      ),
      vevent(
        'UID:maybe\nDTSTART:20260110T110000Z\nORGANIZER:mailto:boss@example.com\nATTENDEE;PARTSTAT=TENTATIVE;EMAIL=me@example.com:urn:uuid:0f0d',
      ),
      vevent('UID:no-partstat\nDTSTART:20260110T120000Z\nORGANIZER:mailto:boss@example.com\nATTENDEE:urn:uuid:3B7E'),
      vevent('UID:accepted\nDTSTART:20260110T130000Z\nATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com'),
      vevent('UID:mine\nDTSTART:20260110T140000Z\nORGANIZER:mailto:me@example.com\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com'),
      vevent('UID:free\nDTSTART:20260110T150000Z\nTRANSP:TRANSPARENT\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com'),
    );
    const selfEmails = ['mailto:me@example.com', 'mailto:me@me.com', 'urn:uuid:3b7e'];
    const seen = Object.fromEntries(expand(ics, { selfEmails }).map((o) => [o.uid, [o.blocks, o.invitation ?? null]]));
    expect(seen).toEqual({
      unanswered: [true, 'needs-action'],
      maybe: [true, 'tentative'],
      'no-partstat': [true, 'needs-action'],
      accepted: [true, null],
      mine: [true, null],
      free: [false, null],
    });
  });
});

describe('calendar objects', () => {
  it('yield nothing without a VEVENT', () => {
    const ics = calendar('BEGIN:VTODO\nUID:t1\nDTSTAMP:20260101T000000Z\nSUMMARY:Buy milk\nEND:VTODO');
    expect(expand(ics)).toEqual([]);
  });

  it('may hold several events, returned sorted by start', () => {
    const ics = calendar(vevent('UID:late\nDTSTART:20260110T150000Z'), vevent('UID:early\nDTSTART:20260110T090000Z'));
    expect(expand(ics).map((o) => o.uid)).toEqual(['early', 'late']);
  });

  it('yield nothing for an empty window and refuse an unknown user zone', () => {
    const ics = calendar(vevent('DTSTART:20260110T100000Z'));
    expect(expand(ics, { from: new Date('2026-01-11T00:00:00Z'), to: new Date('2026-01-10T00:00:00Z') })).toEqual([]);
    expect(() => expand(ics, { zone: 'Not/AZone' })).toThrow(RangeError);
  });

  it('carry the summary and status of each occurrence', () => {
    const ics = calendar(vevent('DTSTART:20260110T100000Z\nSUMMARY:Dentist\\, Dr. Who\nSTATUS:confirmed'));
    expect(expand(ics).map((o) => [o.summary, o.status, o.allDay])).toEqual([['Dentist, Dr. Who', 'CONFIRMED', false]]);
  });
});

describe('lenient reading of questionable rules', () => {
  it('ignores time-of-day parts on an all-day series', () => {
    const ics = calendar(vevent('DTSTART;VALUE=DATE:20260110\nRRULE:FREQ=DAILY;COUNT=3;BYHOUR=9'));
    expect(starts(expand(ics))).toEqual(['2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', '2026-01-12T00:00:00Z']);
  });

  it('reads a DATE written without VALUE=DATE as a date', () => {
    const ics = calendar(vevent('DTSTART:20260110\nDTEND:20260111'));
    expect(expand(ics).map((o) => [iso(o.start), iso(o.end), o.allDay])).toEqual([['2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', true]]);
  });
});
