import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containedInAny,
  intersectIntervals,
  intersectSortedIntervals,
  mergeIntervals,
  overlapsAny,
  subtractIntervals,
  type Interval,
} from '../../../src/domain/interval.ts';
import { cells } from './model.ts';

const SIZE = 60;
/** Small integer intervals, some empty or reversed, so that the minute-grid model can check them cell by cell. */
const interval: fc.Arbitrary<Interval> = fc.record({
  start: fc.integer({ min: -5, max: SIZE + 5 }),
  end: fc.integer({ min: -5, max: SIZE + 5 }),
});
const intervals = fc.array(interval, { maxLength: 12 });
const RUNS = { numRuns: 200 };

function isCanonical(xs: Interval[]): boolean {
  return xs.every((x, i) => x.end > x.start && (i === 0 || x.start > xs[i - 1]!.end));
}

describe('interval algebra (examples)', () => {
  it('merges overlapping and touching intervals, drops empty ones, sorts', () => {
    expect(
      mergeIntervals([
        { start: 10, end: 20 },
        { start: 0, end: 5 },
        { start: 5, end: 7 },
        { start: 15, end: 25 },
        { start: 30, end: 30 },
      ]),
    ).toEqual([
      { start: 0, end: 7 },
      { start: 10, end: 25 },
    ]);
  });

  it('does not mutate or alias its input', () => {
    const input = [
      { start: 0, end: 5 },
      { start: 3, end: 9 },
    ];
    const out = mergeIntervals(input);
    out[0]!.end = 100;
    expect(input).toEqual([
      { start: 0, end: 5 },
      { start: 3, end: 9 },
    ]);
  });

  it('subtracts a hole out of the middle and clips the edges', () => {
    expect(
      subtractIntervals(
        [{ start: 0, end: 100 }],
        [
          { start: 40, end: 50 },
          { start: -10, end: 10 },
          { start: 90, end: 200 },
        ],
      ),
    ).toEqual([
      { start: 10, end: 40 },
      { start: 50, end: 90 },
    ]);
  });

  it('lets one subtrahend cut several intervals', () => {
    expect(
      subtractIntervals(
        [
          { start: 0, end: 10 },
          { start: 20, end: 30 },
          { start: 40, end: 50 },
        ],
        [{ start: 5, end: 45 }],
      ),
    ).toEqual([
      { start: 0, end: 5 },
      { start: 45, end: 50 },
    ]);
  });

  it('intersects', () => {
    expect(
      intersectIntervals(
        [
          { start: 0, end: 10 },
          { start: 20, end: 30 },
        ],
        [{ start: 5, end: 25 }],
      ),
    ).toEqual([
      { start: 5, end: 10 },
      { start: 20, end: 25 },
    ]);
  });

  it('keeps touching pieces apart in the sorted intersection (day boundaries survive)', () => {
    expect(
      intersectSortedIntervals(
        [
          { start: 0, end: 10 },
          { start: 10, end: 20 },
        ],
        [{ start: 5, end: 15 }],
      ),
    ).toEqual([
      { start: 5, end: 10 },
      { start: 10, end: 15 },
    ]);
  });

  it('treats intervals as half-open: back-to-back does not overlap', () => {
    const merged = mergeIntervals([{ start: 10, end: 20 }]);
    expect(overlapsAny({ start: 20, end: 30 }, merged)).toBe(false);
    expect(overlapsAny({ start: 0, end: 10 }, merged)).toBe(false);
    expect(overlapsAny({ start: 19, end: 30 }, merged)).toBe(true);
    expect(overlapsAny({ start: 15, end: 15 }, merged)).toBe(false);
  });
});

describe('interval algebra against a brute-force cell model', () => {
  it('merge covers exactly the union and is canonical', () => {
    fc.assert(
      fc.property(intervals, (xs) => {
        const merged = mergeIntervals(xs);
        expect(isCanonical(merged)).toBe(true);
        expect(cells(merged, SIZE)).toEqual(cells(xs, SIZE));
      }),
      RUNS,
    );
  });

  it('merge is idempotent and ignores order', () => {
    fc.assert(
      fc.property(intervals, (xs) => {
        const merged = mergeIntervals(xs);
        expect(mergeIntervals(merged)).toEqual(merged);
        expect(mergeIntervals([...xs].reverse())).toEqual(merged);
      }),
      RUNS,
    );
  });

  it('subtract = A minus B, cell by cell', () => {
    fc.assert(
      fc.property(intervals, intervals, (a, b) => {
        const out = subtractIntervals(a, b);
        expect(isCanonical(out)).toBe(true);
        const ca = cells(a, SIZE);
        const cb = cells(b, SIZE);
        expect(cells(out, SIZE)).toEqual(ca.map((v, i) => v && !cb[i]));
      }),
      RUNS,
    );
  });

  it('intersect = A and B, cell by cell, and commutes', () => {
    fc.assert(
      fc.property(intervals, intervals, (a, b) => {
        const out = intersectIntervals(a, b);
        expect(isCanonical(out)).toBe(true);
        const ca = cells(a, SIZE);
        const cb = cells(b, SIZE);
        expect(cells(out, SIZE)).toEqual(ca.map((v, i) => v && cb[i]));
        expect(intersectIntervals(b, a)).toEqual(out);
      }),
      RUNS,
    );
  });

  it('A = (A − B) ∪ (A ∩ B), and the two parts are disjoint', () => {
    fc.assert(
      fc.property(intervals, intervals, (a, b) => {
        const minus = subtractIntervals(a, b);
        const both = intersectIntervals(a, b);
        expect(mergeIntervals([...minus, ...both])).toEqual(mergeIntervals(a));
        expect(intersectIntervals(minus, both)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('overlapsAny and containedInAny agree with the cells', () => {
    fc.assert(
      fc.property(intervals, interval, (xs, x) => {
        const merged = mergeIntervals(xs);
        // Point by point over the whole generated domain (which reaches outside [0, SIZE)).
        const covered = (t: number): boolean => merged.some((m) => m.start <= t && t < m.end);
        const points = Array.from({ length: Math.max(0, x.end - x.start) }, (_, i) => x.start + i);
        expect(overlapsAny(x, merged)).toBe(points.some(covered));
        // Merged intervals never touch, so "every cell covered" means "inside one interval".
        expect(containedInAny(x, merged)).toBe(points.length > 0 && points.every(covered));
      }),
      RUNS,
    );
  });
});
