import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { webhookDeliveryView, type WebhookDeliveryView } from '../notifications/list-appointment-deliveries.ts';
import { loadWebhookEndpoint, loadWebhookEndpoints, newWebhookSecret, type WebhookEndpointView } from './webhook-endpoint-view.ts';

/** The workspace's endpoints (owners and admins): never their secrets. */
export async function listWebhookEndpoints(ctx: ServiceContext, options: { actor: Actor }): Promise<WebhookEndpointView[]> {
  requireAdmin(options.actor);
  return loadWebhookEndpoints(ctx.db, options.actor.workspaceId);
}

/** Removes an endpoint with its delivery log. */
export async function deleteWebhookEndpoint(ctx: ServiceContext, options: { actor: Actor; id: string }): Promise<void> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  await ctx.db.deleteFrom('webhook_endpoints').where('workspace_id', '=', options.actor.workspaceId).where('id', '=', endpoint.id).execute();
}

/** A new secret, shown once; the old one stops signing at once (deliveries still queued use the new one). */
export async function rotateWebhookSecret(ctx: ServiceContext & { secretBox: SecretBox }, options: { actor: Actor; id: string }): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  const secret = newWebhookSecret();
  await ctx.db.updateTable('webhook_endpoints').set({ secret_ciphertext: ctx.secretBox.encrypt(secret), updated_at: ctx.now() }).where('id', '=', endpoint.id).execute();
  return { endpoint, secret };
}

/** Enables a disabled endpoint again (after it was fixed); its failure clock starts afresh. */
export async function enableWebhookEndpoint(ctx: ServiceContext, options: { actor: Actor; id: string }): Promise<WebhookEndpointView> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  await ctx.db.updateTable('webhook_endpoints').set({ status: 'active', disabled_reason: null, failing_since: null, updated_at: ctx.now() }).where('id', '=', endpoint.id).execute();
  return loadWebhookEndpoint(ctx.db, options.actor.workspaceId, endpoint.id);
}

/** The delivery log of one endpoint, newest first. */
export async function listWebhookDeliveries(ctx: ServiceContext, options: { actor: Actor; id: string; limit?: number }): Promise<WebhookDeliveryView[]> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  const rows = await ctx.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'd.endpoint_id', 'e.url', 'd.event', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.created_at', 'd.not_before', 'd.delivered_at'])
    .where('d.workspace_id', '=', options.actor.workspaceId).where('d.endpoint_id', '=', endpoint.id)
    .orderBy('d.created_at', 'desc').limit(options.limit ?? 100).execute();
  return rows.map(webhookDeliveryView);
}
