import { describe, expect, it } from 'vitest';
import { keptPerDatabase } from '../../../src/store/kept-per-database.ts';

describe('keptPerDatabase', () => {
  it('lets the least recently used value go first, so a value that is read stays while new ones arrive', () => {
    const kept = keptPerDatabase<{ n: number }>(3)({});
    kept.set('page', { n: 0 });
    for (let i = 1; i <= 10; i++) {
      expect(kept.get('page')).toEqual({ n: 0 });
      kept.set(`booking-${i}`, { n: i });
    }
    expect(kept.get('page')).toEqual({ n: 0 });
    expect(kept.get('booking-1')).toBeUndefined();
    expect(kept.get('booking-10')).toEqual({ n: 10 });
  });

  it('keeps values per database handle, frozen', () => {
    const forHandle = keptPerDatabase<{ n: number }>(3);
    const a = forHandle({});
    const b = forHandle({});
    a.set('k', { n: 1 });
    expect(b.get('k')).toBeUndefined();
    expect(Object.isFrozen(a.get('k'))).toBe(true);
  });
});
