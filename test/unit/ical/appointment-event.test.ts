import { describe, expect, it } from 'vitest';
import { buildAppointmentEvent, readAppointmentEvent, type AppointmentEventInput } from '../../../src/ical/appointment-event.ts';
import { contentHash } from '../../../src/ical/content-hash.ts';
import { expandCalendarObject } from '../../../src/ical/expand.ts';
import { calendar, vevent } from './helpers.ts';

const INPUT: AppointmentEventInput = {
  uid: 'appt-8f14e45f@tandem.example',
  title: 'Haircut with Zoë Müller',
  description: 'Client: Zoë Müller\nPhone: +49 30 1234567\nNotes: short; layered, please \\ no fringe',
  location: 'Salon Nord, Hauptstraße 5, Berlin',
  url: 'https://tandem.example/appointments/8f14e45f?tab=details&x=1,2',
  start: new Date('2026-02-10T09:00:00Z'),
  end: new Date('2026-02-10T09:45:00Z'),
  timezone: 'Europe/Berlin',
  sequence: 3,
  dtstamp: new Date('2026-02-01T12:00:00Z'),
};

const physicalLines = (ics: string): string[] => ics.split('\r\n').slice(0, -1);

describe('buildAppointmentEvent', () => {
  const ics = buildAppointmentEvent(INPUT);

  it('writes a VCALENDAR with our PRODID and one VEVENT in UTC', () => {
    const lines = physicalLines(ics);
    expect(lines.slice(0, 3)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tandem//Tandem//EN']);
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines).toContain('DTSTART:20260210T090000Z');
    expect(lines).toContain('DTEND:20260210T094500Z');
    expect(lines).toContain('DTSTAMP:20260201T120000Z');
    expect(lines).toContain('SEQUENCE:3');
    expect(lines).toContain('TRANSP:OPAQUE');
  });

  it('invites nobody: no ATTENDEE or ORGANIZER', () => {
    expect(ics).not.toMatch(/^(ATTENDEE|ORGANIZER)/m);
  });

  it('uses CRLF line endings only, and folds lines at 75 octets without splitting characters', () => {
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const long = buildAppointmentEvent({ ...INPUT, title: `Färben & Schneiden 💇‍♀️ ${'ü'.repeat(60)}`, description: '😀'.repeat(100) });
    const lines = physicalLines(long);
    expect(lines.every((line) => Buffer.byteLength(line, 'utf8') <= 75)).toBe(true);
    expect(lines.some((line) => line.startsWith(' '))).toBe(true);
    expect(long).not.toContain('\ufffd');
    expect(readAppointmentEvent(long).summary).toBe(`Färben & Schneiden 💇‍♀️ ${'ü'.repeat(60)}`);
  });

  it('escapes TEXT values: backslash, semicolon, comma, newlines', () => {
    const escaped = buildAppointmentEvent({ ...INPUT, title: 'a,b;c\\d\ne', description: 'one\r\ntwo\rthree\nfour', location: 'x, y; z' });
    const unfolded = escaped.replace(/\r\n /g, '');
    expect(unfolded).toContain('SUMMARY:a\\,b\\;c\\\\d\\ne\r\n');
    expect(unfolded).toContain('DESCRIPTION:one\\ntwo\\nthree\\nfour\r\n');
    expect(unfolded).toContain('LOCATION:x\\, y\\; z\r\n');
    // A URL is a URI, not TEXT: written as is.
    expect(unfolded).toContain(`URL:${INPUT.url}\r\n`);
  });

  it('leaves out an empty description and a missing location or URL', () => {
    const bare = buildAppointmentEvent({ ...INPUT, description: '', location: null, url: null });
    expect(bare).not.toMatch(/^(DESCRIPTION|LOCATION|URL)/m);
  });

  it('refuses input that cannot be written', () => {
    expect(() => buildAppointmentEvent({ ...INPUT, end: new Date('2026-02-10T08:00:00Z') })).toThrow(/end is before start/);
    expect(() => buildAppointmentEvent({ ...INPUT, url: 'https://x.example/a b' })).toThrow(/url/);
    expect(() => buildAppointmentEvent({ ...INPUT, uid: '  ' })).toThrow(/uid/);
    expect(() => buildAppointmentEvent({ ...INPUT, sequence: -1 })).toThrow(/sequence/);
    expect(() => buildAppointmentEvent({ ...INPUT, start: new Date('nope') })).toThrow(/start/);
  });

  it('round-trips through readAppointmentEvent', () => {
    expect(readAppointmentEvent(ics)).toEqual({ uid: INPUT.uid, summary: INPUT.title, start: INPUT.start, end: INPUT.end, sequence: 3 });
  });

  it('round-trips through expandCalendarObject as one blocking occurrence', () => {
    const occurrences = expandCalendarObject(ics, {
      from: new Date('2026-02-01T00:00:00Z'),
      to: new Date('2026-03-01T00:00:00Z'),
      zone: 'America/New_York',
    });
    expect(occurrences).toEqual([
      {
        uid: INPUT.uid,
        recurrenceId: null,
        start: INPUT.start,
        end: INPUT.end,
        allDay: false,
        blocks: true,
        summary: INPUT.title,
        status: 'CONFIRMED',
      },
    ]);
  });

  it('drops sub-second parts of the times', () => {
    const read = readAppointmentEvent(buildAppointmentEvent({ ...INPUT, start: new Date('2026-02-10T09:00:00.750Z') }));
    expect(read.start.toISOString()).toBe('2026-02-10T09:00:00.000Z');
  });

  it('only changes its content hash when the content changes', () => {
    expect(contentHash(buildAppointmentEvent({ ...INPUT, dtstamp: new Date('2026-03-01T00:00:00Z') }))).toBe(contentHash(ics));
    expect(contentHash(buildAppointmentEvent({ ...INPUT, title: 'Colour' }))).not.toBe(contentHash(ics));
  });
});

describe('readAppointmentEvent', () => {
  it('reads an event edited on an iPhone: TZID with VTIMEZONE, DURATION instead of DTEND', () => {
    const edited = calendar(
      'BEGIN:VTIMEZONE\nTZID:Europe/Berlin\nBEGIN:STANDARD\nDTSTART:19701025T030000\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE',
      vevent(
        `UID:${INPUT.uid}\nDTSTART;TZID=Europe/Berlin:20260210T113000\nDURATION:PT1H15M\nSEQUENCE:4\nSUMMARY:Haircut (moved)\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC`,
      ),
    );
    expect(readAppointmentEvent(edited)).toEqual({
      uid: INPUT.uid,
      summary: 'Haircut (moved)',
      start: new Date('2026-02-10T10:30:00Z'),
      end: new Date('2026-02-10T11:45:00Z'),
      sequence: 4,
    });
  });

  it('reads the master of a series, not an override, and defaults a missing SEQUENCE to 0', () => {
    const series = calendar(
      vevent('UID:s\nRECURRENCE-ID:20260212T100000Z\nDTSTART:20260212T150000Z\nSUMMARY:Override'),
      vevent('UID:s\nDTSTART:20260210T100000Z\nDTEND:20260210T110000Z\nRRULE:FREQ=DAILY\nSUMMARY:Master'),
    );
    expect(readAppointmentEvent(series)).toMatchObject({ summary: 'Master', start: new Date('2026-02-10T10:00:00Z'), sequence: 0 });
  });

  it('reads an event turned all-day as whole days in the given zone (UTC by default)', () => {
    const allDay = calendar(vevent('UID:a\nDTSTART;VALUE=DATE:20260210\nDTEND;VALUE=DATE:20260211'));
    expect(readAppointmentEvent(allDay)).toMatchObject({ start: new Date('2026-02-10T00:00:00Z'), end: new Date('2026-02-11T00:00:00Z') });
    expect(readAppointmentEvent(allDay, { zone: 'Europe/Berlin' })).toMatchObject({
      start: new Date('2026-02-09T23:00:00Z'),
      end: new Date('2026-02-10T23:00:00Z'),
    });
  });
});
