import { sql } from 'kysely';
import { consultsExternalCalendars } from '../../domain/calendar-type.ts';
import type { CalendarRules } from '../../domain/slots.ts';
import type { EventSchedule } from '../../domain/event-times.ts';
import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';
import { keptPerDatabase } from '../../store/kept-per-database.ts';

export interface ServiceView {
  id: string;
  name: string;
  durationMin: number;
  priceCents: number | null;
  currency: string | null;
  staffIds: string[];
}
/** A booking calendar: the slot engine's rules plus what people and the sync engine need. */
export interface CalendarView extends CalendarRules {
  id: string;
  slug: string;
  name: string;
  distribution: 'availability' | 'equal';
  location: string | null;
  eventSchedule: EventSchedule | null;
  members: Array<{ userId: string; priority: number }>;
  services: ServiceView[];
  /** SPEC §2: Simple and Event calendars neither read nor write iCloud; the UI says so. */
  icloudIntegration: boolean;
}

/**
 * One calendar's view, from the views already read when its row has not changed since (a statement
 * of one indexed row instead of the members' and services' aggregates). Its members and services are
 * only ever written in the transaction that also writes the calendar's row (calendar-input.ts), so
 * the row's version (xmin) changes with any of them.
 */
export async function loadCalendarView(db: Database, workspaceId: string, calendarId: string): Promise<CalendarView> {
  const known = cachedViews(db).get(calendarId);
  if (known) {
    const row = await db
      .selectFrom('booking_calendars')
      .select(sql<string>`xmin::text`.as('version'))
      .where('id', '=', calendarId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found');
    if (row.version === known.version) return known.view;
  }
  const views = await loadCalendarViews(db, workspaceId, [calendarId]);
  const view = views[0];
  if (!view) throw new AppError('not_found');
  return view;
}

/** The calendar view of `calendarId` read earlier, if its row still has `version` (findPublicCalendar checks that). */
export function cachedCalendarView(db: Database, calendarId: string, version: string): CalendarView | null {
  const known = cachedViews(db).get(calendarId);
  return known && known.version === version ? known.view : null;
}

/** At most this many views per database handle (kept-per-database.ts). */
const cachedViews = keptPerDatabase<{ version: string; view: CalendarView }>(1_000);

function remember(db: Database, version: string, view: CalendarView): void {
  cachedViews(db).set(view.id, { version, view });
}

interface MemberJson {
  user_id: string;
  priority: number;
}
interface ServiceJson {
  id: string;
  name: string;
  duration_min: number;
  price_cents: number | null;
  currency: string | null;
  staff: string[];
}

/**
 * One statement (members and services aggregated as JSON beside each calendar): the public slots
 * and booking requests load a calendar on every call, and on PostgreSQL each extra statement is a
 * round trip and a socket write (issue 13).
 */
export async function loadCalendarViews(db: Database, workspaceId: string, calendarIds?: string[]): Promise<CalendarView[]> {
  if (calendarIds?.length === 0) return [];
  let query = db
    .selectFrom('booking_calendars as c')
    .selectAll('c')
    .select([
      sql<string>`c.xmin::text`.as('version'),
      sql<MemberJson[]>`coalesce((
        select json_agg(json_build_object('user_id', m.user_id, 'priority', m.priority) order by m.priority desc, m.user_id)
        from calendar_members m where m.calendar_id = c.id), '[]')`.as('members'),
      sql<ServiceJson[]>`coalesce((
        select json_agg(json_build_object(
          'id', s.id, 'name', s.name, 'duration_min', s.duration_min, 'price_cents', s.price_cents, 'currency', s.currency,
          'staff', coalesce((select json_agg(ss.user_id) from service_staff ss where ss.service_id = s.id), '[]')
        ) order by s.name)
        from services s where s.calendar_id = c.id), '[]')`.as('services'),
    ])
    .where('c.workspace_id', '=', workspaceId);
  if (calendarIds) query = query.where('c.id', 'in', calendarIds);
  const rows = await query.orderBy('c.name').execute();
  return rows.map((row) => {
    const view: CalendarView = {
      id: row.id,
      slug: row.slug,
      name: row.name,
      type: row.type,
      durationMin: row.duration_min,
      intervalMin: row.interval_min,
      bufferBeforeMin: row.buffer_before_min,
      bufferAfterMin: row.buffer_after_min,
      minNoticeMin: row.min_notice_min,
      windowDays: row.window_days,
      dailyLimit: row.daily_limit,
      seats: row.seats,
      distribution: row.distribution,
      location: row.location,
      eventSchedule: row.event_schedule,
      members: row.members.map((m) => ({ userId: m.user_id, priority: m.priority })),
      services: row.services.map((s) => ({
        id: s.id,
        name: s.name,
        durationMin: s.duration_min,
        priceCents: s.price_cents,
        currency: s.currency,
        staffIds: [...s.staff].sort(),
      })),
      icloudIntegration: consultsExternalCalendars(row.type),
    };
    remember(db, row.version, view);
    return view;
  });
}
