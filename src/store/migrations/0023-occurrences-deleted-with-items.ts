import { sql, type Kysely } from 'kysely';

/**
 * Occurrences go with their item by a statement trigger instead of the foreign key (issue 13.2,
 * decision 0017 seventh session). The key checked every inserted occurrence with a query of its own
 * that also locks the item row (`select … for key share`): on PGlite, EXPLAIN ANALYZE of a first
 * import's insert of 3,000 occurrences spent 163–187 ms of 413–463 ms in that check — ~40 % of the
 * insert, ~32,000 checks for a 5,000-event calendar, all on the server's main thread.
 *
 * What the key gave, and what gives it now:
 * * *Deletion with the item*, on every path — the sync store's deletes, a calendar emptied or removed,
 *   and the cascades of deleting a calendar, connection, user or workspace (remote_items still has
 *   its key to remote_calendars, which cascades): the trigger below deletes the occurrences of the
 *   items a statement deleted, once per statement, cascades included (a statement trigger fires for
 *   the deletes a cascade makes, as 0019's busy-version triggers rely on). In READ COMMITTED its
 *   delete takes a new snapshot, so it sees occurrences committed by a writer the item's delete
 *   waited for.
 * * *No occurrence of a missing item*: occurrences are written only by the sync store
 *   (sync-store/item-changes.ts), in the batch's transaction, for the ids its own upsert returned
 *   in that transaction. That upsert holds those item rows locked until commit, so no other
 *   transaction can delete them in between — the guarantee the key's share lock gave.
 *
 * The `(remote_item_id)` index stays: the trigger and the replacing of an updated item's occurrences
 * find the rows by it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function delete_occurrences_of_deleted_items() returns trigger language plpgsql as $$
    begin
      delete from imported_occurrences where remote_item_id = any(array(select id from deleted_items));
      return null;
    end $$`.execute(db);
  await sql`
    create trigger remote_items_delete_occurrences after delete on remote_items
    referencing old table as deleted_items for each statement execute function delete_occurrences_of_deleted_items()`.execute(db);
  await sql`alter table imported_occurrences drop constraint if exists imported_occurrences_remote_item_id_fkey`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists remote_items_delete_occurrences on remote_items`.execute(db);
  await sql`drop function if exists delete_occurrences_of_deleted_items()`.execute(db);
  // Rows the key would refuse (none if the trigger did its work) go first, so the key can be added back.
  await sql`delete from imported_occurrences o where not exists (select 1 from remote_items i where i.id = o.remote_item_id)`.execute(db);
  await sql`alter table imported_occurrences
    add constraint imported_occurrences_remote_item_id_fkey foreign key (remote_item_id) references remote_items(id) on delete cascade`.execute(
    db,
  );
}
