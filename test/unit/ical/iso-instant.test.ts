import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../../src/ical/iso-instant.ts';
import { seededRandom as random } from '../../support/seeded-random.ts';

const year0 = new Date(0);
year0.setUTCFullYear(0, 0, 1);
const YEAR_0 = year0.getTime();
const YEAR_10000 = Date.UTC(10000, 0, 1);

describe('isoInstant', () => {
  it('writes what toISOString writes, over the years 0000-9999 and at their edges', () => {
    const next = random(7);
    const instants: number[] = [YEAR_0, YEAR_0 + 1, YEAR_10000 - 1, 0, -1, 1, 951_782_400_000 /* 2000-02-29 */];
    // Every day boundary (and the millisecond before it) around leap days of 1600-2400, and random instants.
    for (const year of [1600, 1700, 1900, 2000, 2024, 2100, 2400]) {
      for (let day = -3; day < 400; day++) {
        const midnight = Date.UTC(year, 1, 27 + day);
        instants.push(midnight, midnight - 1, midnight + 86_399_999);
      }
    }
    for (let i = 0; i < 200_000; i++) instants.push(Math.floor(YEAR_0 + next() * (YEAR_10000 - YEAR_0)));
    for (const ms of instants) {
      const expected = new Date(ms).toISOString();
      if (isoInstant(ms) !== expected) expect(isoInstant(ms), String(ms)).toBe(expected);
    }
  });

  it('leaves six-digit years, fractions and invalid instants to toISOString', () => {
    for (const ms of [YEAR_0 - 1, YEAR_10000, -8.64e15, 8.64e15, 1.5, -0.5]) expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoInstant(Number.NaN)).toThrow(RangeError);
    expect(() => isoInstant(8.64e15 + 1)).toThrow(RangeError);
  });
});
