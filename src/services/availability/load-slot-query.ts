import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Interval } from '../../domain/interval.ts';
import type { BusyInterval } from '../../domain/busy.ts';
import { consultsExternalCalendars } from '../../domain/calendar-type.ts';
import { eventOccurrences } from '../../domain/event-times.ts';
import type { DateOverride, TimeRange, WeeklyHours } from '../../domain/schedule.ts';
import type { ClassSession, MemberAvailability, SlotQuery } from '../../domain/slots.ts';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import type { CalendarView, ServiceView } from '../calendars/calendar-view.ts';
import { bookingFactsColumns, type BookingFacts } from '../booking/booking-facts.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { DAY_MS, MINUTE_MS } from '../../domain/time.ts';
import { localDays } from '../../domain/local-days.ts';
import { epochMs } from '../../store/epoch-ms.ts';
import { keptPerDatabase, type KeptValues } from '../../store/kept-per-database.ts';
import { StatementTemplate, type TemplateParam } from '../../store/statement-template.ts';

export interface LoadSlotQueryOptions {
  calendar: CalendarView;
  serviceId: string | null;
  range: Interval;
  now: Date;
  importedBusy: ImportedBusySource;
  /**
   * The members who can have imported busy time (a blocking remote calendar), when the caller read
   * that a moment ago (BookingFacts.importedBusyUsers): busy time is read for them only, and not at
   * all when there are none. Absent: read for every member.
   */
  importedBusyUsers?: readonly string[];
  /** When moving an appointment, its own current time is not busy. */
  ignoreAppointmentId?: string;
  /**
   * Each appointment's id, title and own time beside its busy time, for an explanation to name it
   * (explain-start.ts). Without it the statement reads only the assignments' rows, not their
   * appointments: computing slots and choosing assignees never look at those (issue 13.4).
   */
  withRefs?: boolean;
}

/** The rows of one slot query, as the single statement returns them (instants in epoch ms). */
interface SlotRows {
  /** Name and e-mail too when the statement checks the calendar (the booking's staff facts), then ordered by name. */
  users: Array<{ id: string; timezone: string; weekly_hours: WeeklyHours; name?: string; email?: string }>;
  overrides: Array<{ user_id: string; date: string; ranges: TimeRange[] }>;
  /**
   * One row per assignment with its appointment's fields (`withRefs`, or a class/event calendar,
   * whose own sessions the statement leaves out); otherwise one row per member with the busy
   * ranges' bounds as two arrays (AssignmentRanges).
   */
  assignments: AssignmentRow[] | AssignmentRanges[];
  blocked: Array<{ user_id: string; start_at: number; end_at: number; id: string; title: string }>;
  own_starts: Array<{ user_id: string; start_at: number }>;
  sessions: Array<{ start_at: number; end_at: number; seats_taken: number; user_id: string }>;
}

interface AssignmentRow {
  user_id: string;
  start: number;
  end: number;
  id?: string;
  title?: string;
  start_at?: number;
  end_at?: number;
}

/** A member's assignments in the window: `starts[i]`–`ends[i]` is one busy range (any order). */
interface AssignmentRanges {
  user_id: string;
  starts: number[];
  ends: number[];
}

/** The calendar's columns the statement adds for loadSlotQueryCheckingCalendar. */
interface CalendarRows {
  calendar_version: string | null;
  settings: BookingFacts['settings'];
  imported_busy_users: string[];
}

/**
 * Gathers everything the pure slot engine needs for one calendar and window: members' schedules
 * and overrides, their appointments (any calendar), blocked slots, imported busy time, this
 * calendar's sessions and per-day counts. Runs on a transaction too, so booking re-checks see
 * exactly what they lock.
 */
export async function loadSlotQuery(db: Kysely<DB>, options: LoadSlotQueryOptions): Promise<SlotQuery> {
  return (await readSlotQuery(db, options, null)).slotQuery();
}

/** The calendar's row as a booking's slot statement read it (loadSlotQueryCheckingCalendar). */
export interface CalendarAsRead {
  /** The row's version (xmin); null when the calendar is gone or not in that workspace. */
  version: string | null;
  facts: BookingFacts;
}

/**
 * loadSlotQuery for a booking that holds a kept calendar view (findPublicCalendar): the same
 * statement also reads the calendar's version and the booking facts, so the booking needs no
 * statement of its own for the calendar. The caller compares the version with its view's before
 * asking for the query (`slotQuery()`): the rows were read for that view's members and rules.
 */
export async function loadSlotQueryCheckingCalendar(
  db: Kysely<DB>,
  options: LoadSlotQueryOptions & { workspaceId: string },
): Promise<{ calendar: CalendarAsRead; slotQuery: () => SlotQuery }> {
  const { calendar, slotQuery } = await readSlotQuery(db, options, options.workspaceId);
  return { calendar: calendar!, slotQuery };
}

async function readSlotQuery(
  db: Kysely<DB>,
  options: LoadSlotQueryOptions,
  checkInWorkspace: string | null,
): Promise<{ calendar: CalendarAsRead | null; slotQuery: () => SlotQuery }> {
  const { calendar } = options;
  const service = options.serviceId ? calendar.services.find((s) => s.id === options.serviceId) : undefined;
  // A service id the calendar does not offer is refused, not ignored: the client meant something.
  if (options.serviceId && !service) throw new AppError('service_not_offered');
  if (calendar.type === 'service' && !service) throw new AppError('service_required');
  const members = service ? calendar.members.filter((m) => service.staffIds.includes(m.userId)) : calendar.members;
  if (members.length === 0) throw new AppError('calendar_misconfigured');
  const userIds = members.map((m) => m.userId);
  const busyUserIds = options.importedBusyUsers ? userIds.filter((id) => options.importedBusyUsers!.includes(id)) : userIds;

  const sessionBased = calendar.type === 'class' || calendar.type === 'event';
  const ignored = options.ignoreAppointmentId ?? '00000000-0000-0000-0000-000000000000';
  const shape: SlotStatementShape = {
    withRefs: options.withRefs === true,
    sessionBased,
    dailyLimit: calendar.dailyLimit !== null,
    checkCalendar: checkInWorkspace !== null,
  };
  const longestMin = Math.max(calendar.durationMin, service?.durationMin ?? 0);
  const read = async (zones: ReadonlyMap<string, string> | null) => {
    const { from, to } = busyWindow(options.range, userIds, zones, calendar.bufferBeforeMin + calendar.bufferAfterMin, longestMin);
    const dayBefore = new Date(from.getTime() - DAY_MS);
    const dayAfter = new Date(to.getTime() + DAY_MS);
    const [everything, imported] = await Promise.all([
      slotStatement(db, shape)
        .execute(db, {
          userIds,
          ignored,
          calendarId: calendar.id,
          workspaceId: checkInWorkspace,
          // Instants as ISO text: what node-postgres would make of a Date, without its per-value formatting.
          from: from.toISOString(),
          to: to.toISOString(),
          dayBefore: dayBefore.toISOString(),
          dayAfter: dayAfter.toISOString(),
          dateBefore: dayBefore.toISOString().slice(0, 10),
          dateAfter: dayAfter.toISOString().slice(0, 10),
        })
        .then((result) => result.rows[0]!),
      consultsExternalCalendars(calendar.type) && busyUserIds.length > 0
        ? options.importedBusy.importedBusy(db, busyUserIds, { start: from.getTime(), end: to.getTime() })
        : Promise.resolve(new Map<string, Interval[]>()),
    ]);
    return { from, to, everything, imported };
  };
  // The window is the members' own local days when this process knows their zones (what the
  // statement read last time); the statement reads the zones again, and a window drawn from a zone
  // that has changed since is read again with the zone as read.
  const seen = zonesSeen(db);
  const assumed = knownZones(seen, userIds);
  let result = await read(assumed);
  const zones = rememberZones(seen, result.everything.users);
  if (assumed !== null && userIds.some((id) => zones.get(id) !== assumed.get(id))) result = await read(zones);
  const { from, to, everything, imported } = result;
  const asRead: CalendarAsRead | null =
    checkInWorkspace === null
      ? null
      : {
          version: everything.calendar_version ?? null,
          facts: {
            settings: everything.settings ?? null,
            // The members the statement read, by name: every assignee is one of them, and a notice
            // names only its assignees (writeOneOff). Read with the users' own rows instead of a
            // second join of the calendar's members to users (decision 0024, ninth session).
            staff: everything.users.map((u) => ({ id: u.id, name: u.name!, email: u.email!, timezone: u.timezone })),
            importedBusyUsers: everything.imported_busy_users ?? [],
          },
        };
  return { calendar: asRead, slotQuery: () => toSlotQuery(options, { members, service, from, to }, everything, imported) };
}

/**
 * The window whose busy time can matter, as instants. The slot engine looks at the members' local
 * days that hold a start in the range or the end of a slot from it (QueryContext.daysOf), and
 * chooseAssignees at the member's local day of the slot; busy time reaches into those days by at
 * most the buffers and the longest duration. A range of at most a day (a booking's re-check, an
 * explanation) with every member's zone known reads those days alone; otherwise a day on each
 * side of the range (decision 0021: PostgreSQL's zone names need not be Luxon's, so the days are
 * worked out here, not in SQL). On the bookings bench that is a day of assignments instead of
 * three (decision 0024, seventh session).
 */
export function busyWindow(
  range: Interval,
  userIds: readonly string[],
  zones: ReadonlyMap<string, string> | null,
  buffersMin: number,
  longestMin: number,
): { from: Date; to: Date } {
  const edge = (buffersMin + longestMin) * MINUTE_MS;
  const wide = { from: new Date(range.start - DAY_MS - edge), to: new Date(range.end + DAY_MS + edge) };
  if (zones === null || range.end - range.start > DAY_MS) return wide;
  let start = Infinity;
  let end = -Infinity;
  for (const id of userIds) {
    const zone = zones.get(id);
    if (zone === undefined) return wide;
    const days = localDays(zone, range.start, range.end + longestMin * MINUTE_MS);
    if (days.length === 0) return wide;
    start = Math.min(start, days[0]!.start);
    end = Math.max(end, days[days.length - 1]!.end);
  }
  return Number.isFinite(start) && Number.isFinite(end) ? { from: new Date(start - edge), to: new Date(end + edge) } : wide;
}

/**
 * Members' zones as the slot statement last read them, per database handle (keptPerDatabase, as the
 * calendar view and busy time are kept); a hint for busyWindow, checked by every read.
 */
const zonesSeen = keptPerDatabase<string>(10_000);

function knownZones(seen: KeptValues<string>, userIds: readonly string[]): Map<string, string> | null {
  const zones = new Map<string, string>();
  for (const id of userIds) {
    const zone = seen.get(id);
    if (zone === undefined) return null;
    zones.set(id, zone);
  }
  return zones;
}

function rememberZones(seen: KeptValues<string>, users: SlotRows['users']): Map<string, string> {
  const zones = new Map<string, string>();
  for (const u of users) {
    seen.set(u.id, u.timezone);
    zones.set(u.id, u.timezone);
  }
  return zones;
}

/** What decides the slot statement's text; everything else is a parameter. */
interface SlotStatementShape {
  withRefs: boolean;
  sessionBased: boolean;
  dailyLimit: boolean;
  checkCalendar: boolean;
}

/** The slot statement's values: instants as ISO text, dates as YYYY-MM-DD. */
interface SlotStatementParams extends Record<string, unknown> {
  userIds: string[];
  ignored: string;
  calendarId: string;
  workspaceId: string | null;
  from: string;
  to: string;
  dayBefore: string;
  dayAfter: string;
  dateBefore: string;
  dateAfter: string;
}

type SlotStatement = StatementTemplate<SlotStatementParams, SlotRows & Partial<CalendarRows>>;

/** At most 16 shapes (four switches), each compiled once per process. */
const slotStatements = new Map<string, SlotStatement>();

function slotStatement(db: Kysely<DB>, shape: SlotStatementShape): SlotStatement {
  const key = `${shape.withRefs}:${shape.sessionBased}:${shape.dailyLimit}:${shape.checkCalendar}`;
  let statement = slotStatements.get(key);
  if (statement === undefined) {
    statement = StatementTemplate.compile(db, (param: TemplateParam<SlotStatementParams>) => slotStatementText(shape, param));
    slotStatements.set(key, statement);
  }
  return statement;
}

/**
 * Everything but imported busy time in one statement (each part aggregated as JSON, instants as
 * epoch milliseconds): a booking re-check and a slots request pay one round trip, not six, and no
 * Date parsing per row (issue 13). Its text depends on the shape alone and is compiled once
 * (StatementTemplate): building it per request was most of a booking's Kysely work (issue 13.4).
 */
function slotStatementText(
  shape: SlotStatementShape,
  param: TemplateParam<SlotStatementParams>,
): RawBuilder<SlotRows & Partial<CalendarRows>> {
  const userIds = sql`${param('userIds')}::uuid[]`;
  const ignored = sql`${param('ignored')}::uuid`;
  const calendarId = sql`${param('calendarId')}::uuid`;
  const from = sql`${param('from')}::timestamptz`;
  const to = sql`${param('to')}::timestamptz`;
  // Own starts count only against a daily limit (fullDaysOf): without one they are not read — on a
  // busy calendar they were most of a booking's re-check (issue 13.4).
  // Whether a part is read at all is part of the text, not a parameter: the statement runs prepared
  // (store/prepared-statements.ts), and a generic plan must not carry the parts a calendar never
  // reads — with them, PostgreSQL judged it dearer and planned the statement at every execution.
  const when = (condition: boolean) => sql.raw(condition ? 'true' : 'false');
  const window = sql`tstzrange(${from}, ${to})`;
  // A booking's re-check and a slots request read only the assignments' own rows (member, busy
  // range): a day on each side of a busy member is ~100 rows, and joining each to its appointment
  // and building four more JSON fields per row was most of the statement (decision 0024, second
  // round). A class session's own assignments are left out here instead of in Node, since it is
  // offered by seats, not busy; that needs the appointment's calendar.
  const assignmentsPart =
    shape.withRefs || shape.sessionBased
      ? sql`select coalesce(json_agg(json_build_object(
                  'user_id', aa.user_id, 'start', ${epochMs('lower(aa.during)')}, 'end', ${epochMs('upper(aa.during)')}
                  ${shape.withRefs ? sql`, 'id', a.id, 'title', a.title, 'start_at', ${epochMs('a.start_at')}, 'end_at', ${epochMs('a.end_at')}` : sql``})), '[]')
           from appointment_assignees aa join appointments a on a.id = aa.appointment_id
          where aa.user_id = any(${userIds}) and aa.status = 'confirmed' and a.id <> ${ignored}
            and aa.during && ${window} ${shape.sessionBased ? sql`and a.calendar_id is distinct from ${calendarId}` : sql``}`
      : // Grouped by member, the bounds as two arrays: a JSON object per assignment (~50 on the
        // bookings bench, each naming its member) was half the part's cost, and as many objects
        // for Node to parse (decision 0024, ninth session).
        sql`select coalesce(json_agg(json_build_object('user_id', x.user_id, 'starts', x.starts, 'ends', x.ends)), '[]')
           from (select aa.user_id, array_agg(${epochMs('lower(aa.during)')}) as starts, array_agg(${epochMs('upper(aa.during)')}) as ends
                   from appointment_assignees aa
                  where aa.user_id = any(${userIds}) and aa.status = 'confirmed' and aa.appointment_id <> ${ignored}
                    and aa.during && ${window}
                  group by aa.user_id) x`;
  const dayBefore = sql`${param('dayBefore')}::timestamptz`;
  const dayAfter = sql`${param('dayAfter')}::timestamptz`;
  const calendarColumns = shape.checkCalendar ? calendarCheckColumns(param, calendarId) : sql``;
  const usersPart = shape.checkCalendar
    ? sql`select coalesce(json_agg(json_build_object('id', u.id, 'timezone', u.timezone, 'weekly_hours', u.weekly_hours,
                                                   'name', u.name, 'email', u.email) order by u.name), '[]')
           from users u where u.id = any(${userIds})`
    : sql`select coalesce(json_agg(json_build_object('id', u.id, 'timezone', u.timezone, 'weekly_hours', u.weekly_hours)), '[]')
           from users u where u.id = any(${userIds})`;
  return sql<SlotRows & Partial<CalendarRows>>`
      select ${calendarColumns}
        (${usersPart}) as users,
        (select coalesce(json_agg(json_build_object('user_id', o.user_id, 'date', to_char(o.date, 'YYYY-MM-DD'), 'ranges', o.ranges)), '[]')
           from date_overrides o
          where o.user_id = any(${userIds})
            and o.date >= ${param('dateBefore')}::date and o.date <= ${param('dateAfter')}::date) as overrides,
        (${assignmentsPart}) as assignments,
        (select coalesce(json_agg(json_build_object(
                  'user_id', b.user_id, 'start_at', ${epochMs('b.start_at')}, 'end_at', ${epochMs('b.end_at')}, 'id', b.id, 'title', b.title)), '[]')
           from blocked_slots b
          where b.user_id = any(${userIds}) and b.end_at > ${from} and b.start_at < ${to}) as blocked,
        (select coalesce(json_agg(json_build_object('user_id', aa.user_id, 'start_at', ${epochMs('a.start_at')})), '[]')
           from appointment_assignees aa join appointments a on a.id = aa.appointment_id
          where ${when(shape.dailyLimit)}
            and a.calendar_id = ${calendarId} and aa.status = 'confirmed' and a.id <> ${ignored}
            and a.start_at >= ${dayBefore} and a.start_at < ${dayAfter}) as own_starts,
        (select coalesce(json_agg(json_build_object(
                  'start_at', ${epochMs('a.start_at')}, 'end_at', ${epochMs('a.end_at')}, 'seats_taken', a.seats_taken, 'user_id', aa.user_id)), '[]')
           from appointments a join appointment_assignees aa on aa.appointment_id = a.id
          where ${when(shape.sessionBased)} and a.calendar_id = ${calendarId} and a.status = 'confirmed' and a.id <> ${ignored}
            and a.end_at > ${from} and a.start_at < ${to}) as sessions
    `;
}

/** The calendar's version and booking facts (loadSlotQueryCheckingCalendar). */
function calendarCheckColumns(param: TemplateParam<SlotStatementParams>, calendarId: RawBuilder<unknown>): RawBuilder<unknown> {
  const workspaceId = sql<string>`${param('workspaceId')}::uuid`;
  const facts = bookingFactsColumns(workspaceId, sql<string>`${calendarId}`);
  return sql`(select c.xmin::text from booking_calendars c where c.id = ${calendarId} and c.workspace_id = ${workspaceId})
              as calendar_version,
            ${facts.settings} as settings, ${facts.importedBusyUsers} as imported_busy_users,`;
}

/** The statement's rows as the pure slot engine's input. */
function toSlotQuery(
  options: LoadSlotQueryOptions,
  read: { members: CalendarView['members']; service: ServiceView | undefined; from: Date; to: Date },
  everything: SlotRows,
  imported: Map<string, Interval[]>,
): SlotQuery {
  const { calendar } = options;
  const { members, service, from, to } = read;
  const { users, overrides, assignments, blocked, own_starts: ownStarts, sessions } = everything;

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
        appointments: memberAssignments(assignments, member.userId),
        blocked: blocked
          .filter((b) => b.user_id === member.userId)
          .map((b) => ({ start: b.start_at, end: b.end_at, ref: { id: b.id, title: b.title } })),
        imported: imported.get(member.userId) ?? [],
      },
      appointmentStartsOnCalendar: ownStarts.filter((s) => s.user_id === member.userId).map((s) => s.start_at),
    };
  });

  const classSessions: ClassSession[] = sessions.map((s) => ({
    start: s.start_at,
    end: s.end_at,
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

/** One member's assignments as busy intervals, from either shape of the statement's assignments part. */
function memberAssignments(rows: AssignmentRow[] | AssignmentRanges[], userId: string): BusyInterval[] {
  const busy: BusyInterval[] = [];
  for (const row of rows) {
    if (row.user_id !== userId) continue;
    if ('starts' in row) {
      for (let i = 0; i < row.starts.length; i++) busy.push({ start: row.starts[i]!, end: row.ends[i]! });
    } else {
      busy.push(
        row.id === undefined
          ? { start: row.start, end: row.end }
          : {
              start: row.start,
              end: row.end,
              ref: { id: row.id, title: row.title ?? '', own: { start: row.start_at!, end: row.end_at! } },
            },
      );
    }
  }
  return busy;
}
