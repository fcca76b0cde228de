import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { CalendarType } from '../../src/domain/calendar-type.ts';
import { assigneeRange } from '../../src/domain/assignee-range.ts';
import { recordOutboundChange } from '../../src/services/booking/record-outbound-change.ts';
import type { CalendarRole, DB } from '../../src/store/schema.ts';

/**
 * Rows the sync store and the scheduler read, made with plain inserts (no API): a workspace, users, a connection
 * with one remote calendar per user, a booking calendar, and appointments booked the way the
 * booking code books them — outbox rows through record-outbound-change.ts, in the same transaction.
 */

const WEEKLY_HOURS = JSON.stringify({ mon: [{ start: '09:00', end: '17:00' }] });

export async function seedWorkspace(db: Kysely<DB>): Promise<string> {
  const slug = `ws-${randomUUID().slice(0, 8)}`;
  const row = await db.insertInto('workspaces').values({ name: 'Sync studio', slug }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function seedUser(db: Kysely<DB>, workspaceId: string, options: { timezone?: string; email?: string } = {}): Promise<string> {
  const email = options.email ?? `user-${randomUUID().slice(0, 8)}@example.test`;
  const row = await db
    .insertInto('users')
    .values({
      workspace_id: workspaceId,
      email,
      name: email.split('@')[0] ?? 'user',
      role: 'member',
      timezone: options.timezone ?? 'Europe/London',
      weekly_hours: WEEKLY_HOURS,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A connection of the user's and one calendar of it in the given role; returns the calendar's id. */
export async function seedRemoteCalendar(
  db: Kysely<DB>,
  options: { workspaceId: string; userId: string; url: string; role: CalendarRole; username?: string; serverUrl?: string },
): Promise<string> {
  const connection = await db
    .insertInto('connections')
    .values({
      workspace_id: options.workspaceId,
      user_id: options.userId,
      provider: 'caldav',
      server_url: options.serverUrl ?? new URL(options.url).origin,
      username: options.username ?? `apple-id-${randomUUID().slice(0, 8)}@icloud.example`,
      secret_ciphertext: 'not-a-real-secret',
      principal_url: options.url,
      calendar_home_url: options.url,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const calendar = await db
    .insertInto('remote_calendars')
    .values({
      workspace_id: options.workspaceId,
      connection_id: connection.id,
      user_id: options.userId,
      url: options.url,
      display_name: 'Calendar',
      writable: true,
      role: options.role,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return calendar.id;
}

export interface SeededBookingCalendar {
  id: string;
  type: CalendarType;
  bufferBeforeMin: number;
  bufferAfterMin: number;
}

export async function seedBookingCalendar(
  db: Kysely<DB>,
  workspaceId: string,
  options: { type?: CalendarType; bufferBeforeMin?: number; bufferAfterMin?: number; location?: string | null; name?: string } = {},
): Promise<SeededBookingCalendar> {
  const type = options.type ?? 'collective';
  const row = await db
    .insertInto('booking_calendars')
    .values({
      workspace_id: workspaceId,
      slug: `cal-${randomUUID().slice(0, 8)}`,
      name: options.name ?? 'Consultation',
      type,
      duration_min: 60,
      interval_min: 30,
      buffer_before_min: options.bufferBeforeMin ?? 0,
      buffer_after_min: options.bufferAfterMin ?? 0,
      location: options.location ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, type, bufferBeforeMin: options.bufferBeforeMin ?? 0, bufferAfterMin: options.bufferAfterMin ?? 0 };
}

export interface BookInput {
  id?: string;
  workspaceId: string;
  calendar: SeededBookingCalendar;
  userIds: readonly string[];
  start: Date;
  end: Date;
  title: string;
  contact?: { name: string; email: string; phone?: string | null };
  /** When the outbox rows are due (the app's clock); the real time when left out. */
  now?: Date;
}

/** A confirmed appointment with its assignments, attendee and one `upsert` outbox row per assignee, in one transaction. */
export async function bookAppointment(db: Kysely<DB>, input: BookInput): Promise<string> {
  const id = input.id ?? randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('appointments')
      .values({
        id,
        workspace_id: input.workspaceId,
        calendar_id: input.calendar.id,
        start_at: input.start,
        end_at: input.end,
        title: input.title,
      })
      .execute();
    await trx
      .insertInto('appointment_assignees')
      .values(
        input.userIds.map((userId) => ({
          appointment_id: id,
          user_id: userId,
          workspace_id: input.workspaceId,
          during: assigneeRange(input.calendar, input.start.getTime(), input.end.getTime()),
        })),
      )
      .execute();
    if (input.contact !== undefined) {
      const contact = await trx
        .insertInto('contacts')
        .values({
          workspace_id: input.workspaceId,
          name: input.contact.name,
          email: input.contact.email,
          phone: input.contact.phone ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('attendees')
        .values({ workspace_id: input.workspaceId, appointment_id: id, contact_id: contact.id, secret_hash: 'x' })
        .execute();
    }
    await recordOutboundChange(trx, {
      workspaceId: input.workspaceId,
      appointmentId: id,
      calendarType: input.calendar.type,
      userIds: [...input.userIds],
      op: 'upsert',
      now: input.now ?? new Date(),
    });
  });
  return id;
}

/** A reschedule in Tandem: new time, version bumped, assignments moved, an `upsert` row per assignee. */
export async function rescheduleAppointment(
  db: Kysely<DB>,
  input: { workspaceId: string; calendar: SeededBookingCalendar; id: string; start: Date; end: Date; now?: Date },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('appointments')
      .set({ start_at: input.start, end_at: input.end, version: sql`version + 1`, overlap_flagged: false, removed_from_remote: false })
      .where('id', '=', input.id)
      .execute();
    const assignees = await trx
      .updateTable('appointment_assignees')
      .set({ during: assigneeRange(input.calendar, input.start.getTime(), input.end.getTime()), overlap_allowed: false })
      .where('appointment_id', '=', input.id)
      .where('status', '=', 'confirmed')
      .returning('user_id')
      .execute();
    await recordOutboundChange(trx, {
      workspaceId: input.workspaceId,
      appointmentId: input.id,
      calendarType: input.calendar.type,
      userIds: assignees.map((a) => a.user_id),
      op: 'upsert',
      now: input.now ?? new Date(),
    });
  });
}
