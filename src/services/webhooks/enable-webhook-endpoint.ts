import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadWebhookEndpoint, type WebhookEndpointView } from './webhook-endpoint-view.ts';

/** Enables a disabled endpoint again (after it was fixed); its failure clock starts afresh. */
export async function enableWebhookEndpoint(ctx: ServiceContext, options: { actor: Actor; id: string }): Promise<WebhookEndpointView> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  await ctx.db
    .updateTable('webhook_endpoints')
    .set({ status: 'active', disabled_reason: null, failing_since: null, updated_at: ctx.now() })
    .where('id', '=', endpoint.id)
    .execute();
  return loadWebhookEndpoint(ctx.db, options.actor.workspaceId, endpoint.id);
}
