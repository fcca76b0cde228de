import { sql, type Kysely } from 'kysely';

/**
 * Availability reads only the busy time of its window (issue 13.3): a GiST index on each blocking
 * occurrence's range, by user, so "overlaps [from, to)" is one index range scan instead of a btree
 * scan over everything that started before `to` (30 days of history included). `greatest` keeps
 * the expression valid for any stored row (an end before its start would make tstzrange throw);
 * the queries spell the same expression (store/imported-busy.ts). btree_gist (0001) gives uuid `=`.
 *
 * Each occurrence also carries its calendar (remote_calendar_id, denormalised from its item, written
 * with it by the sync store): deciding whether a row blocks then needs no join to remote_items, whose
 * hash over every item of the calendar (5,000) was most of a slots request on PGlite. Only imported
 * items have occurrences, so the item's kind needs no check either. No foreign key: the item's
 * cascade already removes the rows, and a check per inserted row would slow imports. Rows written
 * without it (null) are still read correctly, through their item.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imported_occurrences add column remote_calendar_id uuid`.execute(db);
  await sql`update imported_occurrences o set remote_calendar_id = i.remote_calendar_id from remote_items i where i.id = o.remote_item_id`.execute(
    db,
  );
  await sql`
    create index imported_occurrences_busy_idx on imported_occurrences
    using gist (user_id, tstzrange(start_at, greatest(start_at, end_at)))
    where blocks`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists imported_occurrences_busy_idx`.execute(db);
  await sql`alter table imported_occurrences drop column if exists remote_calendar_id`.execute(db);
}
