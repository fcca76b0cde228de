import { sql, type QueryCreator } from 'kysely';
import type { DB } from '../../store/schema.ts';
import type { WebhookEvent } from './webhook-events.ts';

/**
 * Queues one delivery per active endpoint of the workspace that subscribed to the event, in the
 * caller's transaction: the change and the promise to announce it commit or vanish together.
 * The payload follows Standard Webhooks' shape: `{ type, timestamp, data }`. The delivery row's id
 * is the `webhook-id`, the same on every retry, so receivers can drop duplicates.
 */
export async function recordWebhookEvent(
  /** The caller's transaction, or a `with` of it whose CTEs run in the same statement. */
  trx: Pick<QueryCreator<DB>, 'insertInto'>,
  event: { workspaceId: string; type: WebhookEvent; appointmentId: string | null; data: Record<string, unknown>; now: Date },
): Promise<number> {
  // One statement (insert … select): it runs in every booking's transaction (issue 13.4).
  const payload = webhookPayload(event);
  const result = await trx
    .insertInto('webhook_deliveries')
    .columns(['workspace_id', 'endpoint_id', 'appointment_id', 'event', 'payload', 'not_before'])
    .expression((eb) =>
      eb
        .selectFrom('webhook_endpoints')
        .select([
          'workspace_id',
          'id',
          sql<string | null>`${event.appointmentId}::uuid`.as('appointment_id'),
          sql<string>`${event.type}`.as('event'),
          sql<string>`${payload}::jsonb`.as('payload'),
          sql<Date>`${event.now}::timestamptz`.as('not_before'),
        ])
        .where('workspace_id', '=', event.workspaceId)
        .where('status', '=', 'active')
        .where(sql<boolean>`${event.type} = any(events)`),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/**
 * The payload of an event, as JSON text: Standard Webhooks' `{ type, timestamp, data }`. A new
 * booking's own statement (insert-booking.ts) fans it out with the same subscription rule as above.
 */
export function webhookPayload(event: { type: WebhookEvent; data: Record<string, unknown>; now: Date }): string {
  return JSON.stringify({ type: event.type, timestamp: event.now.toISOString(), data: event.data });
}
