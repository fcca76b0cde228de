import type { TimeRange } from '../../domain/schedule.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from './user-view.ts';

export interface SetDateOverrideOptions {
  actor: Actor;
  userId: string;
  date: string;
  ranges: TimeRange[] | null;
}

/** Replaces a user's hours on one local date (`[]` = day off); `null` removes the override. */
export async function setDateOverride(ctx: ServiceContext, options: SetDateOverrideOptions): Promise<void> {
  await loadUserView(ctx.db, options.actor.workspaceId, options.userId);
  requireSelfOrAdmin(options.actor, options.userId);
  if (options.ranges === null) {
    await ctx.db.deleteFrom('date_overrides').where('user_id', '=', options.userId).where('date', '=', options.date).execute();
    return;
  }
  await ctx.db
    .insertInto('date_overrides')
    .values({
      workspace_id: options.actor.workspaceId,
      user_id: options.userId,
      date: options.date,
      ranges: JSON.stringify(options.ranges),
    })
    .onConflict((oc) => oc.columns(['user_id', 'date']).doUpdateSet({ ranges: JSON.stringify(options.ranges) }))
    .execute();
}
