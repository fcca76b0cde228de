import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadWebhookEndpoint } from './webhook-endpoint-view.ts';

/** Removes an endpoint with its delivery log. */
export async function deleteWebhookEndpoint(ctx: ServiceContext, options: { actor: Actor; id: string }): Promise<void> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  await ctx.db
    .deleteFrom('webhook_endpoints')
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('id', '=', endpoint.id)
    .execute();
}
