import { sql, type Kysely } from 'kysely';

/**
 * A calendar's items, and an item's occurrences, go with them by statement triggers instead of
 * foreign keys (issue 13.2, decision 0017 seventh session). A foreign key checks every inserted row
 * with a query of its own that also locks the parent row (`select … for key share`): on PGlite,
 * EXPLAIN ANALYZE of a first import's insert of 3,000 occurrences spent 163–187 ms of 413–463 ms in
 * the item check (~40 %), and of its upsert of 500 items 23–65 ms of 100–190 ms in the calendar
 * check — ~37,000 checks for a 5,000-event calendar, all on the server's main thread.
 *
 * What the keys gave, and what gives it now:
 * * *Deletion with the parent*, on every path — the sync store's deletes, a calendar emptied or
 *   removed, and the cascades of deleting a connection, a user or a workspace (remote_calendars keeps
 *   its keys, which cascade): the triggers below delete the children of the rows a statement deleted,
 *   once per statement, cascades included (a statement trigger fires for the deletes a cascade makes,
 *   as 0019's busy-version triggers rely on), and a calendar's trigger deleting its items fires the
 *   items' trigger in turn. In READ COMMITTED each trigger's delete takes a new snapshot, so it sees
 *   rows committed by a writer the parent's delete waited for.
 * * *No child of a missing parent*: both tables are written only by the sync store
 *   (sync-store/item-changes.ts), in a transaction that first locks the calendar's row — `for update`
 *   for an inbound batch, `for key share` (the foreign key's own lock) for the dispatcher's item
 *   change (sync-store/items.ts) — so the calendar cannot be deleted before it commits; and
 *   occurrences are written only for the ids the same transaction's upsert returned, rows it holds
 *   locked until commit.
 *
 * The indexes stay: the triggers find the children by `(remote_calendar_id, href)` and
 * `(remote_item_id)`.
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
  await sql`
    create function delete_items_of_deleted_calendars() returns trigger language plpgsql as $$
    begin
      delete from remote_items where remote_calendar_id = any(array(select id from deleted_calendars));
      return null;
    end $$`.execute(db);
  await sql`
    create trigger remote_calendars_delete_items after delete on remote_calendars
    referencing old table as deleted_calendars for each statement execute function delete_items_of_deleted_calendars()`.execute(db);
  await sql`alter table imported_occurrences drop constraint if exists imported_occurrences_remote_item_id_fkey`.execute(db);
  await sql`alter table remote_items drop constraint if exists remote_items_remote_calendar_id_fkey`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists remote_calendars_delete_items on remote_calendars`.execute(db);
  await sql`drop function if exists delete_items_of_deleted_calendars()`.execute(db);
  await sql`drop trigger if exists remote_items_delete_occurrences on remote_items`.execute(db);
  await sql`drop function if exists delete_occurrences_of_deleted_items()`.execute(db);
  // Rows the keys would refuse (none if the triggers did their work) go first, so the keys can be added back.
  await sql`delete from remote_items i where not exists (select 1 from remote_calendars c where c.id = i.remote_calendar_id)`.execute(db);
  await sql`delete from imported_occurrences o where not exists (select 1 from remote_items i where i.id = o.remote_item_id)`.execute(db);
  await sql`alter table remote_items
    add constraint remote_items_remote_calendar_id_fkey foreign key (remote_calendar_id) references remote_calendars(id) on delete cascade`.execute(
    db,
  );
  await sql`alter table imported_occurrences
    add constraint imported_occurrences_remote_item_id_fkey foreign key (remote_item_id) references remote_items(id) on delete cascade`.execute(
    db,
  );
}
