import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadCalendarView } from './calendar-view.ts';

export async function deleteCalendar(ctx: ServiceContext, options: { actor: Actor; calendarId: string }): Promise<void> {
  await loadCalendarView(ctx.db, options.actor.workspaceId, options.calendarId);
  requireAdmin(options.actor);
  await ctx.db.deleteFrom('booking_calendars').where('workspace_id', '=', options.actor.workspaceId).where('id', '=', options.calendarId).execute();
}
