import { sql, type Transaction } from 'kysely';
import type { DB } from '../../store/schema.ts';
import type { ContactInput } from './booking-rows.ts';
import type { AttendeeRow, NoticeSubject, StaffRow } from '../notifications/record-appointment-notice.ts';
import type { NotificationSettingsRow } from '../notifications/notification-settings.ts';

export interface NewBooking {
  workspaceId: string;
  calendarId: string;
  serviceId: string | null;
  start: Date;
  end: Date;
  title: string;
  location: string | null;
  assigneeIds: string[];
  /** The assignments' tstzrange literal (assigneeRange): what the exclusion constraint guards. */
  during: string;
  /** Assignees whose primary calendar must receive the event (recordOutboundChange's rule). */
  outboxUserIds: string[];
  contact: ContactInput;
  seats: number;
  secretHash: string;
  timezone: string | null;
  /** The app's clock: the outbox rows are due now by it (enqueueOutbox's rule). */
  now: Date;
}

export interface InsertedBooking {
  appointmentId: string;
  attendeeId: string;
  contactId: string;
  /** The contact as stored (an existing contact keeps its e-mail's spelling). */
  contactName: string;
  contactEmail: string;
  /** What the booking's notice says (recordAppointmentNotice), read in the same statement. */
  noticeSubject: NoticeSubject;
}

interface InsertedRow {
  appointment_id: string;
  attendee_id: string;
  contact_id: string;
  name: string;
  email: string;
  phone: string | null;
  attendee_status: AttendeeRow['status'];
  attendee_seats: number;
  attendee_timezone: string | null;
  title: string;
  start_at: Date;
  end_at: Date;
  location: string | null;
  status: NoticeSubject['status'];
  version: number;
  removed_from_remote: boolean;
  overlap_flagged: boolean;
  calendar_name: string;
  calendar_type: NoticeSubject['calendar_type'];
  settings: NotificationSettingsRow | null;
  staff: StaffRow[];
}

/**
 * Writes a one-off booking — contact (upserted by e-mail), appointment, assignments, outbox rows,
 * attendee — in one statement of data-modifying CTEs instead of five round trips (issue 13.4).
 * The exclusion constraint on appointment_assignees still refuses an overlap (23P01) and the
 * whole statement with it; the caller's retry handles that as before. The same statement returns
 * what the booking's notice needs (calendar, notification settings, staff), one round trip fewer.
 */
export async function insertBooking(trx: Transaction<DB>, b: NewBooking): Promise<InsertedBooking> {
  const { rows } = await sql<InsertedRow>`
    with k as (
      insert into contacts (workspace_id, name, email, phone)
      values (${b.workspaceId}::uuid, ${b.contact.name}, ${b.contact.email.trim()}, ${b.contact.phone ?? null})
      on conflict (workspace_id, lower(email)) do update set name = excluded.name, phone = coalesce(excluded.phone, contacts.phone)
      returning id, name, email, phone
    ), a as (
      insert into appointments (workspace_id, calendar_id, service_id, start_at, end_at, title, location, seats_taken)
      values (${b.workspaceId}::uuid, ${b.calendarId}::uuid, ${b.serviceId}::uuid, ${b.start}::timestamptz, ${b.end}::timestamptz,
              ${b.title}, ${b.location}, 1)
      returning id, calendar_id, title, start_at, end_at, location, status, version, removed_from_remote, overlap_flagged
    ), aa as (
      insert into appointment_assignees (appointment_id, user_id, workspace_id, during)
      select a.id, u, ${b.workspaceId}::uuid, ${b.during}::tstzrange from a, unnest(${b.assigneeIds}::uuid[]) as u
    ), o as (
      insert into outbox (workspace_id, appointment_id, user_id, op, not_before)
      select ${b.workspaceId}::uuid, a.id, u, 'upsert', ${b.now}::timestamptz from a, unnest(${b.outboxUserIds}::uuid[]) as u
    ), t as (
      insert into attendees (workspace_id, appointment_id, contact_id, seats, secret_hash, timezone)
      select ${b.workspaceId}::uuid, a.id, k.id, ${b.seats}, ${b.secretHash}, ${b.timezone} from a, k
      returning id, status, seats, timezone
    )
    select a.id as appointment_id, t.id as attendee_id, k.id as contact_id, k.name, k.email, k.phone,
           t.status as attendee_status, t.seats as attendee_seats, t.timezone as attendee_timezone,
           a.title, a.start_at, a.end_at, a.location, a.status, a.version, a.removed_from_remote, a.overlap_flagged,
           c.name as calendar_name, c.type as calendar_type,
           (select row_to_json(s) from calendar_notification_settings s
             where s.workspace_id = ${b.workspaceId}::uuid and s.calendar_id = a.calendar_id) as settings,
           coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'timezone', u.timezone) order by u.name)
             from users u where u.id = any(${b.assigneeIds}::uuid[])), '[]') as staff
    from a, t, k, booking_calendars c
    where c.id = a.calendar_id
  `.execute(trx);
  const row = rows[0]!;
  return {
    appointmentId: row.appointment_id,
    attendeeId: row.attendee_id,
    contactId: row.contact_id,
    contactName: row.name,
    contactEmail: row.email,
    noticeSubject: {
      id: row.appointment_id,
      title: row.title,
      start_at: row.start_at,
      end_at: row.end_at,
      location: row.location,
      status: row.status,
      version: row.version,
      removed_from_remote: row.removed_from_remote,
      overlap_flagged: row.overlap_flagged,
      calendar_id: b.calendarId,
      calendar_name: row.calendar_name,
      calendar_type: row.calendar_type,
      settings: row.settings,
      attendees: [
        {
          id: row.attendee_id,
          status: row.attendee_status,
          timezone: row.attendee_timezone,
          seats: row.attendee_seats,
          name: row.name,
          email: row.email,
          phone: row.phone,
        },
      ],
      staff: row.staff,
    },
  };
}
