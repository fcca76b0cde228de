import { sql, type Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import type { WebhookEvent } from './webhook-events.ts';

/**
 * Queues one delivery per active endpoint of the workspace that subscribed to the event, in the
 * caller's transaction: the change and the promise to announce it commit or vanish together.
 * The payload follows Standard Webhooks' shape: `{ type, timestamp, data }`. The delivery row's id
 * is the `webhook-id`, the same on every retry, so receivers can drop duplicates.
 */
export async function recordWebhookEvent(
  trx: Kysely<DB>,
  event: { workspaceId: string; type: WebhookEvent; appointmentId: string | null; data: Record<string, unknown>; now: Date },
): Promise<number> {
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('workspace_id', '=', event.workspaceId)
    .where('status', '=', 'active')
    .where(sql<boolean>`${event.type} = any(events)`)
    .execute();
  if (endpoints.length === 0) return 0;
  const payload = JSON.stringify({ type: event.type, timestamp: event.now.toISOString(), data: event.data });
  await trx
    .insertInto('webhook_deliveries')
    .values(
      endpoints.map((e) => ({
        workspace_id: event.workspaceId,
        endpoint_id: e.id,
        appointment_id: event.appointmentId,
        event: event.type,
        payload,
        not_before: event.now,
      })),
    )
    .execute();
  return endpoints.length;
}
