import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { webhookDeliveryRows, webhookDeliveryView, type WebhookDeliveryView } from '../notifications/list-appointment-deliveries.ts';
import { loadWebhookEndpoint } from './webhook-endpoint-view.ts';

/** The delivery log of one endpoint, newest first. */
export async function listWebhookDeliveries(
  ctx: ServiceContext,
  options: { actor: Actor; id: string; limit?: number },
): Promise<WebhookDeliveryView[]> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  const rows = await webhookDeliveryRows(ctx.db, options.actor.workspaceId)
    .where('d.endpoint_id', '=', endpoint.id)
    .orderBy('d.created_at', 'desc')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map(webhookDeliveryView);
}
