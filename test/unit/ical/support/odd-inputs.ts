/**
 * The texts the iCalendar equivalence tests run over: every calendar fixture, every calendar-data of the
 * recorded CalDAV answers, and odd and hostile inputs (first written for decision 0028's reader test).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml, type XmlElement } from '../../../../src/caldav/xml.ts';
import { MAX_COMPONENT_DEPTH } from '../../../../src/ical/jcal.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'fixtures');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

export const calendars = filesUnder(join(FIXTURES, 'kashcal', 'ical'), '.ics').map((path) => readFileSync(path, 'utf8'));

/** Every calendar-data in the recorded CalDAV answers, as the XML reader decodes it. */
function calendarData(element: XmlElement): string[] {
  return [
    ...(element.name === 'calendar-data' && element.text.trim() !== '' ? [element.text] : []),
    ...element.children.flatMap(calendarData),
  ];
}
export const answers = filesUnder(join(FIXTURES, 'kashcal', 'caldav'), '.xml').flatMap((path) => {
  try {
    return calendarData(parseXml({ body: readFileSync(path, 'utf8'), url: 'https://dav.example.com/' }));
  } catch {
    return []; // answers the XML reader refuses carry no calendar-data we would read
  }
});

export const wrap = (...lines: string[]): string =>
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
export const nested = (depth: number): string =>
  [
    'BEGIN:VCALENDAR',
    ...Array.from({ length: depth - 1 }, (_, i) => `BEGIN:X-L${i}`),
    ...Array.from({ length: depth - 1 }, (_, i) => `END:X-L${depth - 2 - i}`),
    'END:VCALENDAR',
  ].join('\n');

/** Odd and hostile inputs: each place where the two readers could part, and every refusal. */
export const HOSTILE: Array<[string, string]> = [
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
