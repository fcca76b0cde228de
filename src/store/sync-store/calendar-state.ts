import type { Kysely } from 'kysely';
import type { SavedItem } from '../../domain/sync/types.ts';
import type { CalendarSyncState, CalendarWarning } from '../../domain/sync/ports.ts';
import type { DB } from '../schema.ts';
import { toSavedItem } from './rows.ts';

/**
 * What inbound sync starts from: the calendar's owner, role, zone, the user's own addresses (to
 * recognise "declined by me") and the saved token. The per-item status is loadSavedItems, read
 * only when a run needs it.
 */
export async function loadCalendarState(db: Kysely<DB>, calendarId: string): Promise<CalendarSyncState> {
  const calendar = await db
    .selectFrom('remote_calendars as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .innerJoin('connections as k', 'k.id', 'c.connection_id')
    .select(['c.id', 'c.user_id', 'c.role', 'c.sync_token', 'u.timezone', 'u.email', 'k.username'])
    .where('c.id', '=', calendarId)
    .executeTakeFirst();
  if (calendar === undefined) throw new Error(`no remote calendar ${calendarId}`);
  return {
    calendarId: calendar.id,
    userId: calendar.user_id,
    isPrimary: calendar.role === 'primary',
    zone: calendar.timezone,
    selfEmails: selfEmails([calendar.email, calendar.username]),
    token: calendar.sync_token,
  };
}

/** The calendar's per-item status, in href order. */
export async function loadSavedItems(db: Kysely<DB>, calendarId: string): Promise<SavedItem[]> {
  const items = await db
    .selectFrom('remote_items')
    .select(['href', 'etag', 'content_hash', 'uid', 'kind', 'expanded_until', 'error', 'error_code'])
    .where('remote_calendar_id', '=', calendarId)
    .orderBy('href')
    .execute();
  return items.map(toSavedItem);
}

/** The user's email and the account's username (an Apple ID is an address too), once each, ignoring case. */
function selfEmails(candidates: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of candidates) {
    const email = raw.trim();
    if (!email.includes('@') || seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    out.push(email);
  }
  return out;
}

/** The token, last-synced stamp and warning as stored (for tests and the calendar view). */
export async function loadCalendarSyncStamp(
  db: Kysely<DB>,
  calendarId: string,
): Promise<{ token: string | null; warning: CalendarWarning | null; lastSyncedAt: Date | null }> {
  const row = await db
    .selectFrom('remote_calendars')
    .select(['sync_token', 'sync_warning', 'last_synced_at'])
    .where('id', '=', calendarId)
    .executeTakeFirstOrThrow();
  return { token: row.sync_token, warning: row.sync_warning, lastSyncedAt: row.last_synced_at };
}
