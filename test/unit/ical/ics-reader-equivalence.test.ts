/**
 * Decision 0028: the one-pass iCalendar reader (src/ical/ics-reader.ts) against the reader it sits in
 * front of — our structure check plus ical.js's parser, kept verbatim in ./support/ical-js-reader.ts.
 * For every calendar fixture (in each line-ending spelling), every calendar-data of the recorded
 * CalDAV answers, every hostile and odd input below, and thousands of seeded mutations of them:
 * parseICalendar gives the same components, or refuses with the same code and message. And where the
 * one-pass reader answers at all (it leaves what is not plain iCalendar to the full reader), its
 * answer is the oracle's — which is what makes parseICalendar's answer the same.
 */
import { describe, expect, it } from 'vitest';
import { ICalParseError } from '../../../src/ical/errors.ts';
import { readPlainICalendar } from '../../../src/ical/ics-reader.ts';
import { MAX_COMPONENT_DEPTH, parseICalendar, type JCalComponent } from '../../../src/ical/jcal.ts';
import { parseICalendarWithIcalJs } from './support/ical-js-reader.ts';
import { HOSTILE, answers, calendars, nested, wrap } from './support/odd-inputs.ts';

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
