import type { Kysely } from 'kysely';
import type { FormerCalendar, SyncStore } from '../domain/sync/ports.ts';
import { markNeedsReconnect, type RecordConnectionNotice } from './mark-needs-reconnect.ts';
import type { DB } from './schema.ts';
import { loadAppointmentsForSync, loadConfirmedAppointmentSpans, loadLinkedAppointments } from './sync-store/appointments.ts';
import { applyIdleBatch, applyInboundBatch } from './sync-store/apply-inbound-batch.ts';
import { loadCalendarState, loadSavedItems } from './sync-store/calendar-state.ts';
import { applyItemChange } from './sync-store/items.ts';
import { deleteLink, readLink, saveLink } from './sync-store/links.ts';
import { claimOutboxRows, finishRowsWithNothingToPush, lockOutboxRow, recordOutboxResult } from './sync-store/outbox.ts';
import type { RecordSyncNotice } from './sync-store/notices.ts';
import { applyRemoteEdit } from './sync-store/remote-edit.ts';
import { isUuid } from './sync-store/rows.ts';

export interface SyncStoreOptions {
  /** Tandem's public base URL: events link back to `${publicUrl}/appointments/<id>`. */
  publicUrl: string;
  /** The clock for stamps the store makes itself (history, done rows, rows it enqueues). */
  now: () => Date;
  /** Records what an iCloud move or deletion tells clients and webhooks (services/notifications' recordAppointmentNotice). */
  recordNotice: RecordSyncNotice;
  /** Tells a connection's owner it needs reconnecting (services/notifications' recordConnectionNotice). */
  recordConnectionNotice: RecordConnectionNotice;
}

/**
 * The sync engine's SyncStore over PostgreSQL (and PGlite): see ports.ts for each method's
 * contract. ATOMIC methods run in one transaction, and everything inside one uses the transaction
 * handle only — PGlite has a single connection, so touching the outer handle there would wait on
 * the transaction forever.
 */
export function createSyncStore(db: Kysely<DB>, options: SyncStoreOptions): SyncStore {
  return {
    loadCalendarState: (calendarId) => loadCalendarState(db, calendarId),

    loadSavedItems: (calendarId) => loadSavedItems(db, calendarId),

    loadLinkedAppointments: (userId, appointmentIds) => loadLinkedAppointments(db, userId, appointmentIds, options.publicUrl),

    loadConfirmedAppointmentSpans: (userId, ranges) => loadConfirmedAppointmentSpans(db, userId, ranges),

    applyInboundBatch: (batch) =>
      batch.actions.length === 0
        ? applyIdleBatch(db, batch)
        : db.transaction().execute((trx) => applyInboundBatch(trx, batch, options.now(), options.recordNotice)),

    claimOutboxRows: (claim) => db.transaction().execute((trx) => claimOutboxRows(trx, claim)),

    finishRowsWithNothingToPush: (rows, now) =>
      finishRowsWithNothingToPush(
        db,
        rows.map((row) => row.id),
        now,
      ),

    async loadOutboundTarget(row) {
      const [appointments, primary, link] = await Promise.all([
        loadAppointmentsForSync(db, [row.appointmentId], row.userId, options.publicUrl),
        db.selectFrom('remote_calendars').select('id').where('user_id', '=', row.userId).where('role', '=', 'primary').executeTakeFirst(),
        isUuid(row.appointmentId) ? readLink(db, row.appointmentId, row.userId) : Promise.resolve(null),
      ]);
      const primaryCalendarId = primary?.id ?? null;
      const formerCalendar = link !== null && link.calendarId !== primaryCalendarId ? await loadFormerCalendar(db, link.calendarId) : null;
      return { appointment: appointments.get(row.appointmentId) ?? null, primaryCalendarId, link, formerCalendar };
    },

    recordWriteIntent: (link) => db.transaction().execute((trx) => saveLink(trx, link, options.recordNotice, options.now())),

    finishOutboxRow: (outcome) =>
      db.transaction().execute(async (trx) => {
        const now = options.now();
        await lockOutboxRow(trx, outcome.row.id);
        if (outcome.remoteEdit !== undefined) await applyRemoteEdit(trx, outcome.remoteEdit, now, options.recordNotice);
        const { appointmentId, userId } = outcome.row;
        if (outcome.link === null) await deleteLink(trx, appointmentId, userId, options.recordNotice, now);
        else if (outcome.link !== undefined) await saveLink(trx, outcome.link, options.recordNotice, now);
        for (const change of outcome.items ?? []) await applyItemChange(trx, change);
        await recordOutboxResult(trx, outcome.row.id, outcome.result, now);
        if (outcome.reconnect !== undefined) {
          const calendar = await trx
            .selectFrom('remote_calendars')
            .select('connection_id')
            .where('id', '=', outcome.reconnect.calendarId)
            .executeTakeFirst();
          if (calendar !== undefined) {
            const notice = { connectionId: calendar.connection_id, now, error: outcome.reconnect.error, cause: 'calendar_push' as const };
            await markNeedsReconnect(trx, notice, options.recordConnectionNotice);
          }
        }
      }),
  };
}

/** Whether the copy of an appointment in a former primary calendar can still be deleted there (issue 12.3). */
async function loadFormerCalendar(db: Kysely<DB>, calendarId: string): Promise<FormerCalendar> {
  const calendar = await db
    .selectFrom('remote_calendars')
    .select(['writable', 'removed_at'])
    .where('id', '=', calendarId)
    .executeTakeFirst();
  if (calendar === undefined) return { cannotDelete: 'the former calendar is no longer connected' };
  if (calendar.removed_at !== null) return { cannotDelete: 'the former calendar was deleted on the server' };
  if (!calendar.writable) return { cannotDelete: 'the former calendar is read-only' };
  return { cannotDelete: null };
}
