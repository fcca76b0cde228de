import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';
import { loadCalendarView, type CalendarView } from './calendar-view.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Public booking pages address a calendar by id, or by `<workspace slug>/<calendar slug>`. */
export async function findPublicCalendar(db: Database, ref: { calendarId: string } | { workspaceSlug: string; calendarSlug: string }): Promise<{ workspaceId: string; calendar: CalendarView }> {
  let query = db.selectFrom('booking_calendars').innerJoin('workspaces', 'workspaces.id', 'booking_calendars.workspace_id').select(['booking_calendars.id', 'booking_calendars.workspace_id']);
  if ('calendarId' in ref) {
    if (!UUID.test(ref.calendarId)) throw new AppError('not_found');
    query = query.where('booking_calendars.id', '=', ref.calendarId);
  } else {
    query = query.where('workspaces.slug', '=', ref.workspaceSlug).where('booking_calendars.slug', '=', ref.calendarSlug);
  }
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return { workspaceId: row.workspace_id, calendar: await loadCalendarView(db, row.workspace_id, row.id) };
}
