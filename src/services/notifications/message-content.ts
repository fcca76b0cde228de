import type { ReconnectCause } from '../../store/mark-needs-reconnect.ts';

/**
 * What a queued e-mail says, frozen when the change that causes it commits. The sender renders
 * from this snapshot alone, so a message re-sent after a crash is byte-for-byte the same message
 * (same Message-ID, same text) and never shows a later state by accident.
 */

/**
 * Who or what changed the appointment; e-mails and webhook payloads both say it. `calendar_sync`:
 * seen in a connected calendar (iCloud or another CalDAV server) — the provider is not named here.
 */
export type ChangeCause = 'staff' | 'client' | 'calendar_sync';

export const MESSAGE_KINDS = [
  'client_confirmed',
  'client_rescheduled',
  'client_cancelled',
  'client_reminder',
  'staff_new_booking',
  'staff_client_cancelled',
  'staff_client_rescheduled',
  'staff_client_moved_away',
  'staff_needs_reconnect',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface AppointmentSnapshot {
  id: string;
  title: string;
  /** ISO instants. */
  start: string;
  end: string;
  location: string | null;
  calendarName: string;
  /** The appointment's version: the .ics SEQUENCE, so a calendar app replaces an older copy. */
  sequence: number;
}

export interface MessageContent {
  appointment?: AppointmentSnapshot;
  /** The client the appointment is with (staff messages) or the recipient (client messages). */
  contactName?: string;
  staffNames?: string[];
  previousStart?: string | null;
  cause?: ChangeCause;
  reason?: string | null;
  /** For reminders: the offset that scheduled it. */
  offsetMin?: number;
  /** `cause`: where the credentials were refused (absent in rows queued before it was recorded). */
  connection?: { id: string; username: string; provider: string; cause?: ReconnectCause };
  /** The deadline after which the client can no longer change the booking themselves (ISO). */
  changeDeadline?: string | null;
}
