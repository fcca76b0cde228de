import { calendarIsGone, listCalendars, readSelfAddresses, type CalDavTransport } from '../../caldav/index.ts';
import type { Database } from '../../store/database.ts';
import type { ConnectionRow } from './connection-access.ts';
import { storeCalendarList } from './store-calendar-list.ts';

export interface RelistConnectionOptions {
  connection: Pick<ConnectionRow, 'id' | 'workspace_id' | 'user_id' | 'principal_url' | 'calendar_home_url' | 'self_addresses'>;
  transport: CalDavTransport;
  now: Date;
}

export interface RelistReport {
  /** Calendars the listing no longer shows whose own URL answers 404: marked deleted. */
  removed: string[];
  /** The account's addresses changed: its events were queued to be read again. */
  addressesChanged: boolean;
}

/**
 * Lists an account's calendars and addresses again and stores what changed (issue 12.3): new
 * calendars appear (not configured), renamed or recoloured ones update, and calendars deleted on the
 * server are marked and stop syncing (storeCalendarList). Used by "Refresh" in Settings → Calendars
 * and by the daily reconciliation. CalDAV errors propagate to the caller, which knows whom to tell.
 */
export async function relistConnection(db: Database, options: RelistConnectionOptions): Promise<RelistReport> {
  const { connection, transport, now } = options;
  const calendars = await listCalendars({ calendarHomeUrl: connection.calendar_home_url, transport });
  const addresses = await readSelfAddresses({ principalUrl: connection.principal_url, transport });
  const listed = new Set(calendars.map((calendar) => calendar.url));
  const missing = await db
    .selectFrom('remote_calendars')
    .select(['id', 'url'])
    .where('connection_id', '=', connection.id)
    .where('removed_at', 'is', null)
    .execute();
  // Asked one by one, and only for calendars the listing left out: usually none.
  const gone: string[] = [];
  for (const calendar of missing.filter((row) => !listed.has(row.url))) {
    if (await calendarIsGone({ url: calendar.url, transport })) gone.push(calendar.url);
  }
  const addressesChanged = !sameSet(addresses, connection.self_addresses);
  const removed = await db.transaction().execute(async (trx) => {
    const marked = await storeCalendarList(trx, { connection, calendars, gone, now });
    if (addressesChanged) await rememberAddresses(trx, connection.id, addresses, now);
    return marked;
  });
  return { removed, addressesChanged };
}

/**
 * New addresses change which events are invitations to the account (or declined by it): every event
 * of its configured calendars is read again by the next sync (a full one, with no etag to match).
 */
async function rememberAddresses(trx: Database, connectionId: string, addresses: string[], now: Date): Promise<void> {
  await trx.updateTable('connections').set({ self_addresses: addresses }).where('id', '=', connectionId).execute();
  const calendars = trx.selectFrom('remote_calendars').select('id').where('connection_id', '=', connectionId).where('role', '!=', 'none');
  await trx.updateTable('remote_items').set({ etag: null, content_hash: null }).where('remote_calendar_id', 'in', calendars).execute();
  await trx
    .updateTable('remote_calendars')
    .set({ last_full_sync_at: null, next_sync_at: now })
    .where('connection_id', '=', connectionId)
    .where('role', '!=', 'none')
    .execute();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((value) => left.has(value));
}
