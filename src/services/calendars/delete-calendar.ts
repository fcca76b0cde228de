import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadCalendarView } from './calendar-view.ts';

/**
 * Deletes a booking calendar that has no upcoming confirmed appointments. Deleting one with
 * bookings would drop them silently (no client told, no iCloud event removed): cancel them first.
 */
export async function deleteCalendar(ctx: ServiceContext, options: { actor: Actor; calendarId: string }): Promise<void> {
  await loadCalendarView(ctx.db, options.actor.workspaceId, options.calendarId);
  requireAdmin(options.actor);
  await ctx.db.transaction().execute(async (trx) => {
    const upcoming = await trx
      .selectFrom('appointments')
      .select('id')
      .where('calendar_id', '=', options.calendarId)
      .where('status', '=', 'confirmed')
      .where('end_at', '>', ctx.now())
      .limit(1)
      .executeTakeFirst();
    if (upcoming) throw new AppError('calendar_has_appointments');
    await trx
      .deleteFrom('booking_calendars')
      .where('workspace_id', '=', options.actor.workspaceId)
      .where('id', '=', options.calendarId)
      .execute();
  });
}
