import { sql, type Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';

export interface PrunedNotifications {
  messages: number;
  webhookDeliveries: number;
}

/**
 * Deletes e-mail and webhook rows that are finished (sent, failed, skipped; delivered, failed) and
 * whose last moment — created, due, sent — is before `olderThan`, so the tables do not grow with every
 * booking forever. Pending rows are never deleted, however old: they are still to be delivered.
 * An appointment's delivery status shows what is left.
 */
export async function pruneNotifications(db: Kysely<DB>, olderThan: Date): Promise<PrunedNotifications> {
  const messages = await db
    .deleteFrom('messages')
    .where('status', '<>', 'pending')
    // created_at first: the partial index finds the candidates; a reminder booked long ago but sent lately stays.
    .where('created_at', '<', olderThan)
    .where(sql<boolean>`greatest(not_before, sent_at) < ${olderThan}`)
    .executeTakeFirst();
  const webhookDeliveries = await db
    .deleteFrom('webhook_deliveries')
    .where('status', '<>', 'pending')
    .where('created_at', '<', olderThan)
    .where(sql<boolean>`greatest(not_before, delivered_at) < ${olderThan}`)
    .executeTakeFirst();
  return { messages: Number(messages.numDeletedRows), webhookDeliveries: Number(webhookDeliveries.numDeletedRows) };
}
