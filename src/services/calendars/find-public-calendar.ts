import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';
import { sql } from 'kysely';
import { cachedCalendarView, loadCalendarView, type CalendarView } from './calendar-view.ts';
import { bookingFactsColumns, type BookingFacts } from '../booking/booking-facts.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The calendar behind a public booking page, found by id alone (the page knows no workspace).
 * `withBookingFacts`: also what a booking's notice needs (its settings and staff), read by the same
 * statement — a booking is one round trip fewer (issue 13.4); slots requests do not ask.
 */
export async function findPublicCalendar(
  db: Database,
  calendarId: string,
  options: { withBookingFacts?: boolean } = {},
): Promise<{ workspaceId: string; calendar: CalendarView; bookingFacts?: BookingFacts }> {
  if (!UUID.test(calendarId)) throw new AppError('not_found');
  const facts = bookingFactsColumns(sql.ref('booking_calendars.workspace_id'), sql.ref('booking_calendars.id'));
  const row = await db
    .selectFrom('booking_calendars')
    .select(['id', 'workspace_id', sql<string>`xmin::text`.as('version')])
    .$if(options.withBookingFacts === true, (qb) =>
      qb.select([facts.settings.as('settings'), facts.staff.as('staff'), facts.importedBusyUsers.as('importedBusyUsers')]),
    )
    .where('id', '=', calendarId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found');
  // Every slots request and booking starts here: an unchanged calendar costs this one indexed row.
  const calendar = cachedCalendarView(db, row.id, row.version) ?? (await loadCalendarView(db, row.workspace_id, row.id));
  const bookingFacts =
    'staff' in row && row.staff !== undefined && row.importedBusyUsers !== undefined
      ? { settings: row.settings ?? null, staff: row.staff, importedBusyUsers: row.importedBusyUsers }
      : undefined;
  return { workspaceId: row.workspace_id, calendar, ...(bookingFacts && { bookingFacts }) };
}
