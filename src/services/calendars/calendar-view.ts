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

export async function loadCalendarViews(db: Database, workspaceId: string, calendarIds?: string[]): Promise<CalendarView[]> {
  if (calendarIds?.length === 0) return [];
  let query = db.selectFrom('booking_calendars').selectAll().where('workspace_id', '=', workspaceId);
  if (calendarIds) query = query.where('id', 'in', calendarIds);
  const rows = await query.orderBy('name').execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [members, services, staff] = await Promise.all([
    db
      .selectFrom('calendar_members')
      .select(['calendar_id', 'user_id', 'priority'])
      .where('calendar_id', 'in', ids)
      .orderBy('priority', 'desc')
      .orderBy('user_id')
      .execute(),
    db.selectFrom('services').selectAll().where('calendar_id', 'in', ids).orderBy('name').execute(),
    db
      .selectFrom('service_staff')
      .innerJoin('services', 'services.id', 'service_staff.service_id')
      .select(['service_staff.service_id', 'service_staff.user_id'])
      .where('services.calendar_id', 'in', ids)
      .execute(),
  ]);
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
    members: members.filter((m) => m.calendar_id === row.id).map((m) => ({ userId: m.user_id, priority: m.priority })),
    services: services
      .filter((s) => s.calendar_id === row.id)
      .map((s) => ({
        id: s.id,
        name: s.name,
        durationMin: s.duration_min,
        priceCents: s.price_cents,
        currency: s.currency,
        staffIds: staff
          .filter((x) => x.service_id === s.id)
          .map((x) => x.user_id)
          .sort(),
      })),
    icloudIntegration: consultsExternalCalendars(row.type),
  }));
}
