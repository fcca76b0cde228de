import type { ServiceContext } from '../context.ts';
import { resolveManageToken } from '../booking/resolve-manage-token.ts';
import { loadNotificationSettings } from './notification-settings.ts';

/** What the manage page shows: until when the client may still cancel or reschedule online. */
export async function getClientPolicy(
  ctx: ServiceContext,
  options: { manageToken: string },
): Promise<{ changeDeadline: string | null; canChange: boolean }> {
  const booking = await resolveManageToken(ctx.db, options.manageToken);
  const appointment = await ctx.db
    .selectFrom('appointments')
    .select(['start_at', 'status'])
    .where('id', '=', booking.appointmentId)
    .executeTakeFirstOrThrow();
  const settings = await loadNotificationSettings(ctx.db, booking.workspaceId, booking.calendarId);
  const deadline =
    settings.clientChangeDeadlineMin === null ? null : new Date(appointment.start_at.getTime() - settings.clientChangeDeadlineMin * 60_000);
  const open = appointment.status === 'confirmed' && (deadline === null || ctx.now().getTime() <= deadline.getTime());
  return { changeDeadline: deadline?.toISOString() ?? null, canChange: open };
}
