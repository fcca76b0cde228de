import { assertPublicAddress, type HostLookup } from '../../caldav/address-guard.ts';
import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import '../notifications/notification-errors.ts';
import { loadWebhookEndpoint, newWebhookSecret, type WebhookEndpointView } from './webhook-endpoint-view.ts';
import type { WebhookEvent } from './webhook-events.ts';

export interface WebhookGuard {
  allowPrivateNetworks: boolean;
  lookup?: HostLookup;
}

/** The same SSRF guard as CalDAV: http(s) only, and no private, loopback or metadata address unless allowed. */
export async function checkWebhookUrl(raw: string, guard: WebhookGuard): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('webhook_url_refused', { message: 'That is not a valid URL.' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError('webhook_url_refused', { message: 'A webhook URL must start with https:// (or http://).' });
  if (url.username || url.password)
    throw new AppError('webhook_url_refused', { message: 'Put no user name or password in the URL: deliveries are signed instead.' });
  if (!guard.allowPrivateNetworks) {
    try {
      await assertPublicAddress({ url, ...(guard.lookup && { lookup: guard.lookup }) });
    } catch (error) {
      throw new AppError('webhook_url_refused', {
        message: `That webhook address is not allowed: ${error instanceof Error ? error.message : String(error)}.`,
      });
    }
  }
  return url;
}

/** Adds an endpoint (owners and admins); the secret is in this answer only. */
export async function createWebhookEndpoint(
  ctx: ServiceContext & { secretBox: SecretBox },
  options: { actor: Actor; url: string; events: WebhookEvent[]; guard: WebhookGuard },
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  requireAdmin(options.actor);
  const url = await checkWebhookUrl(options.url, options.guard);
  const secret = newWebhookSecret();
  const row = await ctx.db
    .insertInto('webhook_endpoints')
    .values({
      workspace_id: options.actor.workspaceId,
      url: url.href,
      events: [...new Set(options.events)],
      secret_ciphertext: ctx.secretBox.encrypt(secret),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { endpoint: await loadWebhookEndpoint(ctx.db, options.actor.workspaceId, row.id), secret };
}
