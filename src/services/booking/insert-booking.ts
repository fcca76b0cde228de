import { sql, type Transaction } from 'kysely';
import type { DB } from '../../store/schema.ts';
import type { ContactInput } from './booking-rows.ts';

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
}

/**
 * Writes a one-off booking — contact (upserted by e-mail), appointment, assignments, outbox rows,
 * attendee — in one statement of data-modifying CTEs instead of five round trips (issue 13.4).
 * The exclusion constraint on appointment_assignees still refuses an overlap (23P01) and the
 * whole statement with it; the caller's retry handles that as before.
 */
export async function insertBooking(trx: Transaction<DB>, b: NewBooking): Promise<InsertedBooking> {
  const { rows } = await sql<{ appointment_id: string; attendee_id: string; contact_id: string; name: string; email: string }>`
    with k as (
      insert into contacts (workspace_id, name, email, phone)
      values (${b.workspaceId}::uuid, ${b.contact.name}, ${b.contact.email.trim()}, ${b.contact.phone ?? null})
      on conflict (workspace_id, lower(email)) do update set name = excluded.name, phone = coalesce(excluded.phone, contacts.phone)
      returning id, name, email
    ), a as (
      insert into appointments (workspace_id, calendar_id, service_id, start_at, end_at, title, location, seats_taken)
      values (${b.workspaceId}::uuid, ${b.calendarId}::uuid, ${b.serviceId}::uuid, ${b.start}::timestamptz, ${b.end}::timestamptz,
              ${b.title}, ${b.location}, 1)
      returning id
    ), aa as (
      insert into appointment_assignees (appointment_id, user_id, workspace_id, during)
      select a.id, u, ${b.workspaceId}::uuid, ${b.during}::tstzrange from a, unnest(${b.assigneeIds}::uuid[]) as u
    ), o as (
      insert into outbox (workspace_id, appointment_id, user_id, op, not_before)
      select ${b.workspaceId}::uuid, a.id, u, 'upsert', ${b.now}::timestamptz from a, unnest(${b.outboxUserIds}::uuid[]) as u
    ), t as (
      insert into attendees (workspace_id, appointment_id, contact_id, seats, secret_hash, timezone)
      select ${b.workspaceId}::uuid, a.id, k.id, ${b.seats}, ${b.secretHash}, ${b.timezone} from a, k
      returning id
    )
    select a.id as appointment_id, t.id as attendee_id, k.id as contact_id, k.name, k.email from a, t, k
  `.execute(trx);
  const row = rows[0]!;
  return {
    appointmentId: row.appointment_id,
    attendeeId: row.attendee_id,
    contactId: row.contact_id,
    contactName: row.name,
    contactEmail: row.email,
  };
}
