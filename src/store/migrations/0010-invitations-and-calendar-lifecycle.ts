import { sql, type Kysely } from 'kysely';

/**
 * Issue 12.2, 12.3, 12.6: unanswered invitations, calendars that come and go, freshness.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // 12.2 — whether events the user has not answered (NEEDS-ACTION) or answered "maybe" (TENTATIVE)
  // block their availability (decision 0016: they do, by default).
  await sql`alter table users add column invitation_policy text not null default 'block'
    check (invitation_policy in ('block', 'free'))`.execute(db);
  // The principal's calendar-user-address-set (RFC 6638 §2.4.1), as the server lists it (mailto: and urn: forms).
  await sql`alter table connections add column self_addresses text[] not null default '{}'`.execute(db);
  // When the occurrence is an invitation to the account still unanswered or tentative: its PARTSTAT, lower-case.
  // Whether it blocks is decided when busy time is read, so changing the policy takes effect at once.
  await sql`alter table imported_occurrences add column invitation text
    check (invitation in ('needs-action', 'tentative'))`.execute(db);
  // 12.3 — the server no longer has this calendar (it was deleted there): kept, marked, not synced.
  await sql`alter table remote_calendars add column removed_at timestamptz`.execute(db);
  // When the connection's calendars were last listed by the daily reconciliation.
  await sql`alter table connections add column calendars_listed_at timestamptz`.execute(db);
  // 12.6 — when a sync last saw the calendar change: it is polled more often for a while after.
  await sql`alter table remote_calendars add column last_change_at timestamptz`.execute(db);
}
