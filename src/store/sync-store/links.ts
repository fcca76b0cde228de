import { sql, type Kysely } from 'kysely';
import type { LinkUpdate } from '../../domain/sync/inbound-actions.ts';
import type { RemoteLink } from '../../domain/sync/types.ts';
import type { DB } from '../schema.ts';
import { storeSnapshots, toRemoteLink } from './rows.ts';
import type { RecordSyncNotice } from './notices.ts';

/**
 * appointment_links: where an appointment's event lives in one user's calendar and what we wrote
 * there. Compare-and-set happens here, on a row locked FOR UPDATE, so a link update planned on an
 * etag that has moved since is dropped rather than applied over a newer write.
 *
 * Lock order, everywhere: the appointment row, then its link. Inbound sync and the dispatcher
 * both touch both (an iCloud edit moves the appointment and updates the link); taking them in one
 * order keeps the two from deadlocking each other.
 */

export async function lockAppointment(db: Kysely<DB>, appointmentId: string): Promise<void> {
  await db.selectFrom('appointments').select('id').where('id', '=', appointmentId).forUpdate().execute();
}

export async function readLink(
  db: Kysely<DB>,
  appointmentId: string,
  userId: string,
  options: { lock?: boolean } = {},
): Promise<RemoteLink | null> {
  let query = db.selectFrom('appointment_links').selectAll().where('appointment_id', '=', appointmentId).where('user_id', '=', userId);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row === undefined ? null : toRemoteLink(row);
}

/**
 * Upserts the link exactly as given. Inserted through a select of its appointment and calendar, so
 * a link whose appointment or calendar has just been deleted (booking calendar removed, connection
 * removed) is quietly not saved instead of failing the whole transaction on a foreign key.
 */
export async function saveLink(db: Kysely<DB>, link: RemoteLink, notify: RecordSyncNotice, now: Date): Promise<void> {
  await lockAppointment(db, link.appointmentId);
  const previous = await readLink(db, link.appointmentId, link.userId, { lock: true });
  await sql`
    insert into appointment_links (
      appointment_id, user_id, workspace_id, remote_calendar_id, href, etag,
      written_start, written_end, written_title, written_details_hash,
      sequence, removed_remotely, create_pending, pending_writes, updated_at
    )
    select a.id, ${link.userId}::uuid, a.workspace_id, c.id, ${link.href}::text, ${link.etag}::text,
      ${link.written.start}::timestamptz, ${link.written.end}::timestamptz, ${link.written.title}::text, ${link.written.detailsHash}::text,
      ${link.sequence}::integer, ${link.removedRemotely}::boolean, ${link.createPending}::boolean, ${storeSnapshots(link.pendingWrites)}::jsonb, now()
    from appointments a, remote_calendars c
    where a.id = ${link.appointmentId}::uuid and c.id = ${link.calendarId}::uuid
    on conflict (appointment_id, user_id) do update set
      remote_calendar_id = excluded.remote_calendar_id, href = excluded.href, etag = excluded.etag,
      written_start = excluded.written_start, written_end = excluded.written_end,
      written_title = excluded.written_title, written_details_hash = excluded.written_details_hash,
      sequence = excluded.sequence, removed_remotely = excluded.removed_remotely,
      create_pending = excluded.create_pending, pending_writes = excluded.pending_writes, updated_at = now()
  `.execute(db);
  await followRemovedFlag(db, link.appointmentId, previous?.removedRemotely ?? false, link.removedRemotely, notify, now);
}

export async function deleteLink(
  db: Kysely<DB>,
  appointmentId: string,
  userId: string,
  notify: RecordSyncNotice,
  now: Date,
): Promise<void> {
  await lockAppointment(db, appointmentId);
  const removed = await db
    .deleteFrom('appointment_links')
    .where('appointment_id', '=', appointmentId)
    .where('user_id', '=', userId)
    .returning('removed_remotely')
    .executeTakeFirst();
  if (removed?.removed_remotely) await followRemovedFlag(db, appointmentId, true, false, notify, now);
}

/**
 * A link update planned by the inbound side: applied only if the stored link still has the etag
 * the plan saw; sets the etag and written snapshot and clears removedRemotely / createPending.
 * pendingWrites stay: only the dispatcher, which writes them, clears them. Returns whether applied.
 */
export async function applyLinkUpdate(db: Kysely<DB>, update: LinkUpdate, notify: RecordSyncNotice, now: Date): Promise<boolean> {
  await lockAppointment(db, update.appointmentId);
  const link = await readLink(db, update.appointmentId, update.userId, { lock: true });
  if (link === null || link.etag !== update.expectedEtag) return false;
  await db
    .updateTable('appointment_links')
    .set({
      etag: update.etag,
      written_start: update.written.start,
      written_end: update.written.end,
      written_title: update.written.title,
      written_details_hash: update.written.detailsHash,
      removed_remotely: false,
      create_pending: false,
      updated_at: now,
    })
    .where('appointment_id', '=', update.appointmentId)
    .where('user_id', '=', update.userId)
    .execute();
  await followRemovedFlag(db, update.appointmentId, link.removedRemotely, false, notify, now);
  return true;
}

/** The user deleted the event in iCloud: the link remembers it (no etag any more), the appointment shows it. Caller holds the locks. */
export async function markLinkRemoved(
  db: Kysely<DB>,
  appointmentId: string,
  userId: string,
  notify: RecordSyncNotice,
  now: Date,
): Promise<void> {
  await db
    .updateTable('appointment_links')
    .set({ removed_remotely: true, etag: null, updated_at: now })
    .where('appointment_id', '=', appointmentId)
    .where('user_id', '=', userId)
    .execute();
  await followRemovedFlag(db, appointmentId, false, true, notify, now);
}

/**
 * appointments.removed_from_remote is what the API shows ("removed from iCloud"). It follows the
 * links only when one of them changes its removedRemotely state, so a reschedule in Tandem, which
 * clears the flag, is not undone by an unrelated link write later.
 */
async function followRemovedFlag(
  db: Kysely<DB>,
  appointmentId: string,
  before: boolean,
  after: boolean,
  notify: RecordSyncNotice,
  now: Date,
): Promise<void> {
  if (before === after) return;
  if (after) {
    const changed = await db
      .updateTable('appointments')
      .set({ removed_from_remote: true })
      .where('id', '=', appointmentId)
      .where('removed_from_remote', '=', false)
      .returning('workspace_id')
      .executeTakeFirst();
    // Webhooks hear of it once, when the appointment starts showing "removed from iCloud" (issue 11).
    if (changed)
      await notify(db, {
        workspaceId: changed.workspace_id,
        appointmentId,
        change: 'removed_from_calendar',
        cause: 'calendar_sync',
        now,
      });
    return;
  }
  await db
    .updateTable('appointments')
    .set({
      removed_from_remote: sql<boolean>`exists (select 1 from appointment_links l where l.appointment_id = appointments.id and l.removed_remotely)`,
    })
    .where('id', '=', appointmentId)
    .execute();
}
