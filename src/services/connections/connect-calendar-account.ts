import { isUniqueViolation } from '../../store/pg-errors.ts';
import { AppError } from '../app-error.ts';
import type { Actor } from '../context.ts';
import { accountCredentials, type ConnectAccountInput } from './account-credentials.ts';
import type { ConnectionContext } from './connection-context.ts';
import { loadConnectionView, type ConnectionView } from './connection-view.ts';
import { discoverCalendars } from './discover-calendars.ts';
import { transportFor } from './open-transport.ts';
import { storeCalendarList } from './store-calendar-list.ts';

export interface ConnectCalendarAccountOptions {
  actor: Actor;
  input: ConnectAccountInput;
}

async function alreadyConnected(ctx: ConnectionContext, actor: Actor, serverUrl: string, username: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('connections')
    .select('id')
    .where('user_id', '=', actor.userId)
    .where('server_url', '=', serverUrl)
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Connects one of the actor's own calendar accounts (SPEC §3). Discovery and listing happen
 * before anything is written: an account Tandem cannot read is never stored, and a failure leaves
 * no row behind. Then the connection (secret encrypted) and every listed calendar are stored in
 * one transaction; no calendar is configured yet, so nothing syncs until the user picks some.
 */
export async function connectCalendarAccount(ctx: ConnectionContext, options: ConnectCalendarAccountOptions): Promise<ConnectionView> {
  const { actor } = options;
  const account = accountCredentials(ctx.caldav, options.input);
  if (await alreadyConnected(ctx, actor, account.serverUrl, account.username)) throw new AppError('connection_exists');

  const transport = transportFor({
    credentials: { username: account.username, password: account.password },
    provider: account.provider,
    serverUrl: account.serverUrl,
    caldav: ctx.caldav,
    ...(ctx.log && { log: ctx.log }),
  });
  const discovered = await discoverCalendars({ serverUrl: account.serverUrl, provider: account.provider, transport });

  let connectionId: string;
  try {
    connectionId = await ctx.db.transaction().execute(async (trx) => {
      const connection = await trx
        .insertInto('connections')
        .values({
          workspace_id: actor.workspaceId,
          user_id: actor.userId,
          provider: account.provider,
          server_url: account.serverUrl,
          username: account.username,
          secret_ciphertext: ctx.secretBox.encrypt(account.password),
          principal_url: discovered.principalUrl,
          calendar_home_url: discovered.calendarHomeUrl,
          self_addresses: discovered.selfAddresses,
          // The account's calendars were listed just now: the first full sync of a calendar need not
          // list them again before importing (reconcile-calendar-list.ts lists once a day from here).
          calendars_listed_at: ctx.now(),
        })
        .returning(['id', 'workspace_id', 'user_id'])
        .executeTakeFirstOrThrow();
      await storeCalendarList(trx, { connection, calendars: discovered.calendars });
      return connection.id;
    });
  } catch (error) {
    // Two connect requests for the same account raced past the check above.
    if (isUniqueViolation(error, 'connections_one_per_account')) throw new AppError('connection_exists');
    throw error;
  }
  ctx.log?.info({ connectionId, provider: account.provider, calendars: discovered.calendars.length }, 'calendar account connected');
  return loadConnectionView(ctx.db, actor.workspaceId, connectionId);
}
