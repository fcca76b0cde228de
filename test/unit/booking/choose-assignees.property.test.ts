import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { chooseAssignees } from '../../../src/services/booking/choose-assignees.ts';
import type { CalendarView } from '../../../src/services/calendars/calendar-view.ts';
import { chooseAssignee } from '../../../src/domain/assignee.ts';
import { mergeIntervals, subtractIntervals, type Interval } from '../../../src/domain/interval.ts';
import { localDays } from '../../../src/domain/local-days.ts';
import { workingIntervals } from '../../../src/domain/schedule.ts';
import type { MemberAvailability, Slot, SlotQuery } from '../../../src/domain/slots.ts';
import type { DB } from '../../../src/store/schema.ts';

const MINUTE = 60_000;
const START = Date.UTC(2027, 2, 28, 1, 30); // Europe's spring change that night; Pacific zones far from UTC
const ZONES = ['UTC', 'Europe/Berlin', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/Santiago', 'Asia/Kathmandu'];

/** The member's free minutes on the slot's local day, by the definition: working time minus all busy time, merged. */
function freeMinutesByDefinition(member: MemberAvailability, slotStart: number): number {
  const day = localDays(member.schedule.timezone, slotStart, slotStart + 1)[0]!;
  const range = { start: day.start, end: day.end };
  const busy = mergeIntervals([...member.busy.appointments, ...member.busy.blocked, ...member.busy.imported]);
  const freeMs = subtractIntervals(workingIntervals(member.schedule, range), busy).reduce((sum, i) => sum + (i.end - i.start), 0);
  return Math.round(freeMs / MINUTE);
}

// Busy time anywhere from two days before the slot to two days after, some of it empty or inverted.
const interval: fc.Arbitrary<Interval> = fc
  .tuple(fc.integer({ min: -48 * 60, max: 48 * 60 }), fc.integer({ min: -30, max: 26 * 60 }))
  .map(([offsetMin, lengthMin]) => ({ start: START + offsetMin * MINUTE, end: START + (offsetMin + lengthMin) * MINUTE }));

const member = (userId: string): fc.Arbitrary<MemberAvailability> =>
  fc
    .record({
      zone: fc.constantFrom(...ZONES),
      hours: fc.constantFrom(
        [{ start: '00:00', end: '24:00' }],
        [{ start: '09:00', end: '17:00' }],
        [
          { start: '00:00', end: '02:00' },
          { start: '22:30', end: '24:00' },
        ],
      ),
      appointments: fc.array(interval, { maxLength: 12 }),
      blocked: fc.array(interval, { maxLength: 3 }),
      imported: fc.array(interval, { maxLength: 3 }),
      priority: fc.integer({ min: 0, max: 2 }),
    })
    .map((m) => ({
      userId,
      priority: m.priority,
      schedule: { timezone: m.zone, weeklyHours: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, m.hours])), overrides: [] },
      busy: { appointments: m.appointments, blocked: m.blocked, imported: m.imported },
      appointmentStartsOnCalendar: [],
    }));

describe('chooseAssignees (availability)', () => {
  it('picks the member with the most free minutes on their own local day, as the definition counts them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(member('x'), { minLength: 2, maxLength: 4 }), async (drawn) => {
        const members = drawn.map((m, i) => ({ ...m, userId: `member-${i}` }));
        const query = { members } as unknown as SlotQuery;
        const slot: Slot = { start: START, end: START + 30 * MINUTE, userIds: members.map((m) => m.userId), seatsLeft: 1 };
        const calendar = { type: 'round_robin', distribution: 'availability', members } as unknown as CalendarView;
        const expected = chooseAssignee(
          members.map((m) => ({
            userId: m.userId,
            priority: m.priority,
            freeMinutesThatDay: freeMinutesByDefinition(m, START),
            recentAppointments: 0,
          })),
          'availability',
        );
        // 'availability' reads nothing: no database is needed.
        expect(await chooseAssignees(null as unknown as Kysely<DB>, calendar, query, slot, new Date(START - 86_400_000))).toEqual([
          expected,
        ]);
      }),
      { numRuns: 300 },
    );
  });
});
