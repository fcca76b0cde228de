import { CalDavError } from '../../caldav/index.ts';
import { actionFor } from '../../caldav/providers/classify-failure.ts';
import { markNeedsReconnect } from '../../store/mark-needs-reconnect.ts';
import { AppError } from '../app-error.ts';
import type { Actor } from '../context.ts';
import { recordConnectionNotice } from '../notifications/record-connection-notice.ts';
import { SecretBoxError } from '../secrets/secret-box.ts';
import { loadAccessibleConnection, type ConnectionRow } from './connection-access.ts';
import type { ConnectionContext } from './connection-context.ts';
import { connectionErrorFrom } from './connection-errors.ts';
import { loadConnectionView, type ConnectionView } from './connection-view.ts';
import { openTransport } from './open-transport.ts';
import { relistConnection } from './relist-connection.ts';
import { resumeConnection } from './resume-connection.ts';

export interface RefreshConnectionCalendarsOptions {
  actor: Actor;
  connectionId: string;
}

async function recordFailure(ctx: ConnectionContext, connection: ConnectionRow, failure: AppError, needsReconnect: boolean): Promise<void> {
  const now = ctx.now();
  const error = { code: failure.code, message: failure.message };
  await ctx.db.transaction().execute(async (trx) => {
    // The owner hears of it by e-mail and webhook as from the scheduler's sync: once per transition
    // into "needs reconnect", whichever path saw the refusal first (issue 11).
    if (needsReconnect) {
      await markNeedsReconnect(trx, { connectionId: connection.id, now, error, cause: 'calendar_list_refresh' }, recordConnectionNotice);
      return;
    }
    await trx
      .updateTable('connections')
      .set({ last_error_code: error.code, last_error_message: error.message, updated_at: now })
      .where('id', '=', connection.id)
      .execute();
  });
}

/**
 * "Refresh" in Settings → Calendars: lists the account's calendars and addresses again
 * (relistConnection: new calendars appear, renamed ones update, deleted ones are marked and stop
 * syncing). A failure is recorded on the
 * connection — as "needs reconnect" when the password was refused, which tells its owner — and reported.
 */
export async function refreshConnectionCalendars(
  ctx: ConnectionContext,
  options: RefreshConnectionCalendarsOptions,
): Promise<ConnectionView> {
  const connection = await loadAccessibleConnection(ctx.db, options.actor, options.connectionId, 'manage');
  try {
    const transport = openTransport({ connection, secretBox: ctx.secretBox, caldav: ctx.caldav, log: ctx.log });
    await relistConnection(ctx.db, { connection, transport, now: ctx.now() });
  } catch (error) {
    if (error instanceof SecretBoxError) {
      const failure = new AppError('connection_secret_unreadable', { cause: error });
      await recordFailure(ctx, connection, failure, true);
      throw failure;
    }
    if (!(error instanceof CalDavError)) throw error;
    const failure = connectionErrorFrom(error, connection.provider);
    // The one classifier (decision 0009) says whether only new credentials help.
    await recordFailure(ctx, connection, failure, actionFor(error.kind) === 'reconnect');
    throw failure;
  }

  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('connections').select('status').where('id', '=', connection.id).forUpdate().executeTakeFirst();
    await trx
      .updateTable('connections')
      .set({ status: 'active', last_error_code: null, last_error_message: null, updated_at: now, calendars_listed_at: now })
      .where('id', '=', connection.id)
      .execute();
    // The stored password is accepted again: whatever waited for a reconnect goes ahead.
    if (before?.status === 'needs_reconnect') await resumeConnection(trx, connection, now);
  });
  return loadConnectionView(ctx.db, options.actor.workspaceId, connection.id);
}
