import { sql, type Kysely } from 'kysely';

/**
 * Busy time is never silently cut (issue 7.3/7.4):
 *  - imported_occurrences.occurrences: a row may be a merged busy range standing for a run of
 *    touching occurrences of a dense series (1 for an ordinary occurrence);
 *  - remote_items.error_code: the stable code of an item's error (unreadable, too large, too deep)
 *    or of what an imported item misses (a skipped VEVENT, occurrences past the cap);
 *  - remote_calendars.item_error_*: a summary of those per calendar, written with each finished run,
 *    and limit_error_*: the calendar holds more items than SYNC_MAX_ITEMS_PER_CALENDAR. The sync
 *    status shows them as the calendar's lastError when no remote error is more urgent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imported_occurrences add column occurrences integer not null default 1`.execute(db);
  await sql`alter table remote_items add column error_code text`.execute(db);
  // The per-run summary reads only the items with a problem, however large the calendar.
  await sql`create index remote_items_problem_idx on remote_items (remote_calendar_id) where error_code is not null`.execute(db);
  await sql`alter table remote_calendars add column item_error_code text, add column item_error_message text, add column limit_error_code text, add column limit_error_message text`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table remote_calendars drop column if exists item_error_code, drop column if exists item_error_message, drop column if exists limit_error_code, drop column if exists limit_error_message`.execute(
    db,
  );
  await sql`drop index if exists remote_items_problem_idx`.execute(db);
  await sql`alter table remote_items drop column if exists error_code`.execute(db);
  await sql`alter table imported_occurrences drop column if exists occurrences`.execute(db);
}
