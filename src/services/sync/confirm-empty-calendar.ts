import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { getSyncStatus, type CalendarSyncStatus } from './get-sync-status.ts';

/**
 * The answer to the empty-calendar warning: the calendar really is empty. The next sync may then
 * remove its imported events once (allow_empty_once); the caller starts that sync.
 */
export async function confirmEmptyCalendar(
  ctx: ServiceContext,
  options: { actor: Actor; calendarId: string },
): Promise<CalendarSyncStatus> {
  const [status] = await getSyncStatus(ctx, { actor: options.actor, calendarId: options.calendarId });
  if (!status) throw new AppError('not_found', { message: 'No configured calendar of yours has that id.' });
  await ctx.db.updateTable('remote_calendars').set({ allow_empty_once: true }).where('id', '=', status.calendarId).execute();
  return status;
}
