import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';

export interface MessageDeliveryView {
  id: string;
  kind: string;
  recipient: string;
  status: 'pending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  lastError: string | null;
  /** When it is (or was) due: a reminder's planned time. */
  dueAt: string;
  sentAt: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  url: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** A workspace's webhook delivery rows with their endpoint's URL, as webhookDeliveryView reads them; callers narrow and order. */
export function webhookDeliveryRows(db: Kysely<DB>, workspaceId: string) {
  return db
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
    .where('d.workspace_id', '=', workspaceId);
}

export function webhookDeliveryView(row: {
  id: string;
  endpoint_id: string;
  url: string;
  event: string;
  status: WebhookDeliveryView['status'];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  not_before: Date;
  delivered_at: Date | null;
}): WebhookDeliveryView {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    url: row.url,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    nextAttemptAt: row.status === 'pending' ? row.not_before.toISOString() : null,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}

/** What the outside world was told about one appointment, and whether it got there (staff view). */
export async function listAppointmentDeliveries(
  ctx: ServiceContext,
  options: { actor: Actor; appointmentId: string },
): Promise<{ messages: MessageDeliveryView[]; webhooks: WebhookDeliveryView[] }> {
  const { workspaceId } = options.actor;
  const appointment = await ctx.db
    .selectFrom('appointments')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', options.appointmentId)
    .executeTakeFirst();
  if (!appointment) throw new AppError('not_found');
  const [messages, webhooks] = await Promise.all([
    ctx.db
      .selectFrom('messages')
      .select(['id', 'kind', 'recipient_email', 'status', 'attempts', 'last_error', 'not_before', 'sent_at'])
      .where('workspace_id', '=', workspaceId)
      .where('appointment_id', '=', appointment.id)
      .orderBy('created_at')
      .orderBy('not_before')
      .execute(),
    webhookDeliveryRows(ctx.db, workspaceId).where('d.appointment_id', '=', appointment.id).orderBy('d.created_at').execute(),
  ]);
  return {
    messages: messages.map((m) => ({
      id: m.id,
      kind: m.kind,
      recipient: m.recipient_email,
      status: m.status,
      attempts: m.attempts,
      lastError: m.last_error,
      dueAt: m.not_before.toISOString(),
      sentAt: m.sent_at?.toISOString() ?? null,
    })),
    webhooks: webhooks.map(webhookDeliveryView),
  };
}
