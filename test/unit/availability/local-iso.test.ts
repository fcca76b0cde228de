import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localIso } from '../../../src/services/availability/local-iso.ts';

const luxon = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? '';

describe('localIso (the booker-zone times of free slots)', () => {
  it('writes exactly what Luxon writes, across DST changes, half-hour zones and UTC, first and when kept', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC', 'Europe/London'];
    // Every 15 minutes around the 2026 changes (EU 29 March, US 8 March / 1 November, Lord Howe 5 April).
    const spans = ['2026-03-07T00:00:00Z', '2026-03-28T18:00:00Z', '2026-04-04T08:00:00Z', '2026-10-31T18:00:00Z'];
    for (const zone of zones) {
      for (const span of spans) {
        const from = Date.parse(span);
        for (let ms = from; ms < from + 2 * 86_400_000; ms += 15 * 60_000) {
          expect(localIso(ms, zone)).toBe(luxon(ms, zone));
          expect(localIso(ms, zone)).toBe(luxon(ms, zone));
        }
      }
    }
    expect(localIso(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe('2026-03-29T03:00:00+02:00');
    expect(localIso(Date.parse('2026-03-29T00:59:00Z'), 'Europe/Berlin')).toBe('2026-03-29T01:59:00+01:00');
    expect(localIso(Date.parse('2026-03-29T00:59:30.250Z'), 'Europe/Berlin')).toBe('2026-03-29T01:59:30.250+01:00');
  });
});
