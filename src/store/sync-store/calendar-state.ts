import type { Kysely } from 'kysely';
import type { SavedItem } from '../../domain/sync/types.ts';
import type { CalendarSyncState, CalendarWarning } from '../../domain/sync/ports.ts';
import type { DB } from '../schema.ts';
import { toSavedItem } from './rows.ts';
import { selfAddresses } from '../../domain/invitations.ts';

/**
 * What inbound sync starts from: the calendar's owner, role, zone, the user's own addresses (to
 * recognise "declined by me" and invitations to them: the principal's calendar-user-address-set,
 * their e-mail and the account's username), the saved token and the user's "it really is empty". The per-item status is loadSavedItems, read
 * only when a run needs it.
 */
export async function loadCalendarState(db: Kysely<DB>, calendarId: string): Promise<CalendarSyncState> {
  const calendar = await db
    .selectFrom('remote_calendars as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .innerJoin('connections as k', 'k.id', 'c.connection_id')
    .select([
      'c.id',
      'c.user_id',
      'c.role',
      'c.sync_token',
      'c.allow_empty_once',
      'u.timezone',
      'u.email',
      'k.username',
      'k.self_addresses',
    ])
    .where('c.id', '=', calendarId)
    .executeTakeFirst();
  if (calendar === undefined) throw new Error(`no remote calendar ${calendarId}`);
  return {
    calendarId: calendar.id,
    userId: calendar.user_id,
    isPrimary: calendar.role === 'primary',
    zone: calendar.timezone,
    selfEmails: selfAddresses([...calendar.self_addresses, calendar.email, calendar.username]),
    token: calendar.sync_token,
    allowEmptyOnce: calendar.allow_empty_once,
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
