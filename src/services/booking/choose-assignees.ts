import type { Kysely } from 'kysely';
import { chooseAssignee } from '../../domain/assignee.ts';
import { subtractIntervals } from '../../domain/interval.ts';
import { localDays } from '../../domain/local-days.ts';
import { workingIntervals } from '../../domain/schedule.ts';
import type { Slot, SlotQuery } from '../../domain/slots.ts';
import type { DB } from '../../store/schema.ts';
import type { CalendarView } from '../calendars/calendar-view.ts';
import { DAY_MS } from '../../domain/time.ts';

const RECENT_DAYS = 30;

/**
 * Who is booked into a free slot. Collective: everyone; Class/Event/Simple: the host; Round Robin
 * and Service: one of the free members, by the calendar's distribution (SPEC §2).
 */
export async function chooseAssignees(trx: Kysely<DB>, calendar: CalendarView, query: SlotQuery, slot: Slot, now: Date): Promise<string[]> {
  if (calendar.type === 'collective') return query.members.map((m) => m.userId);
  if (slot.userIds.length === 1 || (calendar.type !== 'round_robin' && calendar.type !== 'service')) return [slot.userIds[0]!];

  const free = query.members.filter((m) => slot.userIds.includes(m.userId));
  const recent =
    calendar.distribution === 'equal'
      ? await trx
          .selectFrom('appointment_assignees as aa')
          .innerJoin('appointments as a', 'a.id', 'aa.appointment_id')
          .select(['aa.user_id', trx.fn.countAll<number>().as('n')])
          .where('a.calendar_id', '=', calendar.id)
          .where('aa.status', '=', 'confirmed')
          .where('a.start_at', '>=', new Date(now.getTime() - RECENT_DAYS * DAY_MS))
          .where(
            'aa.user_id',
            'in',
            free.map((m) => m.userId),
          )
          .groupBy('aa.user_id')
          .execute()
      : [];

  const candidates = free.map((member) => {
    // The member's local day of the slot, as the slot engine sees it (its day starts are kept, so
    // no Luxon DateTime per booking and member).
    const day = localDays(member.schedule.timezone, slot.start, slot.start + 1)[0]!;
    const dayRange = { start: day.start, end: day.end };
    // Only busy time that touches the day can take from its working time, which lies inside it: the
    // rest (the slot statement reads a day on each side) would be merged for nothing, and
    // subtractIntervals merges what it is given.
    const busy = [...member.busy.appointments, ...member.busy.blocked, ...member.busy.imported].filter(
      (b) => b.start < dayRange.end && b.end > dayRange.start,
    );
    const freeMs = subtractIntervals(workingIntervals(member.schedule, dayRange), busy).reduce((sum, i) => sum + (i.end - i.start), 0);
    return {
      userId: member.userId,
      priority: member.priority,
      freeMinutesThatDay: Math.round(freeMs / 60_000),
      recentAppointments: Number(recent.find((r) => r.user_id === member.userId)?.n ?? 0),
    };
  });
  return [chooseAssignee(candidates, calendar.distribution)];
}
