import { describe, expect, it } from 'vitest';
import { ZoneMemo } from '../../../src/domain/zone-memo.ts';

/** A compute that counts its calls and answers from its arguments. */
function counting(): { calls: number; compute: (zone: string, key: number, arg: string) => string } {
  const counter = {
    calls: 0,
    compute: (zone: string, key: number, arg: string) => {
      counter.calls++;
      return `${zone}:${key}:${arg}`;
    },
  };
  return counter;
}

describe('ZoneMemo', () => {
  it('works a value out once per (zone, key) and keeps zones apart', () => {
    const memo = new ZoneMemo<string>(10, 10);
    const c = counting();
    expect(memo.get('Europe/Berlin', 1, c.compute, 'a')).toBe('Europe/Berlin:1:a');
    expect(memo.get('Europe/Berlin', 1, c.compute, 'b')).toBe('Europe/Berlin:1:a');
    expect(memo.get('Asia/Tokyo', 1, c.compute, 'b')).toBe('Asia/Tokyo:1:b');
    expect(c.calls).toBe(2);
  });

  it('keeps at most maxPerZone keys of a zone, dropping the oldest first', () => {
    const memo = new ZoneMemo<string>(10, 3);
    const c = counting();
    for (const key of [1, 2, 3, 4]) memo.get('UTC', key, c.compute, 'x');
    expect(c.calls).toBe(4);
    memo.get('UTC', 4, c.compute, 'x');
    memo.get('UTC', 2, c.compute, 'x');
    expect(c.calls).toBe(4);
    memo.get('UTC', 1, c.compute, 'x'); // dropped as the oldest
    expect(c.calls).toBe(5);
  });

  it('drops every zone once maxZones are kept and another comes', () => {
    const memo = new ZoneMemo<string>(2, 10);
    const c = counting();
    memo.get('A', 1, c.compute, 'x');
    memo.get('B', 1, c.compute, 'x');
    memo.get('C', 1, c.compute, 'x');
    memo.get('C', 1, c.compute, 'x');
    expect(c.calls).toBe(3);
    memo.get('A', 1, c.compute, 'x');
    expect(c.calls).toBe(4);
  });
});
