import type { Kysely, Selectable } from 'kysely';
import type { CalendarNotificationSettings, DB } from '../../store/schema.ts';

/** A calendar's message switches, reminder offsets and client deadline (issue 11). */
export interface NotificationSettings {
  clientConfirmation: boolean;
  clientRescheduled: boolean;
  clientCancelled: boolean;
  clientReminder: boolean;
  staffNewBooking: boolean;
  /** Staff are told when a client cancels or reschedules through their manage link (one switch for both). */
  staffClientCancelled: boolean;
  /** Minutes before the start; empty = no reminder. */
  reminderOffsetsMin: number[];
  /** Clients may not cancel or reschedule within this many minutes of the start; null = any time. */
  clientChangeDeadlineMin: number | null;
}

/** What a calendar without a settings row gets: every message, one reminder a day before. */
export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  clientConfirmation: true,
  clientRescheduled: true,
  clientCancelled: true,
  clientReminder: true,
  staffNewBooking: true,
  staffClientCancelled: true,
  reminderOffsetsMin: [1440],
  clientChangeDeadlineMin: null,
};

/** A settings row as stored (or as row_to_json gives it), or none: the calendar keeps the defaults. */
export type NotificationSettingsRow = Pick<
  Selectable<CalendarNotificationSettings>,
  | 'client_confirmation'
  | 'client_rescheduled'
  | 'client_cancelled'
  | 'client_reminder'
  | 'staff_new_booking'
  | 'staff_client_cancelled'
  | 'reminder_offsets_min'
  | 'client_change_deadline_min'
>;

export function notificationSettingsFrom(row: NotificationSettingsRow | null | undefined): NotificationSettings {
  if (!row) return { ...DEFAULT_NOTIFICATION_SETTINGS, reminderOffsetsMin: [...DEFAULT_NOTIFICATION_SETTINGS.reminderOffsetsMin] };
  return {
    clientConfirmation: row.client_confirmation,
    clientRescheduled: row.client_rescheduled,
    clientCancelled: row.client_cancelled,
    clientReminder: row.client_reminder,
    staffNewBooking: row.staff_new_booking,
    staffClientCancelled: row.staff_client_cancelled,
    reminderOffsetsMin: [...row.reminder_offsets_min].sort((a, b) => b - a),
    clientChangeDeadlineMin: row.client_change_deadline_min,
  };
}

export async function loadNotificationSettings(db: Kysely<DB>, workspaceId: string, calendarId: string): Promise<NotificationSettings> {
  const row = await db
    .selectFrom('calendar_notification_settings')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('calendar_id', '=', calendarId)
    .executeTakeFirst();
  return notificationSettingsFrom(row);
}
