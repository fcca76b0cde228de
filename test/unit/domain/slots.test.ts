import { describe, expect, it } from 'vitest';
import { eventOccurrences } from '../../../src/domain/event-times.ts';
import { computeSlots, type SlotQuery } from '../../../src/domain/slots.ts';
import { DAY, HOUR, iso, local, member, MINUTE, rules, schedule, span, utc, wall, WEEKDAYS_9_TO_5 } from './builders.ts';

const NY = 'America/New_York';
const MORNING = { 1: [{ start: '09:00', end: '12:00' }], 2: [{ start: '09:00', end: '12:00' }], 3: [{ start: '09:00', end: '12:00' }] };
/** Monday 2026-06-01 in UTC, a plain week with no DST change. */
const MON = utc('2026-06-01T00:00Z');
const EARLY = utc('2026-01-01T00:00Z');

function starts(q: SlotQuery): string[] {
  return computeSlots(q).map((s) => iso(s.start));
}

function base(overrides: Partial<SlotQuery> = {}): SlotQuery {
  return {
    rules: rules(),
    members: [member('ann', { schedule: schedule('UTC', MORNING) })],
    range: span(MON, MON + DAY),
    now: EARLY,
    ...overrides,
  };
}

describe('computeSlots: grid, buffers, notice, window', () => {
  it('steps by the interval from the start of working hours; the whole slot fits', () => {
    const q = base({ rules: rules({ durationMin: 60, intervalMin: 30 }) });
    expect(starts(q)).toEqual(['2026-06-01T09:00Z', '2026-06-01T09:30Z', '2026-06-01T10:00Z', '2026-06-01T10:30Z', '2026-06-01T11:00Z']);
    expect(computeSlots(q)[0]).toEqual({ start: utc('2026-06-01T09:00Z'), end: utc('2026-06-01T10:00Z'), userIds: ['ann'], seatsLeft: 1 });
  });

  it('keeps the grid anchored to working hours when the range starts mid-interval', () => {
    const q = base({ rules: rules({ durationMin: 30, intervalMin: 45 }), range: span(utc('2026-06-01T10:10Z'), MON + DAY) });
    expect(starts(q)).toEqual(['2026-06-01T10:30Z', '2026-06-01T11:15Z']);
  });

  it('a start in the range may end after it', () => {
    const q = base({ range: span(MON, utc('2026-06-01T09:01Z')) });
    expect(starts(q)).toEqual(['2026-06-01T09:00Z']);
  });

  it('buffers keep distance on the correct side of busy time', () => {
    const busy = { appointments: [span(utc('2026-06-01T10:00Z'), utc('2026-06-01T11:00Z'))] };
    const mk = (before: number, after: number): string[] =>
      starts(
        base({
          rules: rules({ durationMin: 30, intervalMin: 15, bufferBeforeMin: before, bufferAfterMin: after }),
          members: [member('ann', { schedule: schedule('UTC', MORNING), busy })],
        }),
      ).map((s) => s.slice(11, 16));
    // No buffers: up to 09:30 (ends 10:00), from 11:00.
    expect(mk(0, 0)).toEqual(['09:00', '09:15', '09:30', '11:00', '11:15', '11:30']);
    // 30 min after each slot: a slot must end by 09:30 → starts up to 09:00.
    expect(mk(0, 30)).toEqual(['09:00', '11:00', '11:15', '11:30']);
    // 30 min before each slot: must start at 11:30 or later.
    expect(mk(30, 0)).toEqual(['09:00', '09:15', '09:30', '11:30']);
  });

  it('minimum notice hides starts too soon after now', () => {
    const q = base({ now: utc('2026-06-01T08:20Z'), rules: rules({ minNoticeMin: 120, intervalMin: 30 }) });
    expect(starts(q)).toEqual(['2026-06-01T10:30Z', '2026-06-01T11:00Z']);
  });

  it('the booking window ends windowDays × 24 h after now', () => {
    const q = base({ now: utc('2026-06-01T10:00Z'), range: span(MON, MON + 7 * DAY), rules: rules({ windowDays: 2 }) });
    expect(starts(q)).toEqual([
      '2026-06-01T10:00Z',
      '2026-06-01T11:00Z',
      '2026-06-02T09:00Z',
      '2026-06-02T10:00Z',
      '2026-06-02T11:00Z',
      '2026-06-03T09:00Z', // the window closes at 2026-06-03T10:00Z (exclusive)
    ]);
  });

  it('returns nothing for an empty range, no members, or a range outside the window', () => {
    expect(computeSlots(base({ range: span(MON, MON) }))).toEqual([]);
    expect(computeSlots(base({ members: [] }))).toEqual([]);
    expect(computeSlots(base({ now: MON + 10 * DAY }))).toEqual([]);
  });

  it('rejects nonsense rules', () => {
    expect(() => computeSlots(base({ rules: rules({ intervalMin: 0 }) }))).toThrow(RangeError);
    expect(() => computeSlots(base({ rules: rules({ durationMin: -5 }) }))).toThrow(RangeError);
    expect(() => computeSlots(base({ rules: rules({ bufferAfterMin: -1 }) }))).toThrow(RangeError);
    expect(() => computeSlots(base({ rules: rules({ type: 'class', seats: 0 }) }))).toThrow(RangeError);
    expect(() => computeSlots(base({ rules: rules({ type: 'class', seats: 10_000 }) }))).toThrow(RangeError);
  });

  it('slots stay at 09:00 local across the DST change, in UTC 13:00 vs 14:00', () => {
    const q = base({
      members: [
        member('ann', { schedule: schedule(NY, { 6: [{ start: '09:00', end: '10:00' }], 1: [{ start: '09:00', end: '10:00' }] }) }),
      ],
      range: span(utc('2026-03-07T00:00Z'), utc('2026-03-10T00:00Z')),
    });
    expect(starts(q)).toEqual(['2026-03-07T14:00Z', '2026-03-09T13:00Z']);
  });
});

describe('computeSlots: daily limit', () => {
  const la = 'America/Los_Angeles';
  const q = (appointmentStartsOnCalendar: number[], dailyLimit: number | null): string[] =>
    starts({
      rules: rules({ dailyLimit }),
      members: [
        member('ann', {
          schedule: schedule(la, { 2: [{ start: '09:00', end: '11:00' }], 3: [{ start: '09:00', end: '11:00' }] }),
          appointmentStartsOnCalendar,
        }),
      ],
      range: span(local('2026-06-02T00:00', la), local('2026-06-04T00:00', la)),
      now: EARLY,
    }).map((s) => s.slice(0, 13));

  it('a member at the limit offers nothing that local day; other days are untouched', () => {
    const tue = [local('2026-06-02T14:00', la), local('2026-06-02T15:00', la)];
    expect(q(tue, 3)).toEqual(['2026-06-02T16', '2026-06-02T17', '2026-06-03T16', '2026-06-03T17']);
    expect(q(tue, 2)).toEqual(['2026-06-03T16', '2026-06-03T17']);
    expect(q(tue, null)).toHaveLength(4);
  });

  it('counts the day in the member’s zone, not UTC', () => {
    // Tuesday 17:30 in Los Angeles is already Wednesday in UTC; it belongs to Tuesday.
    const lateTuesday = [local('2026-06-02T17:30', la)];
    expect(q(lateTuesday, 1)).toEqual(['2026-06-03T16', '2026-06-03T17']);
  });
});

describe('computeSlots: calendar types', () => {
  const annBusy10 = member('ann', {
    schedule: schedule('UTC', MORNING),
    busy: { appointments: [span(utc('2026-06-01T10:00Z'), utc('2026-06-01T11:00Z'))] },
  });
  const bob = member('bob', { schedule: schedule('UTC', { 1: [{ start: '10:00', end: '13:00' }] }) });

  it('round robin: a slot where anyone is free, listing exactly the free members', () => {
    const out = computeSlots(base({ members: [annBusy10, bob] }));
    expect(out.map((s) => [iso(s.start), s.userIds])).toEqual([
      ['2026-06-01T09:00Z', ['ann']],
      ['2026-06-01T10:00Z', ['bob']],
      ['2026-06-01T11:00Z', ['ann', 'bob']],
      ['2026-06-01T12:00Z', ['bob']],
    ]);
  });

  it('collective: only where every member is free, listing all', () => {
    const out = computeSlots(base({ rules: rules({ type: 'collective' }), members: [annBusy10, bob] }));
    expect(out.map((s) => [iso(s.start), s.userIds])).toEqual([['2026-06-01T11:00Z', ['ann', 'bob']]]);
  });

  it('collective across zones: the grid starts where the shared hours start', () => {
    const ny = member('ny', { schedule: schedule(NY, WEEKDAYS_9_TO_5) });
    const berlin = member('berlin', { schedule: schedule('Europe/Berlin', WEEKDAYS_9_TO_5) });
    // 09:00 New York = 13:00Z; 17:00 Berlin = 15:00Z.
    const out = computeSlots(base({ rules: rules({ type: 'collective', durationMin: 45, intervalMin: 45 }), members: [ny, berlin] }));
    expect(out.map((s) => `${wall(s.start, NY)}/${wall(s.start, 'Europe/Berlin')}`)).toEqual(['09:00/15:00', '09:45/15:45']);
  });

  it('collective daily limit counts the calendar’s appointments once, in the first member’s day', () => {
    const at = utc('2026-06-01T09:00Z');
    const a = member('a', { schedule: schedule('UTC', MORNING), appointmentStartsOnCalendar: [at] });
    const b = member('b', { schedule: schedule('UTC', MORNING), appointmentStartsOnCalendar: [at] });
    expect(computeSlots(base({ rules: rules({ type: 'collective', dailyLimit: 2 }), members: [a, b] }))).toHaveLength(3);
    expect(computeSlots(base({ rules: rules({ type: 'collective', dailyLimit: 1 }), members: [a, b] }))).toEqual([]);
  });

  const imported = { imported: [span(utc('2026-06-01T09:00Z'), utc('2026-06-01T11:00Z'))] };

  it('round robin, collective, class and service honour events imported from iCloud', () => {
    for (const type of ['round_robin', 'collective', 'class', 'service'] as const) {
      const q = base({
        rules: rules({ type, seats: 1 }),
        members: [member('ann', { schedule: schedule('UTC', MORNING), busy: imported })],
      });
      expect(starts(q), type).toEqual(['2026-06-01T11:00Z']);
    }
  });

  it('simple ignores events imported from iCloud but honours its own appointments and blocked time', () => {
    const q = (busy: object): string[] =>
      starts(base({ rules: rules({ type: 'simple' }), members: [member('ann', { schedule: schedule('UTC', MORNING), busy })] }));
    expect(q(imported)).toEqual(['2026-06-01T09:00Z', '2026-06-01T10:00Z', '2026-06-01T11:00Z']);
    expect(q({ blocked: imported.imported })).toEqual(['2026-06-01T11:00Z']);
    expect(q({ appointments: imported.imported })).toEqual(['2026-06-01T11:00Z']);
  });

  it('service behaves like round robin over the staff given', () => {
    const out = computeSlots(base({ rules: rules({ type: 'service' }), members: [annBusy10, bob] }));
    expect(out.map((s) => s.userIds)).toEqual([['ann'], ['bob'], ['ann', 'bob'], ['bob']]);
  });
});

describe('computeSlots: class seats', () => {
  const host = member('host', { schedule: schedule('UTC', MORNING) });
  const session = (
    start: string,
    seatsTaken: number,
    minutes = 60,
  ): { start: number; end: number; userId: string; seatsTaken: number } => ({
    start: utc(start),
    end: utc(start) + minutes * MINUTE,
    userId: 'host',
    seatsTaken,
  });
  const classQuery = (overrides: Partial<SlotQuery> = {}): SlotQuery =>
    base({ rules: rules({ type: 'class', seats: 10, durationMin: 60, intervalMin: 30 }), members: [host], ...overrides });

  it('fresh starts offer every seat; a matching session offers what is left; overlapping starts are hidden', () => {
    const out = computeSlots(classQuery({ sessions: [session('2026-06-01T10:00Z', 7)] }));
    expect(out.map((s) => [iso(s.start), s.seatsLeft])).toEqual([
      ['2026-06-01T09:00Z', 10],
      ['2026-06-01T10:00Z', 3],
      ['2026-06-01T11:00Z', 10],
    ]);
  });

  it('a full session is not offered', () => {
    const out = computeSlots(classQuery({ sessions: [session('2026-06-01T10:00Z', 10)] }));
    expect(out.map((s) => iso(s.start))).toEqual(['2026-06-01T09:00Z', '2026-06-01T11:00Z']);
  });

  it('a session of a different length blocks the start instead of selling seats', () => {
    const out = computeSlots(classQuery({ sessions: [session('2026-06-01T10:00Z', 2, 90)] }));
    expect(out.map((s) => iso(s.start))).toEqual(['2026-06-01T09:00Z']);
  });

  it('the host’s other busy time still closes a session with seats left', () => {
    const busyHost = member('host', {
      schedule: schedule('UTC', MORNING),
      busy: { blocked: [span(utc('2026-06-01T10:30Z'), utc('2026-06-01T10:45Z'))] },
    });
    const out = computeSlots(classQuery({ members: [busyHost], sessions: [session('2026-06-01T10:00Z', 1)] }));
    expect(out.map((s) => iso(s.start))).toEqual(['2026-06-01T09:00Z', '2026-06-01T11:00Z']);
  });

  it('only the first member hosts', () => {
    const out = computeSlots(
      classQuery({ members: [host, member('other', { schedule: schedule('UTC', { 1: [{ start: '13:00', end: '15:00' }] }) })] }),
    );
    expect(out.every((s) => s.userIds.length === 1 && s.userIds[0] === 'host')).toBe(true);
    expect(out).toHaveLength(5);
  });

  it('the daily limit caps new sessions but not joining an existing one', () => {
    const out = computeSlots(
      classQuery({
        rules: rules({ type: 'class', seats: 10, durationMin: 60, intervalMin: 60, dailyLimit: 1 }),
        sessions: [session('2026-06-01T10:00Z', 4)],
        members: [
          member('host', {
            schedule: schedule('UTC', MORNING),
            appointmentStartsOnCalendar: [utc('2026-06-01T10:00Z'), utc('2026-06-01T10:00Z')],
          }),
        ],
      }),
    );
    expect(out.map((s) => [iso(s.start), s.seatsLeft])).toEqual([['2026-06-01T10:00Z', 6]]);
  });
});

describe('computeSlots: event calendars', () => {
  const weekly = eventOccurrences(
    { firstStart: '2026-10-22T18:00', timezone: NY, durationMin: 90, repeat: 'weekly', count: null },
    span(utc('2026-10-01T00:00Z'), utc('2026-11-30T00:00Z')),
  );
  // No working hours at all: fixed times do not consult the schedule.
  const host = member('host', { schedule: schedule(NY, {}) });
  const eventQuery = (overrides: Partial<SlotQuery> = {}): SlotQuery => ({
    rules: rules({ type: 'event', seats: 20, durationMin: 90 }),
    members: [host],
    range: span(utc('2026-10-20T00:00Z'), utc('2026-11-10T00:00Z')),
    now: EARLY,
    eventTimes: weekly,
    ...overrides,
  });

  it('offers exactly the occurrences in the range, at 18:00 local on both sides of the DST change', () => {
    const out = computeSlots(eventQuery());
    expect(out.map((s) => iso(s.start))).toEqual(['2026-10-22T22:00Z', '2026-10-29T22:00Z', '2026-11-05T23:00Z']);
    expect(out.every((s) => wall(s.start, NY) === '18:00' && s.end - s.start === 90 * MINUTE && s.seatsLeft === 20)).toBe(true);
  });

  it('seats left come from the session at that start', () => {
    const out = computeSlots(
      eventQuery({ sessions: [{ start: utc('2026-10-29T22:00Z'), end: utc('2026-10-29T23:30Z'), userId: 'host', seatsTaken: 15 }] }),
    );
    expect(out.map((s) => s.seatsLeft)).toEqual([20, 5, 20]);
    const full = computeSlots(
      eventQuery({ sessions: [{ start: utc('2026-10-29T22:00Z'), end: utc('2026-10-29T23:30Z'), userId: 'host', seatsTaken: 20 }] }),
    );
    expect(full.map((s) => iso(s.start))).toEqual(['2026-10-22T22:00Z', '2026-11-05T23:00Z']);
  });

  it('ignores iCloud events but not the host’s blocked time', () => {
    const during = [span(utc('2026-10-29T21:00Z'), utc('2026-10-29T23:00Z'))];
    expect(
      computeSlots(eventQuery({ members: [member('host', { schedule: schedule(NY, {}), busy: { imported: during } })] })),
    ).toHaveLength(3);
    expect(computeSlots(eventQuery({ members: [member('host', { schedule: schedule(NY, {}), busy: { blocked: during } })] }))).toHaveLength(
      2,
    );
  });

  it('respects notice and needs a host', () => {
    expect(
      computeSlots(eventQuery({ now: utc('2026-10-29T21:00Z'), rules: rules({ type: 'event', seats: 20, minNoticeMin: 120 }) })).map((s) =>
        iso(s.start),
      ),
    ).toEqual(['2026-11-05T23:00Z']);
    expect(computeSlots(eventQuery({ members: [] }))).toEqual([]);
  });
});

describe('computeSlots: output order', () => {
  it('is sorted by start even when members are in different zones', () => {
    const out = computeSlots(
      base({
        range: span(MON, MON + 3 * DAY),
        members: [
          member('tokyo', { schedule: schedule('Asia/Tokyo', MORNING) }),
          member('ny', { schedule: schedule(NY, MORNING) }),
          member('utc', { schedule: schedule('UTC', MORNING) }),
        ],
      }),
    );
    expect(out.length).toBeGreaterThan(10);
    for (let i = 1; i < out.length; i++) expect(out[i]!.start).toBeGreaterThan(out[i - 1]!.start);
    expect(out.every((s) => s.end - s.start === HOUR)).toBe(true);
  });
});
