import { sql, type Transaction } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadSlotQuery } from '../availability/load-slot-query.ts';
import type { CalendarView } from '../calendars/calendar-view.ts';
import { checkBookable } from './check-bookable.ts';
import { chooseAssignees } from './choose-assignees.ts';
import { lockSession } from './booking-rows.ts';
import { assigneeRange } from '../../domain/assignee-range.ts';
import { recordOutboundChange } from './record-outbound-change.ts';

/** The changes an appointment goes through after it is booked, shared by staff and client paths. */

export async function lockAppointment(trx: Transaction<DB>, workspaceId: string, appointmentId: string) {
  const row = await trx
    .selectFrom('appointments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', appointmentId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return row;
}

export async function liveAssignees(trx: Transaction<DB>, appointmentId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('appointment_assignees')
    .select('user_id')
    .where('appointment_id', '=', appointmentId)
    .where('status', '=', 'confirmed')
    .execute();
  return rows.map((r) => r.user_id);
}

/** Cancels the appointment with everyone in it, and asks for its iCloud events to be removed. */
export async function cancelWholeAppointment(
  trx: Transaction<DB>,
  calendar: CalendarView,
  workspaceId: string,
  appointmentId: string,
  now: Date,
): Promise<void> {
  const userIds = await liveAssignees(trx, appointmentId);
  await trx
    .updateTable('appointments')
    .set({ status: 'cancelled', updated_at: now, version: sql`version + 1` })
    .where('id', '=', appointmentId)
    .execute();
  await trx.updateTable('appointment_assignees').set({ status: 'cancelled' }).where('appointment_id', '=', appointmentId).execute();
  await trx.updateTable('attendees').set({ status: 'cancelled' }).where('appointment_id', '=', appointmentId).execute();
  await recordOutboundChange(trx, { workspaceId, appointmentId, calendarType: calendar.type, userIds, op: 'delete', now });
}

/** Gives back one attendee's seats; a session nobody attends any more is cancelled. */
export async function releaseSeats(
  trx: Transaction<DB>,
  calendar: CalendarView,
  workspaceId: string,
  attendeeId: string,
  now: Date,
): Promise<void> {
  const attendee = await trx
    .selectFrom('attendees')
    .select(['appointment_id', 'seats', 'status'])
    .where('id', '=', attendeeId)
    .executeTakeFirstOrThrow();
  if (attendee.status === 'cancelled') return;
  await trx.updateTable('attendees').set({ status: 'cancelled' }).where('id', '=', attendeeId).execute();
  const session = await trx
    .updateTable('appointments')
    .set({ seats_taken: sql`seats_taken - ${attendee.seats}`, updated_at: now })
    .where('id', '=', attendee.appointment_id)
    .returning(['seats_taken'])
    .executeTakeFirstOrThrow();
  if (session.seats_taken <= 0) await cancelWholeAppointment(trx, calendar, workspaceId, attendee.appointment_id, now);
}

export interface MoveOptions {
  calendar: CalendarView;
  workspaceId: string;
  appointmentId: string;
  start: number;
  now: Date;
  importedBusy: ImportedBusySource;
}

/**
 * Moves a whole appointment to a new free slot. Its current assignees stay when they are free at
 * the new time; a Round Robin or Service booking otherwise goes to another free member.
 * Returns the members who no longer have it (`dropped`), so the change's notice can tell them.
 */
export async function moveAppointment(trx: Transaction<DB>, options: MoveOptions): Promise<{ dropped: string[] }> {
  const { calendar, start, now } = options;
  const current = await lockAppointment(trx, options.workspaceId, options.appointmentId);
  if (current.status === 'cancelled') throw new AppError('appointment_cancelled');
  const query = await loadSlotQuery(trx, {
    calendar,
    serviceId: current.service_id,
    range: { start, end: start + 1 },
    now,
    importedBusy: options.importedBusy,
    ignoreAppointmentId: current.id,
  });
  const slot = checkBookable(query, start);
  const before = await liveAssignees(trx, current.id);
  const keep = before.every((u) => slot.userIds.includes(u));
  const after = keep ? before : await chooseAssignees(trx, calendar, query, slot, now);

  await trx
    .updateTable('appointments')
    .set({
      start_at: new Date(start),
      end_at: new Date(slot.end),
      updated_at: now,
      version: sql`version + 1`,
      removed_from_remote: false,
      overlap_flagged: false,
    })
    .where('id', '=', current.id)
    .execute();
  await trx.deleteFrom('appointment_assignees').where('appointment_id', '=', current.id).execute();
  await trx
    .insertInto('appointment_assignees')
    .values(
      after.map((userId) => ({
        appointment_id: current.id,
        user_id: userId,
        workspace_id: options.workspaceId,
        during: assigneeRange(calendar, start, slot.end),
      })),
    )
    .execute();
  const dropped = before.filter((u) => !after.includes(u));
  await recordOutboundChange(trx, {
    workspaceId: options.workspaceId,
    appointmentId: current.id,
    calendarType: calendar.type,
    userIds: dropped,
    op: 'delete',
    now,
  });
  await recordOutboundChange(trx, {
    workspaceId: options.workspaceId,
    appointmentId: current.id,
    calendarType: calendar.type,
    userIds: after,
    op: 'upsert',
    now,
  });
  return { dropped };
}

/**
 * Seats in the class/event session at `start`, creating the session when it is the first booking.
 * Callers hold the session's advisory lock (see lockSessionSlot), so seat counts cannot race.
 */
export async function takeSeats(
  trx: Transaction<DB>,
  options: { calendar: CalendarView; workspaceId: string; start: number; end: number; seats: number; hostId: string; now: Date },
): Promise<{ appointmentId: string; hostId: string }> {
  const { calendar } = options;
  const existing = await lockSession(trx, calendar.id, options.start, options.end);
  if (existing) {
    if (existing.seats_taken + options.seats > calendar.seats) throw new AppError('slot_taken', { message: 'That session is full.' });
    await trx
      .updateTable('appointments')
      .set({ seats_taken: existing.seats_taken + options.seats, updated_at: options.now })
      .where('id', '=', existing.id)
      .execute();
    return { appointmentId: existing.id, hostId: existing.user_id };
  }
  const row = await trx
    .insertInto('appointments')
    .values({
      workspace_id: options.workspaceId,
      calendar_id: calendar.id,
      start_at: new Date(options.start),
      end_at: new Date(options.end),
      title: calendar.name,
      location: calendar.location,
      seats_taken: options.seats,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('appointment_assignees')
    .values({
      appointment_id: row.id,
      user_id: options.hostId,
      workspace_id: options.workspaceId,
      during: assigneeRange(calendar, options.start, options.end),
    })
    .execute();
  await recordOutboundChange(trx, {
    workspaceId: options.workspaceId,
    appointmentId: row.id,
    calendarType: calendar.type,
    userIds: [options.hostId],
    op: 'upsert',
    now: options.now,
  });
  return { appointmentId: row.id, hostId: options.hostId };
}

/** Everyone booking one class/event session queues on this lock, so seat counting cannot race. */
export async function lockSessionSlot(trx: Transaction<DB>, calendarId: string, start: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${calendarId}@${start}`}, 0))`.execute(trx);
}
