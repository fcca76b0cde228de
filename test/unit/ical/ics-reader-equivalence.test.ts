/**
 * Decision 0028: the one-pass iCalendar reader (src/ical/ics-reader.ts) against the reader it sits in
 * front of — our structure check plus ical.js's parser, kept verbatim in ./support/ical-js-reader.ts.
 * For every calendar fixture (in each line-ending spelling), every calendar-data of the recorded
 * CalDAV answers, every hostile and odd input below, and thousands of seeded mutations of them:
 * parseICalendar gives the same components, or refuses with the same code and message. And where the
 * one-pass reader answers at all (it leaves what is not plain iCalendar to the full reader), its
 * answer is the oracle's — which is what makes parseICalendar's answer the same.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ICalParseError } from '../../../src/ical/errors.ts';
import { readPlainICalendar } from '../../../src/ical/ics-reader.ts';
import { MAX_COMPONENT_DEPTH, parseICalendar, type JCalComponent } from '../../../src/ical/jcal.ts';
import { parseXml, type XmlElement } from '../../../src/caldav/xml.ts';
import { parseICalendarWithIcalJs } from './support/ical-js-reader.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

type Outcome = { calendars: JCalComponent[]; json: string } | { refused: string };

function outcome(read: (text: string) => JCalComponent[], text: string): Outcome {
  try {
    const calendars = read(text);
    // JSON as well: toEqual does not see the order of parameters.
    return { calendars, json: JSON.stringify(calendars) };
  } catch (error) {
    if (!(error instanceof ICalParseError)) throw error;
    return { refused: `${error.code}: ${error.message}` };
  }
}

const label = (text: string): string => JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);

/** parseICalendar agrees with the oracle; returns whether the one-pass reader answered itself. */
function expectSameOutcome(text: string): boolean {
  const expected = outcome(parseICalendarWithIcalJs, text);
  expect(outcome(parseICalendar, text), label(text)).toEqual(expected);
  const plain = readPlainICalendar(text);
  if (plain === undefined) return false;
  expect('calendars' in expected, `the one-pass reader read what the oracle refuses: ${label(text)}`).toBe(true);
  expect(JSON.stringify(plain), label(text)).toBe((expected as { json: string }).json);
  return true;
}

const calendars = filesUnder(join(FIXTURES, 'kashcal', 'ical'), '.ics').map((path) => readFileSync(path, 'utf8'));

/** Every calendar-data in the recorded CalDAV answers, as the XML reader decodes it. */
function calendarData(element: XmlElement): string[] {
  return [
    ...(element.name === 'calendar-data' && element.text.trim() !== '' ? [element.text] : []),
    ...element.children.flatMap(calendarData),
  ];
}
const answers = filesUnder(join(FIXTURES, 'kashcal', 'caldav'), '.xml').flatMap((path) => {
  try {
    return calendarData(parseXml({ body: readFileSync(path, 'utf8'), url: 'https://dav.example.com/' }));
  } catch {
    return []; // answers the XML reader refuses carry no calendar-data we would read
  }
});

const wrap = (...lines: string[]): string =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//t//t//EN',
    'BEGIN:VEVENT',
    'UID:u1',
    'DTSTART:20260101T100000Z',
    ...lines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
const nested = (depth: number): string =>
  [
    'BEGIN:VCALENDAR',
    ...Array.from({ length: depth - 1 }, (_, i) => `BEGIN:X-L${i}`),
    ...Array.from({ length: depth - 1 }, (_, i) => `END:X-L${depth - 2 - i}`),
    'END:VCALENDAR',
  ].join('\n');

/** Odd and hostile inputs: each place where the two readers could part, and every refusal. */
const HOSTILE: Array<[string, string]> = [
  ['plain', wrap('SUMMARY:Hello')],
  ['LF only', wrap('SUMMARY:Hello').replace(/\r\n/g, '\n')],
  ['CR only', wrap('SUMMARY:Hello').replace(/\r\n/g, '\r')],
  ['mixed line endings', 'BEGIN:VCALENDAR\rBEGIN:VEVENT\nUID:x\r\nEND:VEVENT\n\rEND:VCALENDAR'],
  ['BOM', `\uFEFF${wrap('SUMMARY:x')}`],
  ['two BOMs', `\uFEFF\uFEFF${wrap('SUMMARY:x')}`],
  ['no final line break', wrap('SUMMARY:x').trimEnd()],
  ['blank lines everywhere', wrap('', 'SUMMARY:x', '', '').replace('BEGIN:VCALENDAR', '\n\nBEGIN:VCALENDAR')],
  ['folded with space and tab', wrap('DESCRIPTION:one\r\n two\r\n\tthree', 'SUMMARY:a\r\n  b')],
  ['folded BEGIN line', wrap('BEGIN:VAL\r\n ARM', 'ACTION:DISPLAY', 'END:VALARM')],
  ['folded line after a blank line', wrap('SUMMARY:x', '', ' folded')],
  ['folded line after a blank line, outside components', `${wrap('SUMMARY:x')}\r\n folded`],
  ['leading whitespace', `  ${wrap('SUMMARY:x')}`],
  ['leading tab and newline', `\t\n${wrap('SUMMARY:x')}`],
  ['trailing whitespace line', `${wrap('SUMMARY:x')}   `],
  ['trailing space after END', wrap('SUMMARY:x').replace('END:VCALENDAR', 'END:VCALENDAR  ')],
  ['trailing NBSP after END', wrap('SUMMARY:x').replace('END:VCALENDAR', 'END:VCALENDAR\u00a0')],
  ['NBSP line at the end', `${wrap('SUMMARY:x')}\u00a0`],
  ['lower-case keywords and names', wrap('summary:x', 'begin:valarm', 'action:DISPLAY', 'end:VALARM')],
  ['BEGIN with trailing space', wrap('BEGIN:VALARM ', 'END:VALARM')],
  ['BEGIN with parameter-like tail', wrap('BEGIN:VALARM;X=1', 'END:VALARM;X=1')],
  ['BEGIN with parameters', wrap('BEGIN;X=1:VALARM', 'END;X=1:VALARM')],
  ['BEGIN without a name', wrap('BEGIN:', 'END:')],
  ['BEGIN with a blank name', wrap('BEGIN: ', 'END: ')],
  ['U+2028 in a BEGIN line', wrap('BEGIN:X-A\u2028B', 'END:X-A\u2028B')],
  ['U+2029 in a property', wrap('SUMMARY:a\u2029b')],
  ['dotted capital I in BEGIN', wrap('BEGİN:VALARM', 'END:VALARM')],
  ['Kelvin sign', wrap('X-\u212A:1')],
  ['BEGIN:VCARD inside', wrap('BEGIN:VCARD', 'FN:x', 'END:VCARD')],
  ['mismatched END', wrap('BEGIN:VALARM', 'END:VTODO')],
  ['stray END', wrap('END:VALARM')],
  ['END without a calendar', 'END:VCALENDAR\r\n'],
  ['truncated', wrap('SUMMARY:x').slice(0, 80)],
  ['nothing but BEGIN', 'BEGIN:VCALENDAR'],
  ['content after END:VCALENDAR', `${wrap('SUMMARY:x')}X-AFTER:1\r\n`],
  ['property before BEGIN:VCALENDAR', `VERSION:2.0\r\n${wrap('SUMMARY:x')}`],
  ['BEGIN:VEVENT first', 'BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n'],
  ['two calendars', `${wrap('SUMMARY:a')}${wrap('SUMMARY:b')}`],
  ['nested VCALENDAR', wrap('BEGIN:VCALENDAR', 'END:VCALENDAR')],
  ['empty', ''],
  ['only blank lines', '\r\n\r\n\n'],
  ['garbage', 'hello world, this is not a calendar'],
  ['binary', '\u0000\u0001\u00ff\ufffdPNG'],
  [`nested ${MAX_COMPONENT_DEPTH}`, nested(MAX_COMPONENT_DEPTH)],
  [`nested ${MAX_COMPONENT_DEPTH + 1}`, nested(MAX_COMPONENT_DEPTH + 1)],
  ['nested 50,000', nested(50_000)],
  ['a line without : or ;', wrap('JUSTTEXT')],
  ['a line with ; but no :', wrap('X-A;B=1')],
  ['empty property name', wrap(':value')],
  ['empty name with parameters', wrap(';X=1:value')],
  ['name with a dot', wrap('GROUP.X-A:1')],
  ['name with an underscore', wrap('X_A:1')],
  ['non-ASCII name', wrap('X-Ä:1')],
  ['property named constructor', wrap('CONSTRUCTOR:1')],
  ['property named __proto__', wrap('__PROTO__:1')],
  ['property named hasownproperty', wrap('HASOWNPROPERTY:1')],
  ['empty value', wrap('SUMMARY:', 'X-A:')],
  ['value with colons and semicolons', wrap('DESCRIPTION:a:b;c,d', 'URL:https://x.example/a;b?c=d')],
  ['text escapes', wrap('SUMMARY:a\\,b\\;c\\nd\\Ne\\\\f\\xg', 'DESCRIPTION:\\', 'LOCATION:trailing\\\\')],
  ['categories, escaped commas', wrap('CATEGORIES:a,b\\,c,,d', 'RESOURCES:x\\\\,y')],
  ['geo and request-status', wrap('GEO:37.386013;-122.082932', 'REQUEST-STATUS:2.0;Success;a\\;b', 'GEO:1.5')],
  ['integers', wrap('SEQUENCE:3', 'PRIORITY:x', 'PERCENT-COMPLETE:-0', 'REPEAT:12abc')],
  ['floats and booleans as VALUE=', wrap('X-A;VALUE=FLOAT:1.5', 'X-B;VALUE=BOOLEAN:TRUE', 'X-C;VALUE=BOOLEAN:yes', 'X-D;VALUE=INTEGER:7')],
  [
    'utc-offsets',
    'BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:-053000\r\nTZOFFSETTO:+1\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n',
  ],
  ['dates and VALUE=DATE', wrap('DTEND;VALUE=DATE:20260102', 'DUE:20260101', 'RECURRENCE-ID;VALUE=date:20260101T100000Z')],
  ['bad dates', wrap('DTEND:2026', 'CREATED:nonsense', 'LAST-MODIFIED:')],
  ['TZID forms', wrap('DTEND;TZID=Europe/Berlin:20260101T110000', 'DTSTAMP;TZID="/mozilla.org/x":20260101T110000', 'X-A;TZID=:1')],
  [
    'EXDATE and RDATE lists',
    wrap(
      'EXDATE:20260102T100000Z,20260103T100000Z',
      'EXDATE;VALUE=DATE:20260104,20260105',
      'RDATE:20260106',
      'RDATE:20260107T100000Z/PT1H,20260108T100000Z/20260108T120000Z',
      'RDATE;VALUE=PERIOD:20260109T100000Z/PT1H',
      'RDATE:',
      'EXDATE:',
    ),
  ],
  ['escaped comma in EXDATE', wrap('EXDATE:20260102T100000Z\\,20260103T100000Z')],
  ['FREEBUSY', wrap('FREEBUSY;FBTYPE=BUSY:20260101T100000Z/PT1H,20260102T100000Z/20260102T110000Z')],
  [
    'RRULEs',
    wrap(
      'RRULE:FREQ=WEEKLY;BYDAY=MO,-1FR;UNTIL=20261231T000000Z;WKST=SU',
      'RRULE:FREQ=MONTHLY;BYMONTHDAY=1,1,-1;COUNT=3',
      'EXRULE:FREQ=DAILY;X-FOO=bar',
    ),
  ],
  ['bad RRULEs', wrap('RRULE:FREQ=FOO')],
  ['RRULE with bad parts', wrap('RRULE:FREQ=DAILY;BYDAY=XX;INTERVAL=abc;UNTIL=2026')],
  ['RRULE, empty', wrap('RRULE:')],
  [
    'durations and triggers',
    wrap(
      'DURATION:PT1H',
      'BEGIN:VALARM',
      'TRIGGER:-PT15M',
      'TRIGGER;VALUE=DATE-TIME:20260101T090000Z',
      'TRIGGER;RELATED=END:P1D',
      'END:VALARM',
    ),
  ],
  [
    'attendees',
    wrap(
      'ATTENDEE;CN="Doe, John";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:john@example.com',
      'ORGANIZER;CN=Jane;SENT-BY="mailto:a@b.c":mailto:jane@example.com',
    ),
  ],
  ['quoted parameter with : and ;', wrap('ATTENDEE;CN="a:b;c";X-Y="":mailto:x@y.z', 'X-A;ALTREP="cid:x;y":v')],
  ['empty parameter values', wrap('X-A;B=;C="":v', 'X-B;B=:v')],
  ['repeated parameters', wrap('X-A;B=1;C=2;B=3:v', 'X-B;VALUE=TEXT;VALUE=INTEGER:5')],
  ['numeric parameter names', wrap('X-A;2=b;1=a;X=c:v')],
  ['parameter named __proto__ and constructor', wrap('X-A;__proto__=x:v', 'X-B;CONSTRUCTOR=x:v', 'X-C;TOSTRING=x:v')],
  ['VALUE= types found on Object.prototype', wrap('X-A;VALUE=constructor:v', 'X-B;VALUE=__proto__:v', 'X-C;VALUE=:v')],
  ['unknown VALUE= type', wrap('X-A;VALUE=X-THING:v', 'SUMMARY;VALUE=DATE:20260101')],
  ['RDATE with VALUE=', wrap('RDATE;VALUE=DATE-TIME:20260101', 'RDATE;VALUE=DATE:20260101T100000Z')],
  ['parameter without =', wrap('X-A;B:v', 'ATTENDEE;RSVP=TRUE;FOO:mailto:x@y.z')],
  ['parameter without = before an = in the value', wrap('RRULE;X-A;Y:FREQ=DAILY')],
  ['empty parameter name', wrap('X-A;=b:v')],
  ['unterminated quote', wrap('X-A;B="abc:v')],
  ['text after a closing quote', wrap('X-A;B="a"junk;C=1:v', 'X-B;B="a"":v')],
  ['quote inside an unquoted value', wrap('X-A;B=a"b:v')],
  ['backslash in a parameter', wrap('X-A;B=a\\,b:v', 'X-B;B="a\\nb":v', 'X-C;B=a\\:v')],
  ['RFC 6868 escapes', wrap("X-A;B=a^'b^nc^^d:v", 'X-B;B="^^":v', 'X-C;B=^:v')],
  [
    'MEMBER and DELEGATED-FROM lists',
    wrap(
      'ATTENDEE;MEMBER="mailto:a@b.c","mailto:d@e.f":mailto:x@y.z',
      'ATTENDEE;DELEGATED-FROM="mailto:a@b.c";DELEGATED-TO=mailto:d@e.f:mailto:x@y.z',
      'ATTENDEE;MEMBER=a;MEMBER=b:mailto:x@y.z',
    ),
  ],
  ['parameters with no property value', wrap('X-A;B=1;C="2"')],
  ['very long line', wrap(`DESCRIPTION:${'x'.repeat(100_000)}`)],
  ['many properties', wrap(...Array.from({ length: 2000 }, (_, i) => `X-P${i};A=${i}:${i}`))],
];

describe('the one-pass iCalendar reader reads what ical.js read (decision 0028)', () => {
  it('reads every calendar fixture itself, identically, in CRLF, LF and CR and with a BOM', () => {
    expect(calendars.length).toBeGreaterThan(100);
    for (const text of calendars) {
      const crlf = text.replace(/\r?\n/g, '\r\n');
      for (const spelling of [text, crlf, crlf.replace(/\r\n/g, '\n'), crlf.replace(/\r\n/g, '\r'), `\uFEFF${crlf}`]) {
        expect(expectSameOutcome(spelling), `left to the full reader: ${label(spelling)}`).toBe(true);
      }
    }
  });

  it('reads the calendar-data of every recorded CalDAV answer identically', () => {
    expect(answers.length).toBeGreaterThan(10);
    let read = 0;
    for (const text of answers) if (expectSameOutcome(text)) read++;
    // Some recorded answers carry partial data (expanded or trimmed by the server); most are plain.
    expect(read).toBeGreaterThan(answers.length / 2);
  });

  it.each(HOSTILE)('agrees on %s', (_name, text) => {
    expectSameOutcome(text);
  });

  it('leaves every refusal to the full reader, which says what is wrong', () => {
    for (const [, text] of HOSTILE) {
      if ('refused' in outcome(parseICalendarWithIcalJs, text)) expect(readPlainICalendar(text), label(text)).toBeUndefined();
    }
    expect(() => parseICalendar(nested(MAX_COMPONENT_DEPTH + 1))).toThrow(expect.objectContaining({ code: 'ical_too_deep' }));
  });

  it('agrees on 6,000 seeded mutations of the fixtures and the hostile inputs', () => {
    const seeds = [...calendars.filter((_, i) => i % 3 === 0), ...HOSTILE.filter(([, t]) => t.length < 20_000).map(([, t]) => t)];
    const FRAGMENTS = [
      ';',
      ':',
      '"',
      '\\',
      '^',
      ',',
      '=',
      '\r',
      '\n',
      '\r\n',
      ' ',
      '\t',
      '\u2028',
      '\uFEFF',
      'BEGIN:',
      'END:',
      'BEGIN:VEVENT\r\n',
      'END:VEVENT\r\n',
      'BEGIN:VCARD\n',
      ';VALUE=DATE',
      ';VALUE=PERIOD',
      ';X=1',
      ';CN="a;b:c"',
      ';MEMBER="x"',
      '\r\n ',
      '\n\t',
      'VALUE=',
      'RRULE:FREQ=DAILY;COUNT=2\r\n',
      'RDATE:',
      '/',
      'T',
      'Z',
      '\\n',
      "^'",
    ];
    // ICS_MUTATION_SEED / ICS_MUTATIONS: for longer exploratory runs; the suite runs the fixed default.
    let state = Number(process.env.ICS_MUTATION_SEED ?? 20_261_206) | 0 || 1;
    const random = (n: number): number => {
      // xorshift32: the same mutations on every run
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    let read = 0;
    const total = Number(process.env.ICS_MUTATIONS ?? 6000);
    for (let i = 0; i < total; i++) {
      let text = seeds[random(seeds.length)]!;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length + 1);
        const kind = random(4);
        if (kind === 0) text = text.slice(0, at) + text.slice(at + 1 + random(8));
        else if (kind === 1) {
          // a whole line repeated elsewhere: reorders structure as well as properties
          const start = text.lastIndexOf('\n', at) + 1;
          const end = text.indexOf('\n', at);
          const line = text.slice(start, end === -1 ? text.length : end + 1);
          const to = random(text.length + 1);
          text = text.slice(0, to) + line + text.slice(to);
        } else text = text.slice(0, at) + FRAGMENTS[random(FRAGMENTS.length)]! + text.slice(at);
      }
      if (expectSameOutcome(text)) read++;
    }
    // The one-pass reader must really be exercised, not only the full reader it defers to.
    expect(read).toBeGreaterThan(total / 10);
  });
});

describe('what the one-pass reader leaves to the full reader', () => {
  it.each([
    ['a parameter with a backslash', wrap('X-A;B=a\\,b:v')],
    ['a parameter without =', wrap('X-A;B:v')],
    ['MEMBER', wrap('ATTENDEE;MEMBER="mailto:a@b.c":mailto:x@y.z')],
    ['a folded line after a blank one', wrap('SUMMARY:x', '', ' folded')],
    ['VCARD', wrap('BEGIN:VCARD', 'END:VCARD')],
    ['a name that is not a token', wrap('X_A:1')],
    ['an RRULE ical.js cannot decode', wrap('RRULE:FREQ=FOO')],
  ])('%s: answered (or refused) by the full reader, as before', (_name, text) => {
    expect(readPlainICalendar(text)).toBeUndefined();
    expect(outcome(parseICalendar, text)).toEqual(outcome(parseICalendarWithIcalJs, text));
  });
});
