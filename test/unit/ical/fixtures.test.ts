import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/ical/content-hash.ts';
import { expandCalendarObject, type Occurrence } from '../../../src/ical/expand.ts';
import { FIXTURE_EXPECTATIONS, FIXTURE_WINDOW, FIXTURE_ZONE, type FixtureExpectation } from './fixture-expectations.ts';

// The shared fixtures live next to the repository (../shared from its root).
const FIXTURE_DIR = fileURLToPath(new URL('../../../../shared/fixtures/kashcal/ical/', import.meta.url));

function listIcsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listIcsFiles(path);
    return entry.name.endsWith('.ics') ? [relative(FIXTURE_DIR, path)] : [];
  });
}

function expand(expectation: FixtureExpectation, maxOccurrences?: number): Occurrence[] {
  return expandCalendarObject(readFileSync(join(FIXTURE_DIR, expectation.file), 'utf8'), {
    from: new Date(FIXTURE_WINDOW.from),
    to: new Date(FIXTURE_WINDOW.to),
    zone: FIXTURE_ZONE,
    maxOccurrences,
  });
}

function asRows(occurrences: readonly Occurrence[]): FixtureExpectation['occurrences'] {
  return occurrences.map((o) => [
    o.start.toISOString().replace('.000Z', 'Z'),
    o.end.toISOString().replace('.000Z', 'Z'),
    o.allDay ? 'all-day' : 'timed',
    o.blocks ? 'busy' : 'free',
  ]);
}

describe('KashCal iCalendar fixtures', () => {
  it('has an expectation for every fixture file, and none for a file that does not exist', () => {
    const files = listIcsFiles(FIXTURE_DIR).sort();
    expect(files.length).toBeGreaterThanOrEqual(140);
    expect(FIXTURE_EXPECTATIONS.map((e) => e.file).sort()).toEqual(files);
  });

  describe.each(FIXTURE_EXPECTATIONS.map((e) => [e.file, e] as const))('%s', (_file, expectation) => {
    it('expands to the stated occurrences', () => {
      const occurrences = expand(expectation, expectation.max);
      expect(asRows(occurrences)).toEqual(expectation.occurrences);
      expect(new Set(occurrences.map((o) => o.uid))).toEqual(new Set([expectation.uid]));
    });

    if (expectation.max !== undefined) {
      const max = expectation.max;
      it(`has more than the ${max} occurrences listed (the rule has no end)`, () => {
        const more = expand(expectation, max + 1);
        expect(more).toHaveLength(max + 1);
        expect(asRows(more.slice(0, max))).toEqual(expectation.occurrences);
      });
    }

    it('has a content hash that ignores line endings', () => {
      const text = readFileSync(join(FIXTURE_DIR, expectation.file), 'utf8');
      const lf = text.replace(/\r\n/g, '\n');
      expect(contentHash(lf.replace(/\n/g, '\r\n'))).toBe(contentHash(lf));
    });
  });
});
