import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../../store/schema.ts';
import type { StaffRow } from '../notifications/record-appointment-notice.ts';
import type { NotificationSettingsRow } from '../notifications/notification-settings.ts';
import { calendarBlocksAvailability } from '../../store/calendar-blocks.ts';

/** What a booking's notice needs beyond the booking itself: the calendar's settings and its staff. */
export interface BookingFacts {
  settings: NotificationSettingsRow | null;
  /** Every member of the calendar, by name (a notice lists its assignees in that order). */
  staff: StaffRow[];
  /**
   * The members with at least one remote calendar that blocks availability, read by the same
   * statement: only they can have imported busy time, so the booking's re-check reads it for them
   * alone — for none, no statement at all (issue 13.4; store/imported-busy.ts merges busy time only
   * from such calendars).
   */
  importedBusyUsers: string[];
}

/**
 * BookingFacts not read yet: the calendar's view is kept from an earlier read at `version`, and the
 * booking's slot statement reads the version and the facts with its own rows (findPublicCalendar).
 * `importedBusyUsers` is what that earlier read found: imported busy time is read for them
 * alongside, and the booking is checked again when the statement finds anyone else.
 */
export interface KeptCalendarToVerify {
  toVerify: { version: string; importedBusyUsers: readonly string[] };
}

/**
 * The columns of BookingFacts for a calendar given as SQL expressions, so that the statement
 * that finds a public calendar can read them too (findPublicCalendar): a booking's notice is then
 * planned before the one statement that writes the booking (insert-booking.ts) at no round trip.
 */
export function bookingFactsColumns(
  workspaceId: RawBuilder<string>,
  calendarId: RawBuilder<string>,
): {
  settings: RawBuilder<NotificationSettingsRow | null>;
  staff: RawBuilder<StaffRow[]>;
  importedBusyUsers: RawBuilder<string[]>;
} {
  return {
    settings: sql<NotificationSettingsRow | null>`(select row_to_json(s) from calendar_notification_settings s
      where s.workspace_id = ${workspaceId} and s.calendar_id = ${calendarId})`,
    staff: sql<StaffRow[]>`coalesce((
      select json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'timezone', u.timezone) order by u.name)
      from calendar_members m join users u on u.id = m.user_id
      where m.calendar_id = ${calendarId}), '[]')`,
    // The same test as the busy read's (role and blocking, imported-busy.ts), so "none" here means
    // that read would have returned nothing.
    importedBusyUsers: sql<string[]>`array(
      select m.user_id::text from calendar_members m
      where m.calendar_id = ${calendarId} and exists (
        select 1 from remote_calendars c
        where c.user_id = m.user_id and c.role <> 'none' and ${calendarBlocksAvailability('c')}))`,
  };
}

/** BookingFacts in a statement of their own (a caller that did not read them with the calendar). */
export async function loadBookingFacts(db: Kysely<DB>, workspaceId: string, calendarId: string): Promise<BookingFacts> {
  const columns = bookingFactsColumns(sql<string>`${workspaceId}::uuid`, sql<string>`${calendarId}::uuid`);
  const { rows } = await sql<BookingFacts>`
    select ${columns.settings} as settings, ${columns.staff} as staff, ${columns.importedBusyUsers} as "importedBusyUsers"
  `.execute(db);
  return rows[0]!;
}
