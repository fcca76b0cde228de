import { sql, type Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import type { StaffRow } from '../notifications/record-appointment-notice.ts';
import type { NotificationSettingsRow } from '../notifications/notification-settings.ts';

/** What a booking's notice needs beyond the booking itself: the calendar's settings and its staff. */
export interface BookingFacts {
  settings: NotificationSettingsRow | null;
  /** Every member of the calendar, by name (a notice lists its assignees in that order). */
  staff: StaffRow[];
}

/**
 * One statement, read before the booking is written so that its notice can be planned and written
 * with it (insert-booking.ts): the booking itself is then one statement.
 */
export async function loadBookingFacts(db: Kysely<DB>, workspaceId: string, calendarId: string): Promise<BookingFacts> {
  const { rows } = await sql<BookingFacts>`
    select
      (select row_to_json(s) from calendar_notification_settings s
        where s.workspace_id = ${workspaceId}::uuid and s.calendar_id = ${calendarId}::uuid) as settings,
      coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'timezone', u.timezone) order by u.name)
        from calendar_members m join users u on u.id = m.user_id
        where m.calendar_id = ${calendarId}::uuid), '[]') as staff
  `.execute(db);
  return rows[0]!;
}
