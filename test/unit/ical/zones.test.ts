import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseICalendar, type JCalComponent } from '../../../src/ical/jcal.ts';
import { wall } from '../../../src/ical/values.ts';
import { ianaNameForTzid, ianaZone, ZoneResolver } from '../../../src/ical/zones.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The full-history America/New_York VTIMEZONE from a fixture, renamed so its own rules are used. */
function renamedNewYork(): ZoneResolver {
  const text = readFileSync(
    fileURLToPath(new URL('../../../../shared/fixtures/kashcal/ical/exceptions/iterations/iter8_timezone.ics', import.meta.url)),
    'utf8',
  );
  const vtimezone = parseICalendar(text.replace(/TZID:America\/New_York/g, 'TZID:Copy of New York'))[0]!.components.find(
    (c) => c.name === 'vtimezone',
  )!;
  return new ZoneResolver(new Map<string, JCalComponent>([['Copy of New York', vtimezone]]), 'UTC', () => {
    throw new Error('no warning expected');
  });
}

describe('zones from a VTIMEZONE', () => {
  const copy = renamedNewYork().resolve({ kind: 'tzid', tzid: 'Copy of New York' });
  const iana = ianaZone('America/New_York');

  it('agree with the IANA zone they describe, 1970-2035, including DST transitions', () => {
    for (let instant = Date.UTC(1970, 0, 1, 7); instant < Date.UTC(2036, 0, 1); instant += DAY + HOUR) {
      expect(copy.toWall(instant)).toBe(iana.toWall(instant));
    }
  });

  it('place wall-clock readings in gaps and overlaps like the IANA zone (RFC 5545 rules)', () => {
    for (const reading of [
      '2021-03-14T02:30:00Z',
      '2021-11-07T01:30:00Z',
      '2026-03-08T02:00:00Z',
      '2026-11-01T01:59:59Z',
      '2026-07-04T12:00:00Z',
    ]) {
      const value = wall(Date.parse(reading));
      expect(copy.toInstant(value)).toBe(iana.toInstant(value));
    }
    expect(new Date(iana.toInstant(wall(Date.parse('2021-11-07T01:30:00Z')))).toISOString()).toBe('2021-11-07T05:30:00.000Z');
  });
});

describe('ianaNameForTzid', () => {
  it.each([
    ['Europe/Berlin', 'Europe/Berlin'],
    ['  Europe/Berlin ', 'Europe/Berlin'],
    ['US/Eastern', 'US/Eastern'],
    ['UTC', 'UTC'],
    ['/mozilla.org/20050126_1/America/New_York', 'America/New_York'],
    ['/citadel.org/20190914_1/Europe/Paris', 'Europe/Paris'],
    ['/softwarestudio.org/Olson_20011030_5/America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
  ])('%s → %s', (tzid, expected) => {
    expect(ianaNameForTzid(tzid)).toBe(expected);
  });

  it.each(['W. Europe Standard Time', 'Mars/Olympus_Mons', '', 'Berlin'])('%j is not an IANA zone', (tzid) => {
    expect(ianaNameForTzid(tzid)).toBeUndefined();
  });
});
