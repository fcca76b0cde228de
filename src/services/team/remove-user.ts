import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from '../users/user-view.ts';
import './team-errors.ts';

/**
 * Removes a team member with everything that is only theirs (sessions, tokens, connections, hours).
 * Refused while they still have upcoming appointments (clients must be told first) or sit on a
 * booking calendar (which would silently lose its host or staff).
 */
export async function removeUser(ctx: ServiceContext, options: { actor: Actor; userId: string }): Promise<void> {
  const { workspaceId } = options.actor;
  const user = await loadUserView(ctx.db, workspaceId, options.userId);
  requireAdmin(options.actor);
  if (user.role === 'owner') throw new AppError('owner_role_fixed');
  if (user.id === options.actor.userId) throw new AppError('cannot_remove_self');
  await ctx.db.transaction().execute(async (trx) => {
    const calendars = await trx
      .selectFrom('calendar_members')
      .innerJoin('booking_calendars', 'booking_calendars.id', 'calendar_members.calendar_id')
      .select('booking_calendars.name')
      .where('calendar_members.user_id', '=', user.id)
      .execute();
    if (calendars.length > 0) {
      throw new AppError('user_hosts_calendars', {
        message: `${user.name} is a member of ${calendars.map((c) => `“${c.name}”`).join(', ')}. Take them off those calendars first.`,
      });
    }
    const upcoming = await trx
      .selectFrom('appointment_assignees')
      .innerJoin('appointments', 'appointments.id', 'appointment_assignees.appointment_id')
      .select('appointments.id')
      .where('appointment_assignees.user_id', '=', user.id)
      .where('appointments.status', '=', 'confirmed')
      .where('appointments.end_at', '>', ctx.now())
      .limit(1)
      .executeTakeFirst();
    if (upcoming) throw new AppError('user_has_appointments');
    await trx.deleteFrom('users').where('workspace_id', '=', workspaceId).where('id', '=', user.id).execute();
  });
}
