import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { loadWebhookEndpoint, newWebhookSecret, type WebhookEndpointView } from './webhook-endpoint-view.ts';

/** A new secret, shown once; the old one stops signing at once (deliveries still queued use the new one). */
export async function rotateWebhookSecret(
  ctx: ServiceContext & { secretBox: SecretBox },
  options: { actor: Actor; id: string },
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  requireAdmin(options.actor);
  const endpoint = await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, options.id);
  const secret = newWebhookSecret();
  await ctx.db
    .updateTable('webhook_endpoints')
    .set({ secret_ciphertext: ctx.secretBox.encrypt(secret), updated_at: ctx.now() })
    .where('id', '=', endpoint.id)
    .execute();
  return { endpoint, secret };
}
