import { isValidTimeZone, type WeeklyHours } from '../../domain/schedule.ts';
import type { InvitationPolicy } from '../../domain/invitations.ts';
import { AppError } from '../app-error.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView, type UserView } from './user-view.ts';

export interface UpdateUserOptions {
  actor: Actor;
  userId: string;
  name?: string;
  timezone?: string;
  weeklyHours?: WeeklyHours;
  /** Read when busy time is read (store/calendar-blocks.ts), so a change applies to every slot at once. */
  invitationPolicy?: InvitationPolicy;
}

export async function updateUser(ctx: ServiceContext, options: UpdateUserOptions): Promise<UserView> {
  await loadUserView(ctx.db, options.actor.workspaceId, options.userId); // 404 before 403: no probing other workspaces
  requireSelfOrAdmin(options.actor, options.userId);
  if (options.timezone !== undefined && !isValidTimeZone(options.timezone)) throw new AppError('invalid_timezone');
  const changes = {
    ...(options.name !== undefined && { name: options.name }),
    ...(options.timezone !== undefined && { timezone: options.timezone }),
    ...(options.weeklyHours !== undefined && { weekly_hours: JSON.stringify(options.weeklyHours) }),
    ...(options.invitationPolicy !== undefined && { invitation_policy: options.invitationPolicy }),
  };
  if (Object.keys(changes).length > 0) {
    await ctx.db
      .updateTable('users')
      .set(changes)
      .where('workspace_id', '=', options.actor.workspaceId)
      .where('id', '=', options.userId)
      .execute();
  }
  return loadUserView(ctx.db, options.actor.workspaceId, options.userId);
}
