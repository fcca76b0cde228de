import { sql } from 'kysely';
import { DAY_MS } from '../../domain/time.ts';
import type { ConnectionContext } from './connection-context.ts';
import { openTransport } from './open-transport.ts';
import { relistConnection } from './relist-connection.ts';

export interface ReconcileCalendarListOptions {
  /** The calendar about to be synced: its connection is the one listed. */
  calendarId: string;
  /** true: list now (the calendar answered "not found"); false: only when the daily listing is due. */
  force: boolean;
}

/**
 * The daily reconciliation's listing (issue 12.3): before a calendar's daily full sync, its
 * connection's calendars and addresses are listed again, once a day per connection — the claim on
 * `calendars_listed_at` is one conditional UPDATE, so two workers syncing two calendars of one account
 * list it once. Returns whether the calendar itself turned out deleted (then there is nothing to sync).
 * Listing failures are logged and otherwise ignored: the sync that follows reports what is wrong.
 */
export async function reconcileCalendarList(ctx: ConnectionContext, options: ReconcileCalendarListOptions): Promise<{ removed: boolean }> {
  const now = ctx.now();
  const calendar = await ctx.db
    .selectFrom('remote_calendars')
    .select('connection_id')
    .where('id', '=', options.calendarId)
    .executeTakeFirst();
  if (calendar === undefined) return { removed: false };
  const connection = await ctx.db
    .updateTable('connections')
    .set({ calendars_listed_at: now })
    .where('id', '=', calendar.connection_id)
    .where('status', '=', 'active')
    .$if(!options.force, (qb) =>
      qb.where((eb) =>
        eb.or([eb('calendars_listed_at', 'is', null), eb('calendars_listed_at', '<=', sql<Date>`${new Date(now.getTime() - DAY_MS)}`)]),
      ),
    )
    .returningAll()
    .executeTakeFirst();
  if (connection === undefined) return { removed: false };
  try {
    const transport = openTransport({ connection, secretBox: ctx.secretBox, caldav: ctx.caldav, ...(ctx.log && { log: ctx.log }) });
    const report = await relistConnection(ctx.db, { connection, transport, now });
    if (report.removed.length > 0)
      ctx.log?.info({ connectionId: connection.id, removed: report.removed }, 'calendars deleted on the server');
    return { removed: report.removed.includes(options.calendarId) };
  } catch (error) {
    ctx.log?.info({ connectionId: connection.id, err: error instanceof Error ? error.message : String(error) }, 'calendar listing failed');
    return { removed: false };
  }
}
