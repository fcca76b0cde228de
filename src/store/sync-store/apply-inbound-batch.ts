import type { Kysely } from 'kysely';
import { itemStateAfter, type InboundAction } from '../../domain/sync/inbound-actions.ts';
import type { InboundBatch } from '../../domain/sync/ports.ts';
import type { DB } from '../schema.ts';
import { ItemChangeSet, type ItemChange } from './item-changes.ts';
import { loadItemCalendar } from './items.ts';
import { applyLinkUpdate, lockAppointment, markLinkRemoved, readLink } from './links.ts';
import type { RecordSyncNotice } from './notices.ts';
import { applyRemoteEdit } from './remote-edit.ts';

/**
 * One inbound batch, inside the caller's transaction (ports.ts applyInboundBatch): the actions in
 * order, then the token and the finish stamp. The calendar row is locked first, so two syncs of one
 * calendar (a scheduled run and "Sync now") apply their batches one after the other.
 *
 * Appointment and link changes are made action by action (each is a compare-and-set); the per-item
 * status is collected and written set-wise, flushed whenever an href comes round again, so the
 * outcome is that of applying every action in order.
 */
export async function applyInboundBatch(db: Kysely<DB>, batch: InboundBatch, now: Date, notify: RecordSyncNotice): Promise<void> {
  const calendar = await loadItemCalendar(db, batch.calendarId, { lock: 'update' });
  if (calendar === null) throw new Error(`no remote calendar ${batch.calendarId}`);
  const items = new ItemChangeSet(calendar);
  for (const action of batch.actions) {
    if (!(await applyAppointmentPart(db, action, now, notify))) continue;
    const change = itemChange(action);
    if (change === null) continue;
    if (items.has(change.href)) await items.flush(db);
    items.add(change);
  }
  await items.flush(db);

  const stamp = await calendarStamp(db, calendar.id, batch);
  if (stamp !== null) await db.updateTable('remote_calendars').set(stamp).where('id', '=', calendar.id).execute();
}

/**
 * A batch without actions — an idle poll, where nothing changed: only the token and the finish stamp,
 * in one statement with no transaction and no row lock (there is nothing else to keep in step with it).
 */
export async function applyIdleBatch(db: Kysely<DB>, batch: InboundBatch): Promise<void> {
  const stamp = await calendarStamp(db, batch.calendarId, batch);
  if (stamp === null) return;
  const stamped = await db.updateTable('remote_calendars').set(stamp).where('id', '=', batch.calendarId).returning('id').executeTakeFirst();
  if (stamped === undefined) throw new Error(`no remote calendar ${batch.calendarId}`);
}

/** The calendar columns a batch sets: its token, and at the end of a run the finish stamp; null when neither. */
async function calendarStamp(db: Kysely<DB>, calendarId: string, batch: InboundBatch) {
  if (batch.token === undefined && batch.finish === undefined) return null;
  const token = batch.token === undefined ? {} : { sync_token: batch.token };
  const finish =
    batch.finish === undefined
      ? {}
      : {
          last_synced_at: batch.finish.at,
          sync_warning: batch.finish.warning === null ? null : JSON.stringify(batch.finish.warning),
          // The text column the calendar view shows.
          warning: batch.finish.warning?.message ?? null,
          ...(await itemProblemSummary(db, calendarId)),
          ...(batch.finish.limit !== undefined && {
            limit_error_code: batch.finish.limit?.code ?? null,
            limit_error_message: batch.finish.limit?.message ?? null,
          }),
        };
  return { ...token, ...finish };
}

/** Most serious first: the code a calendar with several kinds of problem shows. */
const PROBLEM_ORDER = ['ical_object_too_large', 'ical_too_deep', 'ical_unreadable', 'ical_occurrences_capped', 'ical_event_skipped'];

/**
 * The calendar's one-line summary of its items' problems (remote_items.error_code), or nulls: each
 * item is one line of the sync log, the calendar shows how many and the first of the worst kind.
 */
async function itemProblemSummary(
  db: Kysely<DB>,
  calendarId: string,
): Promise<{ item_error_code: string | null; item_error_message: string | null }> {
  const rows = await db
    .selectFrom('remote_items')
    .select((eb) => ['error_code', eb.fn.countAll<number>().as('n'), eb.fn.min('error').as('example')])
    .where('remote_calendar_id', '=', calendarId)
    .where('error_code', 'is not', null)
    .groupBy('error_code')
    .execute();
  if (rows.length === 0) return { item_error_code: null, item_error_message: null };
  const rank = (code: string | null): number => {
    const index = PROBLEM_ORDER.indexOf(code ?? '');
    return index === -1 ? PROBLEM_ORDER.length : index;
  };
  rows.sort((a, b) => rank(a.error_code) - rank(b.error_code));
  const worst = rows[0]!;
  const total = rows.reduce((sum, row) => sum + Number(row.n), 0);
  const kinds = rows.length > 1 ? ` (${rows.map((row) => `${Number(row.n)} ${row.error_code}`).join(', ')})` : '';
  const message =
    total === 1
      ? `1 event in this calendar could not be imported in full: ${worst.example ?? ''}`
      : `${total} events in this calendar could not be imported in full${kinds}; for example: ${worst.example ?? ''}`;
  return { item_error_code: worst.error_code, item_error_message: message };
}

/** The appointment and link side of an action; false when the action is skipped whole (its item included). */
async function applyAppointmentPart(db: Kysely<DB>, action: InboundAction, now: Date, notify: RecordSyncNotice): Promise<boolean> {
  switch (action.type) {
    case 'UpdateAppointmentFromRemote': {
      // All or nothing: the appointment, its link and the item only at the version and etag planned on.
      await lockAppointment(db, action.appointmentId);
      const link = await readLink(db, action.link.appointmentId, action.link.userId, { lock: true });
      if (link === null || link.etag !== action.link.expectedEtag) return false;
      if (!(await applyRemoteEdit(db, action, now, notify))) return false;
      await applyLinkUpdate(db, action.link, notify, now);
      return true;
    }
    case 'MarkAppointmentRemovedRemotely': {
      await lockAppointment(db, action.appointmentId);
      const link = await readLink(db, action.appointmentId, action.userId, { lock: true });
      if (link === null || link.etag !== action.expectedLinkEtag) return false;
      await markLinkRemoved(db, action.appointmentId, action.userId, notify, now);
      return true;
    }
    case 'TrackAppointmentEvent':
      // The item is recorded either way; only the link waits for its expected etag.
      if (action.link !== null) await applyLinkUpdate(db, action.link, notify, now);
      return true;
    // Item-only actions: nothing on the appointment side.
    case 'ImportItem':
    case 'UpdateImportedItem':
    case 'RemoveImportedItem':
    case 'ForgetItem':
    case 'RecordUnreadableItem':
    case 'RefuseEmptyCalendar':
    case 'SkipUnchanged':
      return true;
  }
}

/** The per-item status the action leaves (itemStateAfter, shared with the executor), with its occurrences. */
function itemChange(action: InboundAction): ItemChange | null {
  // Only the etag moves; an item we never saved stays unsaved (itemStateAfter says the same).
  if (action.type === 'SkipUnchanged') return { href: action.href, type: 'etag', etag: action.etag };
  const state = itemStateAfter(action, undefined);
  if (state === undefined) return null;
  if (state.item === null) return { href: state.href, type: 'delete' };
  const occurrences = action.type === 'ImportItem' || action.type === 'UpdateImportedItem' ? action.occurrences : [];
  return { href: state.href, type: 'upsert', item: state.item, occurrences };
}
