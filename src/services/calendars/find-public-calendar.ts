import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';
import { sql } from 'kysely';
import { cachedCalendarView, loadCalendarView, type CalendarView } from './calendar-view.ts';
import { bookingFactsColumns, type BookingFacts, type KeptCalendarToVerify } from '../booking/booking-facts.ts';
import { keptPerDatabase } from '../../store/kept-per-database.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the last booking read of a public calendar found: its workspace and version, and who had blocking calendars. */
interface LastBookingRead {
  workspaceId: string;
  version: string;
  importedBusyUsers: readonly string[];
}
/** Per database handle, like the views themselves (calendar-view.ts). */
const lastBookingReads = keptPerDatabase<LastBookingRead>(1_000);

/**
 * The calendar behind a public booking page, found by id alone (the page knows no workspace).
 * `withBookingFacts`: also what a booking's notice needs (its settings and staff), read by the same
 * statement — a booking is one round trip fewer (issue 13.4); slots requests do not ask.
 *
 * For a booking of a calendar whose view is kept, nothing is read here: the facts come back as
 * `{ toVerify }` and the booking's slot statement reads the calendar's version and facts with its
 * own rows (bookAppointment), so the booking is one round trip fewer again — and still checked
 * against the calendar as it is in the database, whichever server changed it.
 */
export async function findPublicCalendar(
  db: Database,
  calendarId: string,
  options: { withBookingFacts?: boolean } = {},
): Promise<{ workspaceId: string; calendar: CalendarView; bookingFacts?: BookingFacts | KeptCalendarToVerify }> {
  if (!UUID.test(calendarId)) throw new AppError('not_found');
  if (options.withBookingFacts === true) {
    const last = lastBookingReads(db).get(calendarId);
    const calendar = last && cachedCalendarView(db, calendarId, last.version);
    if (last && calendar) {
      const toVerify = { version: last.version, importedBusyUsers: last.importedBusyUsers };
      return { workspaceId: last.workspaceId, calendar, bookingFacts: { toVerify } };
    }
  }
  return readPublicCalendar(db, calendarId, options);
}

/** findPublicCalendar's statement: the calendar as it is now (and, with `withBookingFacts`, the booking facts). */
export async function readPublicCalendar(
  db: Database,
  calendarId: string,
  options: { withBookingFacts?: boolean } = {},
): Promise<{ workspaceId: string; calendar: CalendarView; bookingFacts?: BookingFacts }> {
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
  if (bookingFacts)
    rememberBookingRead(db, calendarId, {
      workspaceId: row.workspace_id,
      version: row.version,
      importedBusyUsers: bookingFacts.importedBusyUsers,
    });
  return { workspaceId: row.workspace_id, calendar, ...(bookingFacts && { bookingFacts }) };
}

/** Records what a booking read of the calendar found (here, or by the booking's slot statement). */
export function rememberBookingRead(db: Database, calendarId: string, read: LastBookingRead): void {
  lastBookingReads(db).set(calendarId, { ...read, importedBusyUsers: [...read.importedBusyUsers] });
}
