import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { webhookDeliveryView, type WebhookDeliveryView } from '../notifications/list-appointment-deliveries.ts';
import { loadWebhookEndpoint } from './webhook-endpoint-view.ts';

/** The delivery log of one endpoint, newest first. */
export async function listWebhookDeliveries(
  ctx: ServiceContext,
  options: { actor: Actor; id: string; limit?: number },
): Promise<WebhookDeliveryView[]> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  const rows = await ctx.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'e.url',
      'd.event',
      'd.status',
      'd.attempts',
      'd.last_status_code',
      'd.last_error',
      'd.created_at',
      'd.not_before',
      'd.delivered_at',
    ])
    .where('d.workspace_id', '=', options.actor.workspaceId)
    .where('d.endpoint_id', '=', endpoint.id)
    .orderBy('d.created_at', 'desc')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map(webhookDeliveryView);
}
