import { sql, type Kysely } from 'kysely';

/**
 * A version of each remote calendar's imported busy time (issue 13.3, decision 0023), so a server
 * process can keep the merged busy ranges of a (user, window) in memory and reuse them while the
 * versions read in the same statement are unchanged — also when another process on the same
 * PostgreSQL changed them (store/imported-busy.ts).
 *
 * What a user's busy time depends on, and how each part shows in what the read compares:
 * * the occurrences of each calendar: `remote_calendars.busy_version`, bumped by the triggers below;
 * * which calendars block (role, the blocking switch, the server's transparency) and which exist
 *   (deleting a calendar, its connection or its user): read from the calendar rows themselves;
 * * the user's invitation policy: read from the user's row.
 *
 * Bumped by triggers, not by each writer: occurrences change through the sync store's batches and
 * through the cascades of deleting items, calendars, connections and users, from half a dozen
 * services; a trigger sees each of them, cascades included, in the transaction of the change, so the
 * version commits with the data. Statement-level with transition tables, so an insert of 5,000
 * occurrences bumps its calendar once instead of calling a function per row (one trigger per event:
 * PostgreSQL allows transition tables only on single-event triggers). The calendar's row is the one
 * the sync store's batch already locks (sync-store/apply-inbound-batch.ts), so the bump adds no lock
 * a writer did not take already. A row written without its calendar (null, see 0013) bumps every
 * calendar of its user.
 *
 * Versions come from one sequence, so a value is never given twice: with the calendar's id it names
 * one committed set of occurrences, whatever the process or the order of concurrent writers.
 *
 * The index: the busy read finds a user's calendars by user (remote_calendars had no index on it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence busy_version_seq`.execute(db);
  await sql`alter table remote_calendars add column busy_version bigint not null default 0`.execute(db);
  await sql`create index remote_calendars_user_idx on remote_calendars (user_id)`.execute(db);
  await sql`
    create function bump_busy_versions() returns trigger language plpgsql as $$
    begin
      update remote_calendars set busy_version = nextval('busy_version_seq')
      where id = any(array(select distinct remote_calendar_id from changed_rows where remote_calendar_id is not null));
      if exists (select 1 from changed_rows where remote_calendar_id is null) then
        update remote_calendars set busy_version = nextval('busy_version_seq')
        where user_id = any(array(select distinct user_id from changed_rows where remote_calendar_id is null));
      end if;
      return null;
    end $$`.execute(db);
  for (const [name, event, transition] of TRIGGERS) {
    await sql`
      create trigger ${sql.raw(name)} after ${sql.raw(event)} on imported_occurrences
      referencing ${sql.raw(transition)} for each statement execute function bump_busy_versions()`.execute(db);
  }
}

/** An update may move a row between calendars: both its old and its new calendar bump. */
const TRIGGERS = [
  ['imported_occurrences_busy_insert', 'insert', 'new table as changed_rows'],
  ['imported_occurrences_busy_delete', 'delete', 'old table as changed_rows'],
  ['imported_occurrences_busy_update_old', 'update', 'old table as changed_rows'],
  ['imported_occurrences_busy_update_new', 'update', 'new table as changed_rows'],
] as const;

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of TRIGGERS) await sql`drop trigger if exists ${sql.raw(name)} on imported_occurrences`.execute(db);
  await sql`drop function if exists bump_busy_versions()`.execute(db);
  await sql`drop index if exists remote_calendars_user_idx`.execute(db);
  await sql`alter table remote_calendars drop column if exists busy_version`.execute(db);
  await sql`drop sequence if exists busy_version_seq`.execute(db);
}
