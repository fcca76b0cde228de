import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Where Tandem met the refused credentials, as the owner's e-mail and the `connection.needs_reconnect`
 * webhook say it — provider-neutral (the provider is stated beside it): the interactive "Refresh" of
 * the calendar list, a sync of a calendar (scheduler, "Sync now", the daily listing before it), or the
 * outbox dispatcher writing an appointment to the calendar.
 */
export type ReconnectCause = 'calendar_list_refresh' | 'calendar_sync' | 'calendar_push';

export interface ReconnectNotice {
  connectionId: string;
  now: Date;
  error: { code: string; message: string };
  cause: ReconnectCause;
}

/**
 * Tells a connection's owner (e-mail, webhooks) it needs reconnecting, inside the transaction that
 * marks it. services/notifications implements it (`recordConnectionNotice`); the composition root
 * passes it in, so store/ knows no services/.
 */
export type RecordConnectionNotice = (trx: Kysely<DB>, notice: ReconnectNotice) => Promise<unknown>;

/**
 * Marks the connection "needs reconnect" with the error that says why, and tells its owner — once
 * per transition (the notice is written only while the row it locks is still active). Every path
 * that meets refused credentials comes here, in its own transaction.
 */
export async function markNeedsReconnect(trx: Kysely<DB>, notice: ReconnectNotice, recordNotice: RecordConnectionNotice): Promise<void> {
  await recordNotice(trx, notice);
  await trx
    .updateTable('connections')
    .set({
      status: 'needs_reconnect',
      last_error_code: notice.error.code,
      last_error_message: notice.error.message,
      updated_at: notice.now,
    })
    .where('id', '=', notice.connectionId)
    .execute();
}
