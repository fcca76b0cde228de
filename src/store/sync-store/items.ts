import type { Kysely } from 'kysely';
import type { CalendarItemChange } from '../../domain/sync/inbound-actions.ts';
import type { DB } from '../schema.ts';
import { ItemChangeSet, type ItemCalendar } from './item-changes.ts';

/**
 * remote_items (the per-item status of a calendar) and imported_occurrences (the blocked slots of
 * imported items). Occurrences always belong to an item and go with it (migration 0023's trigger on remote_items).
 */

/**
 * The calendar whose items a transaction is about to write, locked till its end: `update` serialises
 * the writers of one calendar (an inbound batch); `keyShare` only keeps the calendar from being deleted
 * meanwhile — what remote_items' foreign key did for every row before migration 0023 (its trigger deletes
 * a deleted calendar's items, and would miss ones written by a transaction it did not wait for).
 */
export async function loadItemCalendar(
  db: Kysely<DB>,
  calendarId: string,
  options: { lock: 'update' | 'keyShare' },
): Promise<ItemCalendar | null> {
  let query = db.selectFrom('remote_calendars').select(['id', 'workspace_id', 'user_id']).where('id', '=', calendarId);
  query = options.lock === 'update' ? query.forUpdate() : query.forKeyShare();
  const row = await query.executeTakeFirst();
  return row === undefined ? null : { id: row.id, workspaceId: row.workspace_id, userId: row.user_id };
}

/**
 * A status change the dispatcher made with its write (itemChangesForLink): the item upserted without
 * occurrences, or deleted, in the caller's transaction. A calendar removed meanwhile has no status left to change.
 */
export async function applyItemChange(db: Kysely<DB>, change: CalendarItemChange): Promise<void> {
  const calendar = await loadItemCalendar(db, change.calendarId, { lock: 'keyShare' });
  if (calendar === null) return;
  const set = new ItemChangeSet(calendar);
  set.add(
    change.item === null
      ? { href: change.href, type: 'delete' }
      : { href: change.href, type: 'upsert', item: { ...change.item, href: change.href }, occurrences: [] },
  );
  await set.flush(db);
}
