import { sql, type Kysely } from 'kysely';
import type { Interval } from '../../domain/interval.ts';
import { consultsExternalCalendars } from '../../domain/calendar-type.ts';
import { eventOccurrences } from '../../domain/event-times.ts';
import type { DateOverride } from '../../domain/schedule.ts';
import type { ClassSession, MemberAvailability, SlotQuery } from '../../domain/slots.ts';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import type { CalendarView } from '../calendars/calendar-view.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { DAY_MS } from '../../domain/time.ts';

export interface LoadSlotQueryOptions {
  calendar: CalendarView;
  serviceId: string | null;
  range: Interval;
  now: Date;
  importedBusy: ImportedBusySource;
  /** When moving an appointment, its own current time is not busy. */
  ignoreAppointmentId?: string;
}

/**
 * Gathers everything the pure slot engine needs for one calendar and window: members' schedules
 * and overrides, their appointments (any calendar), blocked slots, imported busy time, this
 * calendar's sessions and per-day counts. Runs on a transaction too, so booking re-checks see
 * exactly what they lock.
 */
export async function loadSlotQuery(db: Kysely<DB>, options: LoadSlotQueryOptions): Promise<SlotQuery> {
  const { calendar } = options;
  const service = options.serviceId ? calendar.services.find((s) => s.id === options.serviceId) : undefined;
  // A service id the calendar does not offer is refused, not ignored: the client meant something.
  if (options.serviceId && !service) throw new AppError('service_not_offered');
  if (calendar.type === 'service' && !service) throw new AppError('service_required');
  const members = service ? calendar.members.filter((m) => service.staffIds.includes(m.userId)) : calendar.members;
  if (members.length === 0) throw new AppError('calendar_misconfigured');
  const userIds = members.map((m) => m.userId);

  // Busy time just outside the window still matters: buffers and slots that straddle its edges.
  const padding = DAY_MS + (calendar.bufferBeforeMin + calendar.bufferAfterMin + calendar.durationMin) * 60_000;
  const from = new Date(options.range.start - padding);
  const to = new Date(options.range.end + padding);
  const sessionBased = calendar.type === 'class' || calendar.type === 'event';
  const ignored = options.ignoreAppointmentId ?? '00000000-0000-0000-0000-000000000000';

  const [users, overrides, assignments, blocked, ownStarts, sessions, imported] = await Promise.all([
    db.selectFrom('users').select(['id', 'timezone', 'weekly_hours']).where('id', 'in', userIds).execute(),
    db
      .selectFrom('date_overrides')
      .select(['user_id', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'ranges'])
      .where('user_id', 'in', userIds)
      .where('date', '>=', new Date(from.getTime() - DAY_MS).toISOString().slice(0, 10))
      .where('date', '<=', new Date(to.getTime() + DAY_MS).toISOString().slice(0, 10))
      .execute(),
    db
      .selectFrom('appointment_assignees as aa')
      .innerJoin('appointments as a', 'a.id', 'aa.appointment_id')
      .select([
        'aa.user_id',
        sql<Date>`lower(aa.during)`.as('start'),
        sql<Date>`upper(aa.during)`.as('end'),
        'a.calendar_id',
        'a.id',
        'a.title',
        'a.start_at',
        'a.end_at',
      ])
      .where('aa.user_id', 'in', userIds)
      .where('aa.status', '=', 'confirmed')
      .where('a.id', '!=', ignored)
      .where(sql<boolean>`aa.during && tstzrange(${from}, ${to})`)
      .execute(),
    db
      .selectFrom('blocked_slots')
      .select(['user_id', 'start_at', 'end_at', 'id', 'title'])
      .where('user_id', 'in', userIds)
      .where('end_at', '>', from)
      .where('start_at', '<', to)
      .execute(),
    db
      .selectFrom('appointment_assignees as aa')
      .innerJoin('appointments as a', 'a.id', 'aa.appointment_id')
      .select(['aa.user_id', 'a.start_at'])
      .where('a.calendar_id', '=', calendar.id)
      .where('aa.status', '=', 'confirmed')
      .where('a.id', '!=', ignored)
      .where('a.start_at', '>=', new Date(from.getTime() - DAY_MS))
      .where('a.start_at', '<', new Date(to.getTime() + DAY_MS))
      .execute(),
    sessionBased
      ? db
          .selectFrom('appointments as a')
          .innerJoin('appointment_assignees as aa', 'aa.appointment_id', 'a.id')
          .select(['a.start_at', 'a.end_at', 'a.seats_taken', 'aa.user_id'])
          .where('a.calendar_id', '=', calendar.id)
          .where('a.status', '=', 'confirmed')
          .where('a.id', '!=', ignored)
          .where('a.end_at', '>', from)
          .where('a.start_at', '<', to)
          .execute()
      : Promise.resolve([]),
    consultsExternalCalendars(calendar.type)
      ? options.importedBusy.importedBusy(db, userIds, { start: from.getTime(), end: to.getTime() })
      : Promise.resolve(new Map<string, Interval[]>()),
  ]);

  const memberAvailability: MemberAvailability[] = members.map((member) => {
    const user = users.find((u) => u.id === member.userId);
    if (!user) throw new AppError('calendar_misconfigured');
    return {
      userId: member.userId,
      priority: member.priority,
      schedule: {
        timezone: user.timezone,
        weeklyHours: user.weekly_hours,
        overrides: overrides.filter((o) => o.user_id === member.userId).map((o): DateOverride => ({ date: o.date, ranges: o.ranges })),
      },
      busy: {
        // A class session's own assignment is not busy time for that session: it is offered by seats.
        appointments: assignments
          .filter((a) => a.user_id === member.userId && !(sessionBased && a.calendar_id === calendar.id))
          .map((a) => ({
            start: a.start.getTime(),
            end: a.end.getTime(),
            ref: { id: a.id, title: a.title, own: { start: a.start_at.getTime(), end: a.end_at.getTime() } },
          })),
        blocked: blocked
          .filter((b) => b.user_id === member.userId)
          .map((b) => ({ start: b.start_at.getTime(), end: b.end_at.getTime(), ref: { id: b.id, title: b.title } })),
        imported: imported.get(member.userId) ?? [],
      },
      appointmentStartsOnCalendar: ownStarts.filter((s) => s.user_id === member.userId).map((s) => s.start_at.getTime()),
    };
  });

  const classSessions: ClassSession[] = sessions.map((s) => ({
    start: s.start_at.getTime(),
    end: s.end_at.getTime(),
    userId: s.user_id,
    seatsTaken: s.seats_taken,
  }));
  return {
    rules: {
      type: calendar.type,
      durationMin: service?.durationMin ?? calendar.durationMin,
      intervalMin: calendar.intervalMin,
      bufferBeforeMin: calendar.bufferBeforeMin,
      bufferAfterMin: calendar.bufferAfterMin,
      minNoticeMin: calendar.minNoticeMin,
      windowDays: calendar.windowDays,
      dailyLimit: calendar.dailyLimit,
      seats: calendar.seats,
    },
    members: memberAvailability,
    range: options.range,
    now: options.now.getTime(),
    sessions: classSessions,
    eventTimes:
      calendar.type === 'event' && calendar.eventSchedule
        ? eventOccurrences(calendar.eventSchedule, { start: from.getTime(), end: to.getTime() })
        : [],
  };
}
