import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadWebhookEndpoints, type WebhookEndpointView } from './webhook-endpoint-view.ts';

/** The workspace's endpoints (owners and admins): never their secrets. */
export async function listWebhookEndpoints(ctx: ServiceContext, options: { actor: Actor }): Promise<WebhookEndpointView[]> {
  requireAdmin(options.actor);
  return loadWebhookEndpoints(ctx.db, options.actor.workspaceId);
}
