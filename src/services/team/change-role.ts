import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView, type UserView } from '../users/user-view.ts';
import './team-errors.ts';

/** Makes a team member an admin or a plain member. The owner stays owner (there is one per workspace). */
export async function changeRole(
  ctx: ServiceContext,
  options: { actor: Actor; userId: string; role: 'admin' | 'member' },
): Promise<UserView> {
  const user = await loadUserView(ctx.db, options.actor.workspaceId, options.userId);
  requireAdmin(options.actor);
  if (user.role === 'owner') throw new AppError('owner_role_fixed');
  await ctx.db
    .updateTable('users')
    .set({ role: options.role })
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('id', '=', options.userId)
    .execute();
  return loadUserView(ctx.db, options.actor.workspaceId, options.userId);
}
