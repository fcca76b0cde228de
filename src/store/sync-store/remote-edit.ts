import { sql, type Kysely } from 'kysely';
import { pushesToExternalCalendars } from '../../domain/calendar-type.ts';
import { assigneeRange } from '../../domain/assignee-range.ts';
import type { AppointmentRemoteEdit } from '../../domain/sync/ports.ts';
import type { DB } from '../schema.ts';
import { enqueueOutbox } from './outbox.ts';
import type { RecordSyncNotice } from './notices.ts';

export type RemoteEdit = Pick<
  AppointmentRemoteEdit,
  'appointmentId' | 'userId' | 'expectedVersion' | 'start' | 'end' | 'title' | 'overlapFlagged' | 'overlapsWith'
>;

/**
 * An appointment follows an edit made in iCloud (SPEC §5): new time and title, kept even where it
 * overlaps other bookings (flagged, not refused). Applied only while the appointment is confirmed
 * and still at the version the edit was planned on; returns whether it was applied.
 *
 * The assignments move with it. The exclusion constraint exempts assignments with overlap_allowed,
 * which is set where the planner flagged an overlap AND wherever the padded range clashes with
 * another live assignment of that assignee (buffers, or a co-assignee's own bookings the planner
 * never looked at): a refused update would fail the whole sync batch on every run.
 */
export async function applyRemoteEdit(db: Kysely<DB>, edit: RemoteEdit, now: Date, notify: RecordSyncNotice): Promise<boolean> {
  const appointment = await db
    .selectFrom('appointments as a')
    .innerJoin('booking_calendars as c', 'c.id', 'a.calendar_id')
    .select([
      'a.id',
      'a.workspace_id',
      'a.version',
      'a.status',
      'a.start_at',
      'a.end_at',
      'a.title',
      'c.type',
      'c.buffer_before_min',
      'c.buffer_after_min',
    ])
    .where('a.id', '=', edit.appointmentId)
    .forUpdate('a')
    .executeTakeFirst();
  if (appointment === undefined || String(appointment.version) !== edit.expectedVersion || appointment.status !== 'confirmed') return false;

  const during = assigneeRange(
    { bufferBeforeMin: appointment.buffer_before_min, bufferAfterMin: appointment.buffer_after_min },
    edit.start.getTime(),
    edit.end.getTime(),
  );
  const assignees = await db
    .selectFrom('appointment_assignees as aa')
    .select([
      'aa.user_id',
      sql<boolean>`exists (
        select 1 from appointment_assignees x
        where x.user_id = aa.user_id and x.appointment_id <> aa.appointment_id
          and x.status <> 'cancelled' and x.during && ${during}::tstzrange
      )`.as('clashes'),
    ])
    .where('aa.appointment_id', '=', edit.appointmentId)
    .where('aa.status', '=', 'confirmed')
    .orderBy('aa.user_id')
    .execute();

  for (const assignee of assignees) {
    await db
      .updateTable('appointment_assignees')
      .set({ during, overlap_allowed: edit.overlapFlagged || assignee.clashes })
      .where('appointment_id', '=', edit.appointmentId)
      .where('user_id', '=', assignee.user_id)
      .execute();
  }
  const flagged = edit.overlapFlagged || assignees.some((a) => a.clashes);
  await db
    .updateTable('appointments')
    .set({
      start_at: edit.start,
      end_at: edit.end,
      title: edit.title,
      overlap_flagged: flagged,
      version: sql`version + 1`,
      updated_at: now,
    })
    .where('id', '=', edit.appointmentId)
    .execute();
  await db
    .insertInto('appointment_history')
    .values({
      workspace_id: appointment.workspace_id,
      appointment_id: edit.appointmentId,
      kind: 'moved_in_icloud',
      details: JSON.stringify({
        userId: edit.userId,
        old: { start: appointment.start_at.toISOString(), end: appointment.end_at.toISOString(), title: appointment.title },
        new: { start: edit.start.toISOString(), end: edit.end.toISOString(), title: edit.title },
        overlapFlagged: flagged,
        overlapsWith: edit.overlapsWith,
      }),
      created_at: now,
    })
    .execute();
  // The other assignees' copies must follow; the editing user's calendar already shows the edit.
  if (pushesToExternalCalendars(appointment.type)) {
    const others = assignees.map((a) => a.user_id).filter((userId) => userId !== edit.userId);
    await enqueueOutbox(db, {
      workspaceId: appointment.workspace_id,
      pairs: others.map((userId) => ({ appointmentId: edit.appointmentId, userId })),
      op: 'upsert',
      notBefore: now,
    });
  }
  // A new time is news for the client (e-mail, reminders planned again) and webhooks; a new title alone is not.
  if (appointment.start_at.getTime() !== edit.start.getTime() || appointment.end_at.getTime() !== edit.end.getTime()) {
    await notify(db, {
      workspaceId: appointment.workspace_id,
      appointmentId: edit.appointmentId,
      change: 'moved_in_calendar',
      cause: 'calendar_sync',
      now,
      previousStart: appointment.start_at,
    });
  }
  return true;
}
