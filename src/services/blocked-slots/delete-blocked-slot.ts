import { AppError } from '../app-error.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';

/** Only manual slots can be deleted here; imported ones follow their iCloud event. */
export async function deleteBlockedSlot(ctx: ServiceContext, options: { actor: Actor; blockedSlotId: string }): Promise<void> {
  const row = await ctx.db
    .selectFrom('blocked_slots')
    .select(['user_id'])
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('id', '=', options.blockedSlotId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found');
  requireSelfOrAdmin(options.actor, row.user_id);
  await ctx.db.deleteFrom('blocked_slots').where('id', '=', options.blockedSlotId).execute();
}
