import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localDays } from '../../../src/domain/local-days.ts';

/** Zones whose offsets change at or near midnight, by odd amounts, or skip a whole date. */
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago', // DST changes at midnight: some days start at 01:00
  'America/Sao_Paulo',
  'Asia/Beirut', // midnight changes
  'Australia/Lord_Howe', // 30-minute DST
  'Pacific/Apia', // skipped 2011-12-30 entirely
  'Pacific/Kiritimati', // UTC+14
  'Pacific/Pago_Pago', // UTC−11
  'Asia/Kathmandu',
];

const instant = fc.integer({ min: Date.UTC(2005, 0, 1), max: Date.UTC(2035, 0, 1) });

describe('localDays', () => {
  // The day of an instant is found from kept day starts (no DateTime per call): it must be the
  // local date Luxon gives, and contain the instant, whichever days were asked for before.
  it('starts with the local day that contains `from`, as Luxon dates it, and the days are contiguous', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, fc.integer({ min: 1, max: 3 * 86_400_000 }), (zone, from, length) => {
        const days = localDays(zone, from, from + length);
        expect(days[0]!.date).toBe(DateTime.fromMillis(from, { zone }).toISODate());
        expect(days[0]!.start).toBeLessThanOrEqual(from);
        expect(days[0]!.end).toBeGreaterThan(from);
        for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
        expect(days[days.length - 1]!.end).toBeGreaterThanOrEqual(from + length);
        // Asked again (answers kept): the same days.
        expect(localDays(zone, from, from + length)).toEqual(days);
      }),
      { numRuns: 400 },
    );
  });

  it('an instant right at a day boundary belongs to the day that starts there', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (zone, t) => {
        const [day] = localDays(zone, t, t + 1);
        const [next] = localDays(zone, day!.end, day!.end + 1);
        expect(next!.start).toBe(day!.end);
        expect(next!.date).toBe(DateTime.fromMillis(day!.end, { zone }).toISODate());
      }),
      { numRuns: 200 },
    );
  });

  it('Santiago on a spring-forward day starts at 01:00 local; Apia has no 2011-12-30', () => {
    const [santiago] = localDays('America/Santiago', Date.UTC(2024, 8, 8, 12), Date.UTC(2024, 8, 8, 13));
    expect(santiago!.date).toBe('2024-09-08');
    expect(DateTime.fromMillis(santiago!.start, { zone: 'America/Santiago' }).toFormat('HH:mm')).toBe('01:00');
    const apia = localDays('Pacific/Apia', Date.UTC(2011, 11, 29, 0), Date.UTC(2011, 11, 31, 0)).filter((d) => d.end > d.start);
    expect(apia.map((d) => d.date)).not.toContain('2011-12-30');
  });

  it('an unknown zone is a RangeError', () => {
    expect(() => localDays('Mars/Olympus_Mons', 0, 1)).toThrow(RangeError);
  });
});
