/**
 * The one-pass reader keeps the VTIMEZONE blocks it read by their text and hands the same component
 * back when an object carries the same block (src/ical/ics-reader.ts, zoneBlocks). A block taken from
 * there must be what reading it would give, whatever surrounds it: each text below is read after a
 * text that put the block there, and must still read as the oracle (ical.js) reads it.
 */
import { describe, expect, it } from 'vitest';
import { ICalParseError } from '../../../src/ical/errors.ts';
import { readPlainICalendar } from '../../../src/ical/ics-reader.ts';
import { parseICalendar, type JCalComponent } from '../../../src/ical/jcal.ts';
import { expandCalendarObject } from '../../../src/ical/expand.ts';
import { parseICalendarWithIcalJs } from './support/ical-js-reader.ts';
import { answers, calendars } from './support/odd-inputs.ts';

const ZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Custom/Zone',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'DTSTART:19810329T020000',
  'TZNAME:CEST',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'DTSTART:19961027T030000',
  'TZNAME:CET',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'END:VTIMEZONE',
];

const EVENT = ['BEGIN:VEVENT', 'UID:zone-block', 'DTSTART;TZID=Custom/Zone:20260715T090000', 'DURATION:PT1H', 'END:VEVENT'];

const calendar = (lines: string[], eol = '\r\n'): string =>
  `${['BEGIN:VCALENDAR', 'VERSION:2.0', ...lines, 'END:VCALENDAR'].join(eol)}${eol}`;

function outcome(read: (text: string) => JCalComponent[], text: string): string {
  try {
    return JSON.stringify(read(text));
  } catch (error) {
    if (!(error instanceof ICalParseError)) throw error;
    return `refused ${error.code}: ${error.message}`;
  }
}

/** Reads `first` (which keeps its block), then `text`: both as the oracle reads them. */
function expectReadAfter(first: string, text: string): void {
  expect(outcome(parseICalendar, first)).toBe(outcome(parseICalendarWithIcalJs, first));
  expect(outcome(parseICalendar, text), JSON.stringify(text)).toBe(outcome(parseICalendarWithIcalJs, text));
  const plain = readPlainICalendar(text);
  if (plain !== undefined) expect(JSON.stringify(plain), JSON.stringify(text)).toBe(outcome(parseICalendarWithIcalJs, text));
}

describe('VTIMEZONE blocks read once (ics-reader.ts, zoneBlocks)', () => {
  it('hands back the component read before for the same block, equal to reading it', () => {
    const text = calendar([...ZONE, ...EVENT]);
    const first = readPlainICalendar(text)!;
    const again = readPlainICalendar(calendar([...ZONE, ...EVENT.map((line) => line.replace('zone-block', 'other'))]))!;
    // The same object: the block was not read again.
    expect(again[0]!.components[0]).toBe(first[0]!.components[0]);
    expectReadAfter(text, text);
  });

  it('keeps no block from a large object (it would hold the whole text alive)', () => {
    const zone = ZONE.map((line) => line.replace('Custom/Zone', 'Large/Zone'));
    const large = calendar([...zone, ...EVENT.slice(0, -1), `DESCRIPTION:${'x'.repeat(70_000)}`, 'END:VEVENT']);
    const first = readPlainICalendar(large)!;
    expect(readPlainICalendar(large)![0]!.components[0]).not.toBe(first[0]!.components[0]);
    // The same block in a small object is kept.
    const small = calendar([...zone, ...EVENT]);
    expect(readPlainICalendar(small)![0]!.components[0]).toBe(readPlainICalendar(small)![0]!.components[0]);
  });

  it('reads a block again wherever the text around it changes what it is', () => {
    const base = calendar([...ZONE, ...EVENT]);
    const cases: string[] = [
      // END:VTIMEZONE continued by a folded line: another END line (refused by both readers).
      base.replace('END:VTIMEZONE\r\n', 'END:VTIMEZONE\r\n X\r\n'),
      base.replace('END:VTIMEZONE\r\n', 'END:VTIMEZONE\r\n\tBEGIN:VEVENT\r\n'),
      // The same lines with other line breaks, and a lone CR after END.
      calendar([...ZONE, ...EVENT], '\n'),
      calendar([...ZONE, ...EVENT], '\r'),
      base.replace('END:VTIMEZONE\r\n', 'END:VTIMEZONE\r'),
      // END:VTIMEZONE inside a value, before the real end.
      base.replace('TZID:Custom/Zone\r\n', 'TZID:Custom/Zone\r\nX-NOTE:END:VTIMEZONE\r\n'),
      base.replace('TZID:Custom/Zone\r\n', 'TZID:Custom/Zone\r\nX-NOTE:a\r\n END:VTIMEZONE\r\n'),
      // A block nested in another, one in a VEVENT, one spelled in lower case.
      base.replace('BEGIN:DAYLIGHT\r\n', 'BEGIN:VTIMEZONE\r\nTZID:Inner\r\nEND:VTIMEZONE\r\nBEGIN:DAYLIGHT\r\n'),
      calendar([...EVENT.slice(0, -1), ...ZONE, 'END:VEVENT']),
      base.replace('END:VTIMEZONE\r\n', 'end:vtimezone\r\n'),
      // The block cut short, the calendar never closed, two calendars.
      base.replace('END:STANDARD\r\nEND:VTIMEZONE', 'END:VTIMEZONE'),
      base.replace('END:VCALENDAR\r\n', ''),
      `${base}${base}`,
    ];
    for (const text of cases) {
      // Read twice after the plain block: the first read keeps what it reads, the second may use it.
      expectReadAfter(base, text);
      expectReadAfter(text, text);
    }
  });

  it('reads every fixture and recorded answer the same after every other one was read', () => {
    const texts = [...calendars, ...answers].filter((text) => /BEGIN:VTIMEZONE/i.test(text));
    expect(texts.length).toBeGreaterThan(8);
    const expected = texts.map((text) => outcome(parseICalendarWithIcalJs, text));
    for (let round = 0; round < 2; round++) {
      texts.forEach((text, i) => expect(outcome(parseICalendar, text), `fixture ${i}`).toBe(expected[i]));
    }
  });

  it('leaves a shared block unchanged when its zone is built from it', () => {
    const text = calendar([...ZONE, ...EVENT]);
    const before = JSON.stringify(readPlainICalendar(text));
    const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z'), zone: 'UTC' };
    const [occurrence] = expandCalendarObject(text, range);
    // 09:00 at +02:00 in July: the VTIMEZONE (not an IANA name) was used.
    expect(occurrence!.start.toISOString()).toBe('2026-07-15T07:00:00.000Z');
    expect(JSON.stringify(readPlainICalendar(text))).toBe(before);
  });
});
