import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { busyWindow } from '../../../src/services/availability/load-slot-query.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const dayStart = (ms: number, zone: string): number => DateTime.fromMillis(ms, { zone }).startOf('day').toMillis();
const dayEnd = (ms: number, zone: string): number => DateTime.fromMillis(ms, { zone }).startOf('day').plus({ days: 1 }).toMillis();

describe("busyWindow (the slot statement's window of busy time)", () => {
  it("is each member's local days of the start and of the slot's end, padded by buffers and duration, across DST changes", () => {
    // Zones whose DST changes are not at midnight (Luxon's startOf('day') is then the plain local midnight).
    const zones = [
      'Europe/London',
      'America/New_York',
      'Pacific/Kiritimati',
      'Pacific/Pago_Pago',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'UTC',
    ];
    const spans = ['2026-03-07T00:00:00Z', '2026-03-28T00:00:00Z', '2026-04-04T00:00:00Z', '2026-10-24T00:00:00Z', '2026-10-31T00:00:00Z'];
    const [buffersMin, longestMin] = [25, 90];
    const edge = (buffersMin + longestMin) * MINUTE_MS;
    for (const span of spans) {
      for (let start = Date.parse(span); start < Date.parse(span) + 3 * DAY_MS; start += 37 * MINUTE_MS) {
        const pairs: Array<[string, string]> = [
          [zones[0]!, zones[1]!],
          [zones[2]!, zones[3]!],
          [zones[4]!, zones[5]!],
          [zones[6]!, zones[6]!],
        ];
        for (const [first, second] of pairs) {
          const window = busyWindow(
            { start, end: start + 1 },
            ['a', 'b'],
            new Map([
              ['a', first],
              ['b', second],
            ]),
            buffersMin,
            longestMin,
          );
          const slotEnd = start + 1 + longestMin * MINUTE_MS - 1;
          expect(window.from.getTime()).toBe(Math.min(dayStart(start, first), dayStart(start, second)) - edge);
          expect(window.to.getTime()).toBe(Math.max(dayEnd(slotEnd, first), dayEnd(slotEnd, second)) + edge);
        }
      }
    }
  });

  it('reaches the start of a 25-hour local day, which a day before the start does not', () => {
    // London, 25 October 2026: 00:00 BST is 24 October 23:00Z; 23:30 local (GMT) is 23:30Z.
    const start = Date.parse('2026-10-25T23:30:00Z');
    const window = busyWindow({ start, end: start + 1 }, ['a'], new Map([['a', 'Europe/London']]), 0, 15);
    expect(window.from.toISOString()).toBe('2026-10-24T22:45:00.000Z');
    expect(window.from.getTime()).toBeLessThan(start - DAY_MS - 15 * MINUTE_MS);
  });

  it('is a day on each side of the range when a zone is not known or the range is longer than a day', () => {
    const start = Date.parse('2026-12-03T12:00:00Z');
    const wide = { from: new Date(start - DAY_MS - 45 * MINUTE_MS), to: new Date(start + 1 + DAY_MS + 45 * MINUTE_MS) };
    expect(busyWindow({ start, end: start + 1 }, ['a', 'b'], null, 15, 30)).toEqual(wide);
    expect(busyWindow({ start, end: start + 1 }, ['a', 'b'], new Map([['a', 'UTC']]), 15, 30)).toEqual(wide);
    const week = { start, end: start + 7 * DAY_MS };
    expect(busyWindow(week, ['a'], new Map([['a', 'UTC']]), 15, 30)).toEqual({
      from: new Date(week.start - DAY_MS - 45 * MINUTE_MS),
      to: new Date(week.end + DAY_MS + 45 * MINUTE_MS),
    });
  });
});
