import type { Kysely } from 'kysely';
import { itemStateAfter, type InboundAction } from '../../domain/sync/inbound-actions.ts';
import type { InboundBatch } from '../../domain/sync/ports.ts';
import type { DB } from '../schema.ts';
import { ItemChangeSet, type ItemChange } from './item-changes.ts';
import { loadItemCalendar } from './items.ts';
import { applyLinkUpdate, lockAppointment, markLinkRemoved, readLink } from './links.ts';
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
export async function applyInboundBatch(db: Kysely<DB>, batch: InboundBatch, now: Date): Promise<void> {
  const calendar = await loadItemCalendar(db, batch.calendarId, { lock: true });
  if (calendar === null) throw new Error(`no remote calendar ${batch.calendarId}`);
  const items = new ItemChangeSet(calendar);
  for (const action of batch.actions) {
    if (!(await applyAppointmentPart(db, action, now))) continue;
    const change = itemChange(action);
    if (change === null) continue;
    if (items.has(change.href)) await items.flush(db);
    items.add(change);
  }
  await items.flush(db);

  const token = batch.token === undefined ? {} : { sync_token: batch.token };
  const finish =
    batch.finish === undefined
      ? {}
      : {
          last_synced_at: batch.finish.at,
          sync_warning: batch.finish.warning === null ? null : JSON.stringify(batch.finish.warning),
          // The text column the calendar view shows.
          warning: batch.finish.warning?.message ?? null,
        };
  if (batch.token !== undefined || batch.finish !== undefined) {
    await db.updateTable('remote_calendars').set({ ...token, ...finish }).where('id', '=', calendar.id).execute();
  }
}

/** The appointment and link side of an action; false when the action is skipped whole (its item included). */
async function applyAppointmentPart(db: Kysely<DB>, action: InboundAction, now: Date): Promise<boolean> {
  switch (action.type) {
    case 'UpdateAppointmentFromRemote': {
      // All or nothing: the appointment, its link and the item only at the version and etag planned on.
      await lockAppointment(db, action.appointmentId);
      const link = await readLink(db, action.link.appointmentId, action.link.userId, { lock: true });
      if (link === null || link.etag !== action.link.expectedEtag) return false;
      if (!(await applyRemoteEdit(db, action, now))) return false;
      await applyLinkUpdate(db, action.link);
      return true;
    }
    case 'MarkAppointmentRemovedRemotely': {
      await lockAppointment(db, action.appointmentId);
      const link = await readLink(db, action.appointmentId, action.userId, { lock: true });
      if (link === null || link.etag !== action.expectedLinkEtag) return false;
      await markLinkRemoved(db, action.appointmentId, action.userId);
      return true;
    }
    case 'TrackAppointmentEvent':
      // The item is recorded either way; only the link waits for its expected etag.
      if (action.link !== null) await applyLinkUpdate(db, action.link);
      return true;
    default:
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
