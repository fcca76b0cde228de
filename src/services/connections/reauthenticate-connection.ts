import type { Actor } from '../context.ts';
import { checkedPassword } from './account-credentials.ts';
import { loadAccessibleConnection } from './connection-access.ts';
import type { ConnectionContext } from './connection-context.ts';
import { loadConnectionView, type ConnectionView } from './connection-view.ts';
import { discoverCalendars } from './discover-calendars.ts';
import { resumeConnection } from './resume-connection.ts';
import { transportFor } from './open-transport.ts';
import { storeCalendarList } from './store-calendar-list.ts';

export interface ReauthenticateConnectionOptions {
  actor: Actor;
  connectionId: string;
  /** The new (app-specific) password. */
  password: string;
}

/**
 * A new password for a connection, e.g. after the old app-specific password was revoked. The
 * account is rediscovered with it first; only if that works is the secret replaced, the connection
 * marked active again and its calendar list refreshed (configured calendars keep their role).
 * A failure changes nothing.
 */
export async function reauthenticateConnection(ctx: ConnectionContext, options: ReauthenticateConnectionOptions): Promise<ConnectionView> {
  const connection = await loadAccessibleConnection(ctx.db, options.actor, options.connectionId, 'manage');
  const password = checkedPassword(connection.provider, options.password);
  const transport = transportFor({
    credentials: { username: connection.username, password },
    provider: connection.provider,
    serverUrl: connection.server_url,
    caldav: ctx.caldav,
    ...(ctx.log && { log: ctx.log }),
  });
  const discovered = await discoverCalendars({ serverUrl: connection.server_url, provider: connection.provider, transport });

  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('connections')
      .set({
        secret_ciphertext: ctx.secretBox.encrypt(password),
        principal_url: discovered.principalUrl,
        calendar_home_url: discovered.calendarHomeUrl,
        self_addresses: discovered.selfAddresses,
        status: 'active',
        last_error_code: null,
        last_error_message: null,
        updated_at: ctx.now(),
      })
      .where('id', '=', connection.id)
      .execute();
    await storeCalendarList(trx, { connection, calendars: discovered.calendars });
    await resumeConnection(trx, connection, ctx.now());
  });
  ctx.log?.info({ connectionId: connection.id }, 'calendar account reauthenticated');
  return loadConnectionView(ctx.db, options.actor.workspaceId, connection.id);
}
