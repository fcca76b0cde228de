import type { RemoteCalendarInfo } from '../../caldav/index.ts';
import type { Database } from '../../store/database.ts';

export interface StoreCalendarListOptions {
  connection: { id: string; workspace_id: string; user_id: string };
  calendars: RemoteCalendarInfo[];
}

/**
 * Makes the stored calendars of a connection match a fresh listing: new ones are added (role
 * 'none'), present ones get their current name, colour and rights and keep their role, and unused
 * ones the server no longer lists are deleted. A configured calendar missing from the listing is
 * kept: a listing that glitches (DESIGN §3's "suddenly lists nothing") must not wipe a user's
 * imported events and configuration; if the calendar is really gone, its sync fails with
 * "not found" and says so, and the user can take it out of the configuration. Call inside a transaction.
 *
 * The listing's ctag and sync token are deliberately not stored: those columns record how far the
 * sync engine got, and a token saved here would make it skip the initial import.
 */
export async function storeCalendarList(trx: Database, options: StoreCalendarListOptions): Promise<void> {
  const { connection } = options;
  // A server listing one URL twice must not trip the (connection_id, url) unique constraint.
  const listed = new Map(options.calendars.map((calendar) => [calendar.url, calendar]));
  const existing = await trx
    .selectFrom('remote_calendars')
    .select(['id', 'url', 'role'])
    .where('connection_id', '=', connection.id)
    .execute();
  const existingUrls = new Set(existing.map((row) => row.url));

  const gone = existing.filter((row) => !listed.has(row.url) && row.role === 'none').map((row) => row.id);
  if (gone.length > 0) await trx.deleteFrom('remote_calendars').where('id', 'in', gone).execute();

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
}
