import type { Kysely } from 'kysely';
import type { ReconnectNotice } from '../../store/mark-needs-reconnect.ts';
import type { DB } from '../../store/schema.ts';
import { recordWebhookEvent } from '../webhooks/record-webhook-event.ts';
import type { MessageContent } from './message-content.ts';

/**
 * A connection is about to be marked "needs reconnect": tell its owner by e-mail and the workspace's
 * webhooks — once per transition, not on every refused poll. Call in the transaction that marks it,
 * before the update, so "was it active until now?" is read from the row being changed.
 */
export async function recordConnectionNotice(trx: Kysely<DB>, notice: ReconnectNotice): Promise<boolean> {
  const connection = await trx
    .selectFrom('connections as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select(['c.id', 'c.workspace_id', 'c.status', 'c.provider', 'c.username', 'u.id as user_id', 'u.name', 'u.email', 'u.timezone'])
    .where('c.id', '=', notice.connectionId)
    .forUpdate('c')
    .executeTakeFirst();
  if (!connection || connection.status !== 'active') return false;
  const content: MessageContent = {
    connection: { id: connection.id, username: connection.username, provider: connection.provider, cause: notice.cause },
  };
  await trx
    .insertInto('messages')
    .values({
      workspace_id: connection.workspace_id,
      user_id: connection.user_id,
      kind: 'staff_needs_reconnect',
      recipient_email: connection.email,
      recipient_name: connection.name,
      recipient_zone: connection.timezone,
      content: JSON.stringify(content),
      not_before: notice.now,
    })
    .execute();
  await recordWebhookEvent(trx, {
    workspaceId: connection.workspace_id,
    type: 'connection.needs_reconnect',
    appointmentId: null,
    now: notice.now,
    data: {
      connection: { id: connection.id, provider: connection.provider, username: connection.username, userId: connection.user_id },
      error: notice.error,
      cause: notice.cause,
    },
  });
  return true;
}
