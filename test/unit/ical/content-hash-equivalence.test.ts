/**
 * Decision 0007, sixth session: contentHash and readFirstEventUid read the text in one pass; stored hashes are compared
 * across versions, so it must hash the very bytes the replace/split/filter/join it replaces hashed
 * (kept verbatim in ./support/by-lines-oracles.ts). Every fixture in each line-ending spelling, every
 * recorded calendar-data, the hostile inputs of the reader's test, and seeded random texts built from
 * the characters where line handling can part (CR, LF, fold, blank and Unicode-whitespace lines, BOM,
 * DTSTAMP in every case).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/ical/content-hash.ts';
import { readFirstEventUid } from '../../../src/services/sync/read-uid.ts';
import { contentHashByLines, readFirstEventUidBySplit } from './support/by-lines-oracles.ts';
import { HOSTILE, answers, calendars } from './support/odd-inputs.ts';

const SEED = Number(process.env.LINE_READ_SEED ?? 20_261_207);
const RUNS = Number(process.env.LINE_READ_RUNS ?? 3000);

/** Each text as stored, and in CRLF, LF, CR and with a BOM. */
function spellings(text: string): string[] {
  const lf = text.replace(/\r\n?/g, '\n');
  return [text, lf.replace(/\n/g, '\r\n'), lf, lf.replace(/\n/g, '\r'), `\uFEFF${text}`];
}

const TEXTS = [...calendars, ...answers, ...HOSTILE.map(([, text]) => text)].flatMap(spellings);

/** Pieces where the line handling of the two spellings could part. */
const PIECES = [
  '\r',
  '\n',
  '\r\n',
  ' ',
  '\t',
  '\r\n ',
  '\n\t',
  '\r ',
  '\u00a0',
  '\u2028',
  '\uFEFF',
  'ſ',
  'ı',
  'DTSTAMP:1',
  'dtstamp;X=1:2',
  'DTSTAMPX:3',
  'X-DTSTAMP:4',
  'BEGIN:VEVENT',
  'begin:vevent',
  'BEGIN:VALARM',
  'END:VALARM',
  'END:VEVENT',
  'UID:',
  'uid;X=1:a\\,b',
  'UID: spaced ',
  'SUMMARY:x',
  'a',
  ':',
  ';',
];
const pieceText = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((pieces) => pieces.join(''));
/** Lines of an event, each ended by one to three breaks, folds or stray CRs: the event's structure with odd line ends. */
const LINES = [
  'BEGIN:VCALENDAR',
  'BEGIN:VEVENT',
  'BEGIN:VALARM',
  'END:VALARM',
  'END:VEVENT',
  'UID:a',
  'UID:b\\;c',
  'DTSTAMP:1',
  'SUMMARY:x',
  '',
  ' ',
];
const ENDS = ['\r\n', '\n', '\r', '\r\n ', '\n\t', '\r '];
const lineText = fc
  .array(fc.tuple(fc.constantFrom(...LINES), fc.array(fc.constantFrom(...ENDS), { minLength: 1, maxLength: 3 })), { maxLength: 12 })
  .map((lines) => lines.map(([line, ends]) => line + ends.join('')).join(''));
const randomText = fc.oneof(pieceText, lineText);

describe('contentHash in one pass hashes what the line-by-line spelling hashed', () => {
  it('on every fixture, recorded answer and hostile input, in every line-ending spelling', () => {
    expect(calendars.length).toBeGreaterThan(100);
    for (const text of TEXTS) expect(contentHash(text), JSON.stringify(text.slice(0, 200))).toBe(contentHashByLines(text));
  });

  it('on seeded random texts of line breaks, folds, blanks and DTSTAMPs', () => {
    fc.assert(
      fc.property(randomText, (text) => {
        expect(contentHash(text)).toBe(contentHashByLines(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('readFirstEventUid line by line reads what the split spelling read', () => {
  it('on every fixture, recorded answer and hostile input, in every line-ending spelling', () => {
    let found = 0;
    for (const text of TEXTS) {
      const uid = readFirstEventUid(text);
      expect(uid, JSON.stringify(text.slice(0, 200))).toBe(readFirstEventUidBySplit(text));
      if (uid !== null) found++;
    }
    // Most of them have a VEVENT with a UID: the agreement is not only on null.
    expect(found).toBeGreaterThan(TEXTS.length / 2);
  });

  it('on seeded random texts of line breaks, folds, components and UIDs', () => {
    fc.assert(
      fc.property(randomText, (text) => {
        expect(readFirstEventUid(text)).toBe(readFirstEventUidBySplit(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
