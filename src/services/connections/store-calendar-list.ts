import type { RemoteCalendarInfo } from '../../caldav/index.ts';
import type { Database } from '../../store/database.ts';

export interface StoreCalendarListOptions {
  connection: { id: string; workspace_id: string; user_id: string };
  calendars: RemoteCalendarInfo[];
  /** URLs of calendars the listing left out that answered 404 themselves: deleted on the server. */
  gone?: readonly string[];
  now?: Date;
}

/** Shown greyed out in Settings → Calendars, and refused as primary or conflict calendar. */
export const REMOVED_REASON = 'deleted in the calendar app (or on the server)';

/**
 * Makes the stored calendars of a connection match a fresh listing: new ones are added (role
 * 'none'), present ones get their current name, colour and rights and keep their role, and unused
 * ones the server no longer lists are deleted. A configured calendar missing from the listing is
 * kept unless its own URL answered 404 (`gone`): a listing that glitches (DESIGN §3's "suddenly
 * lists nothing") must not wipe a user's imported events and configuration. A gone one is marked
 * removed (issue 12.3): out of the configuration, no longer synced, its imported events dropped;
 * appointments stay, and the outbox writes them to whichever calendar the user makes primary next.
 * Returns the ids marked removed. Call inside a transaction.
 *
 * The listing's ctag and sync token are deliberately not stored: those columns record how far the
 * sync engine got, and a token saved here would make it skip the initial import.
 */
export async function storeCalendarList(trx: Database, options: StoreCalendarListOptions): Promise<string[]> {
  const { connection } = options;
  // A server listing one URL twice must not trip the (connection_id, url) unique constraint.
  const listed = new Map(options.calendars.map((calendar) => [calendar.url, calendar]));
  const existing = await trx
    .selectFrom('remote_calendars')
    .select(['id', 'url', 'role', 'removed_at'])
    .where('connection_id', '=', connection.id)
    .execute();
  const existingUrls = new Set(existing.map((row) => row.url));

  const unused = existing.filter((row) => !listed.has(row.url) && row.role === 'none' && row.removed_at === null).map((row) => row.id);
  if (unused.length > 0) await trx.deleteFrom('remote_calendars').where('id', 'in', unused).execute();
  const goneUrls = new Set(options.gone ?? []);
  const removed = existing.filter((row) => !listed.has(row.url) && row.role !== 'none' && goneUrls.has(row.url)).map((row) => row.id);
  if (removed.length > 0) await markRemoved(trx, removed, options.now ?? new Date());

  for (const calendar of listed.values()) {
    const described = {
      display_name: calendar.displayName,
      color: calendar.color,
      components: calendar.components,
      writable: calendar.writable,
      subscribed: calendar.subscribed,
      connectable: calendar.connectable,
      not_connectable_reason: calendar.notConnectableReason,
      server_transparent: calendar.transparent,
      // Listed again (restored from a backup, or the listing glitched before): usable again.
      removed_at: null,
    };
    if (existingUrls.has(calendar.url)) {
      await trx
        .updateTable('remote_calendars')
        .set(described)
        .where('connection_id', '=', connection.id)
        .where('url', '=', calendar.url)
        .execute();
    } else {
      await trx
        .insertInto('remote_calendars')
        .values({
          ...described,
          workspace_id: connection.workspace_id,
          connection_id: connection.id,
          user_id: connection.user_id,
          url: calendar.url,
        })
        .execute();
    }
  }
  return removed;
}

async function markRemoved(trx: Database, ids: string[], now: Date): Promise<void> {
  // Its events no longer exist anywhere: no busy time, no mirrors of our appointments.
  await trx.deleteFrom('remote_items').where('remote_calendar_id', 'in', ids).execute();
  await trx
    .updateTable('remote_calendars')
    .set({
      removed_at: now,
      role: 'none',
      connectable: false,
      not_connectable_reason: REMOVED_REASON,
      sync_token: null,
      ctag: null,
      next_sync_at: null,
      failures: 0,
      import_total: null,
      import_done: null,
    })
    .where('id', 'in', ids)
    .execute();
}
