import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';
import { sql } from 'kysely';
import { cachedCalendarView, loadCalendarView, type CalendarView } from './calendar-view.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The calendar behind a public booking page, found by id alone (the page knows no workspace). */
export async function findPublicCalendar(db: Database, calendarId: string): Promise<{ workspaceId: string; calendar: CalendarView }> {
  if (!UUID.test(calendarId)) throw new AppError('not_found');
  const row = await db
    .selectFrom('booking_calendars')
    .select(['id', 'workspace_id', sql<string>`xmin::text`.as('version')])
    .where('id', '=', calendarId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found');
  // Every slots request and booking starts here: an unchanged calendar costs this one indexed row.
  const calendar = cachedCalendarView(db, row.id, row.version) ?? (await loadCalendarView(db, row.workspace_id, row.id));
  return { workspaceId: row.workspace_id, calendar };
}
