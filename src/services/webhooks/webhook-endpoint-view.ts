import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: string[];
  status: 'active' | 'disabled';
  /** Why it was disabled (sustained failure), shown in the settings screen. */
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
}

/** Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. Shown once, stored encrypted (signing needs it). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export async function loadWebhookEndpoints(db: Kysely<DB>, workspaceId: string, id?: string): Promise<WebhookEndpointView[]> {
  let query = db
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'events', 'status', 'disabled_reason', 'failing_since', 'created_at'])
    .where('workspace_id', '=', workspaceId);
  if (id !== undefined) query = query.where('id', '=', id);
  const rows = await query.orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    events: r.events,
    status: r.status,
    disabledReason: r.disabled_reason,
    failingSince: r.failing_since?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadWebhookEndpoint(db: Kysely<DB>, workspaceId: string, id: string): Promise<WebhookEndpointView> {
  const [view] = UUID.test(id) ? await loadWebhookEndpoints(db, workspaceId, id) : [];
  if (!view) throw new AppError('not_found');
  return view;
}
