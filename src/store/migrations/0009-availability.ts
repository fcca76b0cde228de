import { sql, type Kysely } from 'kysely';

/**
 * Calendar-level free/busy (issue 12.1): what the server says about a calendar (RFC 6638
 * schedule-calendar-transp, Apple's "events affect availability" switch) and the user's own say in
 * Tandem, which wins when set.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table remote_calendars add column server_transparent boolean not null default false`.execute(db);
  // null: follow the server; true/false: the user's override.
  await sql`alter table remote_calendars add column blocks_availability boolean`.execute(db);
}
