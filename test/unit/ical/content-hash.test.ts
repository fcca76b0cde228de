import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { contentHash } from '../../../src/ical/content-hash.ts';

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Apple Inc.//iOS 17.0//EN',
  'BEGIN:VEVENT',
  'UID:hash-1@example.com',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;TZID=Europe/Berlin:20260210T100000',
  'DTEND;TZID=Europe/Berlin:20260210T110000',
  'SUMMARY:Team meeting',
  'DESCRIPTION:A description long enough that clients fold it somewhere, though not all in the same place.',
  'END:VEVENT',
  'END:VCALENDAR',
];
const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const base = contentHash(crlf(EVENT));

describe('contentHash', () => {
  it('is a SHA-256 hex digest and deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(crlf(EVENT))).toBe(base);
  });

  it('ignores DTSTAMP (with or without parameters)', () => {
    expect(contentHash(crlf(EVENT.map((line) => (line.startsWith('DTSTAMP') ? 'DTSTAMP:20260301T101010Z' : line))))).toBe(base);
    expect(contentHash(crlf(EVENT.map((line) => (line.startsWith('DTSTAMP') ? 'dtstamp;VALUE=DATE-TIME:20260301T101010Z' : line))))).toBe(
      base,
    );
    expect(contentHash(crlf(EVENT.filter((line) => !line.startsWith('DTSTAMP'))))).toBe(base);
  });

  it('ignores line folding, CRLF vs LF and trailing blank lines', () => {
    const folded = EVENT.map((line) =>
      line.startsWith('DESCRIPTION') ? `${line.slice(0, 40)}\r\n ${line.slice(40, 75)}\r\n\t${line.slice(75)}` : line,
    );
    expect(contentHash(crlf(folded))).toBe(base);
    expect(contentHash(`${EVENT.join('\n')}\n\n`)).toBe(base);
  });

  it('sees a real change', () => {
    expect(
      contentHash(
        crlf(EVENT.map((line) => line.replace('DTSTART;TZID=Europe/Berlin:20260210T100000', 'DTSTART;TZID=Europe/Berlin:20260210T100500'))),
      ),
    ).not.toBe(base);
    expect(contentHash(crlf(EVENT.map((line) => line.replace('Team meeting', 'Team meeting!'))))).not.toBe(base);
    expect(contentHash(crlf([...EVENT.slice(0, -2), 'TRANSP:TRANSPARENT', ...EVENT.slice(-2)]))).not.toBe(base);
  });

  it('keeps property order significant', () => {
    const swapped = [...EVENT];
    [swapped[6], swapped[7]] = [swapped[7]!, swapped[6]!];
    expect(contentHash(crlf(swapped))).not.toBe(base);
  });

  it('does not treat other properties that mention DTSTAMP as DTSTAMP', () => {
    expect(contentHash(crlf([...EVENT.slice(0, -2), 'X-DTSTAMP:20260101T000000Z', ...EVENT.slice(-2)]))).not.toBe(base);
  });

  it('never throws, whatever the text', () => {
    expect(contentHash('')).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash('not a calendar\u0000')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the kept lines as UTF-8, as stored hashes were made', () => {
    const kept = 'SUMMARY:Café ☕ 𝄞\nLOCATION:Zürich';
    expect(contentHash('SUMMARY:Café ☕ 𝄞\r\nDTSTAMP:20260101T000000Z\r\nLOCATION:Zürich\r\n')).toBe(
      createHash('sha256').update(kept, 'utf8').digest('hex'),
    );
    // The same, pinned: a stored hash must never change.
    expect(createHash('sha256').update(kept, 'utf8').digest('hex')).toBe(
      '4acdd5231836f4417599ea7b0d67fed3fd47597c7161b024d45f00475f9f5292',
    );
  });
});
