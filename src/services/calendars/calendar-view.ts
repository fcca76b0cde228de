import { sql } from 'kysely';
import { consultsExternalCalendars } from '../../domain/calendar-type.ts';
import type { CalendarRules } from '../../domain/slots.ts';
import type { EventSchedule } from '../../domain/event-times.ts';
import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';

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

export async function loadCalendarView(db: Database, workspaceId: string, calendarId: string): Promise<CalendarView> {
  const views = await loadCalendarViews(db, workspaceId, [calendarId]);
  const view = views[0];
  if (!view) throw new AppError('not_found');
  return view;
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
  return rows.map((row) => ({
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
  }));
}
