import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consultsExternalCalendars, type CalendarType } from '../../../src/domain/calendar-type.ts';
import { computeSlots, type Slot, type SlotQuery } from '../../../src/domain/slots.ts';
import { workingIntervals } from '../../../src/domain/schedule.ts';
import { classQueryWithSessions, query } from './arbitraries.ts';
import { DAY, iso, MINUTE } from './builders.ts';
import { busyOf, modelCollectiveStarts, modelMemberStarts, overlaps, padded, startWindow } from './model.ts';

const RUNS = { numRuns: 150 };

function describeQuery(q: SlotQuery): string {
  return `range ${iso(q.range.start)}..${iso(q.range.end)} now ${iso(q.now)} rules ${JSON.stringify(q.rules)} zones ${q.members.map((m) => m.schedule.timezone).join(',')}`;
}

/** Invariants every answer of every non-event type must satisfy. */
function checkInvariants(q: SlotQuery, slots: Slot[]): void {
  const { from, to } = startWindow(q);
  const byId = new Map(q.members.map((m) => [m.userId, m]));
  slots.forEach((slot, i) => {
    if (i > 0) expect(slot.start, 'sorted, no duplicates').toBeGreaterThan(slots[i - 1]!.start);
    expect(slot.start).toBeGreaterThanOrEqual(from);
    expect(slot.start).toBeLessThan(to);
    expect(slot.end - slot.start).toBe(q.rules.durationMin * MINUTE);
    expect(slot.userIds.length).toBeGreaterThan(0);
    for (const userId of slot.userIds) {
      const m = byId.get(userId)!;
      expect(m, `unknown user ${userId}`).toBeDefined();
      const working = workingIntervals(m.schedule, { start: slot.start - DAY, end: slot.end + DAY });
      expect(
        working.some((w) => w.start <= slot.start && slot.end <= w.end),
        `${iso(slot.start)} outside working hours of ${userId}`,
      ).toBe(true);
      const hit = busyOf(m, q.rules).find((b) => b.end > b.start && overlaps(padded(slot, q.rules), b));
      expect(hit, `${iso(slot.start)} (padded) overlaps busy of ${userId}`).toBeUndefined();
    }
  });
}

describe('slot engine properties', () => {
  for (const type of ['round_robin', 'service', 'simple', 'collective'] as CalendarType[]) {
    it(`${type}: slots avoid (padded) busy time and lie in working hours of every listed member`, () => {
      fc.assert(
        fc.property(query(type, 3), (q) => {
          const slots = computeSlots(q);
          checkInvariants(q, slots);
          for (const s of slots) expect(s.seatsLeft).toBe(1);
        }),
        RUNS,
      );
    });
  }

  it('one member alone: exactly the brute-force model’s starts (grid, buffers, notice, window, daily limit, DST)', () => {
    fc.assert(
      fc.property(query('round_robin', 1), (q) => {
        const actual = computeSlots(q).map((s) => s.start);
        const expected = modelMemberStarts(q, q.members[0]!);
        expect(actual.map(iso), describeQuery(q)).toEqual(expected.map(iso));
      }),
      RUNS,
    );
  });

  it('simple: the model without imported busy time (imported events never matter)', () => {
    fc.assert(
      fc.property(query('simple', 1), (q) => {
        const m = q.members[0]!;
        const actual = computeSlots(q).map((s) => s.start);
        expect(actual).toEqual(modelMemberStarts(q, m));
        // And the imported list truly is ignored: dropping it changes nothing.
        const without = computeSlots({ ...q, members: [{ ...m, busy: { ...m.busy, imported: [] } }] }).map((s) => s.start);
        expect(actual).toEqual(without);
      }),
      RUNS,
    );
  });

  it('round robin = the union of each member alone, listing exactly the members who have that start', () => {
    fc.assert(
      fc.property(query('round_robin', 4), (q) => {
        const alone = q.members.map((m) => new Set(computeSlots({ ...q, members: [m] }).map((s) => s.start)));
        const expected = new Map<number, string[]>();
        q.members.forEach((m, i) => {
          for (const t of alone[i]!) expected.set(t, [...(expected.get(t) ?? []), m.userId]);
        });
        const actual = computeSlots(q);
        expect(actual.map((s) => s.start)).toEqual([...expected.keys()].sort((a, b) => a - b));
        for (const s of actual) expect(s.userIds).toEqual(expected.get(s.start));
      }),
      RUNS,
    );
  });

  it('collective = the brute-force intersection model, and lists every member', () => {
    fc.assert(
      fc.property(query('collective', 3), (q) => {
        const actual = computeSlots(q);
        expect(
          actual.map((s) => iso(s.start)),
          describeQuery(q),
        ).toEqual(modelCollectiveStarts(q).map(iso));
        for (const s of actual) expect(s.userIds).toEqual(q.members.map((m) => m.userId));
      }),
      RUNS,
    );
  });

  it('collective slots ⊆ every member’s own free starts when all members share one schedule', () => {
    fc.assert(
      fc.property(query('collective', 3), (q) => {
        // Same schedule for all: the shared grid is each member's grid, so the collective answer is
        // the plain intersection of the single-member answers (with no daily limit, which counts
        // differently for Collective).
        const shared = {
          ...q,
          rules: { ...q.rules, dailyLimit: null },
          members: q.members.map((m) => ({ ...m, schedule: q.members[0]!.schedule })),
        };
        const alone = shared.members.map(
          (m) => new Set(computeSlots({ ...shared, rules: { ...shared.rules, type: 'round_robin' }, members: [m] }).map((s) => s.start)),
        );
        const expected = [...alone[0]!].filter((t) => alone.every((set) => set.has(t))).sort((a, b) => a - b);
        expect(computeSlots(shared).map((s) => s.start)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('class: seats come from an exactly matching session, otherwise no session is touched', () => {
    fc.assert(
      fc.property(classQueryWithSessions(2), (q) => {
        const host = q.members[0]!;
        const sessions = q.sessions;
        const grid = computeSlots({ ...q, rules: { ...q.rules, type: 'round_robin' }, members: [host] }).map((s) => s.start);
        const slots = computeSlots(q);
        checkInvariants({ ...q, members: [host] }, slots);
        const hostGrid = new Set(grid);
        for (const s of slots) {
          expect(s.userIds).toEqual([host.userId]);
          const matching = sessions.filter((x) => x.start === s.start && x.end === s.end);
          const others = sessions.filter(
            (x) => !(x.start === s.start && x.end === s.end) && x.end > x.start && overlaps(padded(s, q.rules), x),
          );
          expect(others, `${iso(s.start)} collides with a session`).toEqual([]);
          const taken = matching.reduce((sum, x) => sum + x.seatsTaken, 0);
          expect(s.seatsLeft).toBe(q.rules.seats - taken);
          expect(s.seatsLeft).toBeGreaterThan(0);
          if (matching.length === 0) expect(hostGrid.has(s.start), 'a fresh class start is a start the host offers').toBe(true);
        }
        // Completeness: a grid start of the host that touches no session is offered with all seats.
        for (const t of grid) {
          const slot = { start: t, end: t + q.rules.durationMin * MINUTE };
          if (sessions.some((x) => x.end > x.start && overlaps(padded(slot, q.rules), x))) continue;
          expect(slots.find((s) => s.start === t)?.seatsLeft, `${iso(t)} should be offered`).toBe(q.rules.seats);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('event: exactly the fixed times in the window that the host has not blocked, never consulting hours or iCloud', () => {
    const withTimes = query('event', 1).chain((q) =>
      fc.tuple(
        fc.constant(q),
        fc.array(fc.integer({ min: -100, max: Math.ceil((q.range.end - q.range.start) / MINUTE / 15) }), { maxLength: 8 }),
      ),
    );
    fc.assert(
      fc.property(withTimes, ([q0, ats]) => {
        const eventTimes = ats.map((a) => ({
          start: q0.range.start + a * 15 * MINUTE,
          end: q0.range.start + a * 15 * MINUTE + q0.rules.durationMin * MINUTE,
        }));
        const q = { ...q0, rules: { ...q0.rules, dailyLimit: null }, eventTimes };
        const { from, to } = startWindow(q);
        const host = q.members[0]!;
        const expected = [...new Set(eventTimes.map((t) => t.start))]
          .filter((t) => t >= from && t < to)
          .filter(
            (t) =>
              ![...host.busy.appointments, ...host.busy.blocked].some(
                (b) => b.end > b.start && overlaps(padded({ start: t, end: t + q.rules.durationMin * MINUTE }, q.rules), b),
              ),
          )
          .sort((a, b) => a - b);
        const slots = computeSlots(q);
        expect(slots.map((s) => s.start)).toEqual(expected);
        for (const s of slots) expect(s.seatsLeft).toBe(q.rules.seats);
        expect(consultsExternalCalendars('event')).toBe(false);
      }),
      RUNS,
    );
  });
});
