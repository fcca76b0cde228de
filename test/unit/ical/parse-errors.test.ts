import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAppointmentEvent } from '../../../src/ical/appointment-event.ts';
import { expandCalendarObject, ICalParseError } from '../../../src/ical/expand.ts';
import { calendar, vevent } from './helpers.ts';

const OPTIONS = { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z'), zone: 'Europe/Berlin' };
const FIXTURE = readFileSync(
  fileURLToPath(new URL('../../../../shared/fixtures/kashcal/ical/exceptions/iterations/iter8_timezone.ics', import.meta.url)),
  'utf8',
);

function parseError(ics: string): ICalParseError {
  try {
    expandCalendarObject(ics, OPTIONS);
  } catch (error) {
    if (error instanceof ICalParseError) return error;
    throw new Error(`expected an ICalParseError, got ${String(error)}`);
  }
  throw new Error('expected an ICalParseError, got a result');
}

describe('malformed input throws ICalParseError saying what is wrong', () => {
  it.each([
    ['a truncated file', FIXTURE.slice(0, FIXTURE.indexOf('END:VEVENT')), /truncated iCalendar: BEGIN:VEVENT \(line \d+\) is never closed/],
    [
      'a missing BEGIN:VCALENDAR',
      'BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n',
      /line 1: expected BEGIN:VCALENDAR, found BEGIN:VEVENT/,
    ],
    [
      'properties before BEGIN:VCALENDAR',
      'VERSION:2.0\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n',
      /line 1: expected BEGIN:VCALENDAR, found "VERSION:2.0"/,
    ],
    ['garbage', 'hello world, this is not a calendar', /expected BEGIN:VCALENDAR, found "hello world/],
    ['binary junk', '\u0000\u0001\u00ff\ufffdPNG', /expected BEGIN:VCALENDAR/],
    ['an empty string', '', /empty iCalendar input/],
    [
      'a mismatched END',
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n',
      /line 4: END:VTODO does not close BEGIN:VEVENT \(line 2\)/,
    ],
    ['an END without BEGIN', 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nEND:VEVENT\r\n', /line 3: END:VEVENT without a matching BEGIN/],
    ['content after END:VCALENDAR', 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nSUMMARY:stray\r\n', /content after END:VCALENDAR/],
    [
      'a line without a colon',
      calendar('BEGIN:VEVENT\nUID:x\nthis line has no separator\nEND:VEVENT'),
      /malformed iCalendar: invalid line/,
    ],
    ['an invalid date', calendar(vevent('DTSTART:20261345T100000Z')), /VEVENT "e1": DTSTART has an invalid date "2026-13-45T10:00:00Z"/],
    ['an impossible date', calendar(vevent('DTSTART;VALUE=DATE:20260230')), /DTSTART has an invalid date "2026-02-30"/],
    ['a bad EXDATE', calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=DAILY\nEXDATE:yesterday')), /EXDATE has an invalid date/],
    ['an unknown FREQ', calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=FORTNIGHTLY')), /invalid frequency "FORTNIGHTLY"/],
    ['an RRULE without FREQ', calendar(vevent('DTSTART:20260101T100000Z\nRRULE:COUNT=3')), /RRULE needs FREQ=/],
    // These never came back from ical.js's iterator (a parse thread held for good): refused before it runs.
    [
      'an ordinal BYDAY on a DAILY rule',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=DAILY;BYDAY=1MO')),
      /BYDAY=1MO with FREQ=DAILY: ordinal weekdays need FREQ=MONTHLY or YEARLY/,
    ],
    [
      'ordinal BYDAYs on an HOURLY rule',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=HOURLY;BYDAY=-1FR,+2TU')),
      /BYDAY=-1FR,\+2TU with FREQ=HOURLY/,
    ],
    [
      'a non-numeric COUNT',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=DAILY;COUNT=lots')),
      /malformed iCalendar: Could not extract integer from "lots"/,
    ],
    [
      'a zero COUNT',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=DAILY;COUNT=0')),
      /RRULE COUNT must be a positive integer, got 0/,
    ],
    [
      'a zero BYMONTHDAY',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=0')),
      /RRULE BYMONTHDAY value 0 is out of range/,
    ],
    [
      'a zero BYSETPOS',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0')),
      /RRULE BYSETPOS value 0 is out of range/,
    ],
    [
      'a bad BYDAY',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=WEEKLY;BYDAY=XX')),
      /malformed iCalendar: invalid BYDAY value "XX"/,
    ],
    [
      'an out-of-range BYMONTH',
      calendar(vevent('DTSTART:20260101T100000Z\nRRULE:FREQ=YEARLY;BYMONTH=13')),
      /malformed iCalendar: BYMONTH: invalid value "13"/,
    ],
    ['an HOURLY all-day event', calendar(vevent('DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=HOURLY')), /FREQ=HOURLY cannot repeat an all-day/],
    ['an invalid DURATION', calendar(vevent('DTSTART:20260101T100000Z\nDURATION:two hours')), /invalid DURATION "two hours"/],
    ['a VEVENT without DTSTART', calendar(vevent('SUMMARY:When?')), /VEVENT "e1": no DTSTART/],
    ['a VEVENT without UID', calendar('BEGIN:VEVENT\nDTSTART:20260101T100000Z\nEND:VEVENT'), /VEVENT without a UID/],
  ])('%s', (_name, ics, message) => {
    const error = parseError(ics);
    expect(error.name).toBe('ICalParseError');
    expect(error.message).toMatch(message);
  });

  it('applies to readAppointmentEvent as well', () => {
    expect(() => readAppointmentEvent('not a calendar')).toThrow(ICalParseError);
    expect(() => readAppointmentEvent(calendar('BEGIN:VTODO\nUID:t\nEND:VTODO'))).toThrow(/no VEVENT/);
  });

  it('never escapes as another error for damaged real data', () => {
    fc.assert(
      fc.property(fc.nat({ max: FIXTURE.length }), fc.nat({ max: FIXTURE.length }), fc.string({ maxLength: 20 }), (cut, at, inserted) => {
        const damaged = `${FIXTURE.slice(0, at)}${inserted}${FIXTURE.slice(at)}`.slice(0, Math.max(cut, at));
        try {
          expect(Array.isArray(expandCalendarObject(damaged, OPTIONS))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ICalParseError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('well-formed input that looks odd is accepted', () => {
  it('folded BEGIN/END lines, lower-case keywords, LF or CR line endings, several VCALENDARs', () => {
    const folded = 'BEGIN:VCALENDAR\r\nBEGIN:VEV\r\n ENT\r\nUID:f\r\nDTSTART:20260110T10\r\n 0000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    const lower = 'begin:vcalendar\nbegin:vevent\nuid:l\ndtstart:20260110T110000Z\nend:vevent\nend:vcalendar\n';
    const crOnly = 'BEGIN:VCALENDAR\rBEGIN:VEVENT\rUID:c\rDTSTART:20260110T120000Z\rEND:VEVENT\rEND:VCALENDAR\r';
    const two = `${calendar(vevent('UID:a\nDTSTART:20260110T130000Z'))}${calendar(vevent('UID:b\nDTSTART:20260110T140000Z'))}`;
    expect(expandCalendarObject(folded, OPTIONS).map((o) => [o.uid, o.start.toISOString()])).toEqual([['f', '2026-01-10T10:00:00.000Z']]);
    expect(expandCalendarObject(lower, OPTIONS).map((o) => o.uid)).toEqual(['l']);
    expect(expandCalendarObject(crOnly, OPTIONS).map((o) => o.uid)).toEqual(['c']);
    expect(expandCalendarObject(two, OPTIONS).map((o) => o.uid)).toEqual(['a', 'b']);
  });
});
