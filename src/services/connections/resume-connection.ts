import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { requeueFailedOutbox } from '../../store/sync-store/outbox.ts';

/**
 * A connection that needed reconnecting works again (a new password, or Refresh found the old one
 * accepted): its configured calendars, failing until now, are due at once with their backoff
 * forgotten, and the appointment writes parked while access was refused (dispatch-outbox.ts) are
 * due again. Call in the transaction that marks the connection active.
 */
export async function resumeConnection(trx: Kysely<DB>, connection: { id: string; user_id: string }, now: Date): Promise<void> {
  await trx
    .updateTable('remote_calendars')
    .set({ next_sync_at: now, failures: 0 })
    .where('connection_id', '=', connection.id)
    .where('role', '!=', 'none')
    .execute();
  await requeueFailedOutbox(trx, connection.user_id, now);
}
