import type { Actor, ServiceContext } from '../context.ts';
import { loadAccessibleConnection } from './connection-access.ts';

export interface RemoveConnectionOptions {
  actor: Actor;
  connectionId: string;
}

/**
 * Disconnects an account (SPEC §4). One DELETE: the foreign keys cascade to its calendars, their
 * imported items and occurrences (the imported blocked slots) and the links of appointments to
 * events in them — so nothing is written there any more. Appointments are never touched: they
 * belong to the business, not to the calendar account. Nothing is deleted on the remote server.
 */
export async function removeConnection(ctx: ServiceContext, options: RemoveConnectionOptions): Promise<void> {
  const connection = await loadAccessibleConnection(ctx.db, options.actor, options.connectionId, 'manage');
  await ctx.db.deleteFrom('connections').where('workspace_id', '=', options.actor.workspaceId).where('id', '=', connection.id).execute();
}
