import type { Actor, ServiceContext } from '../context.ts';
import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import { loadNotificationSettings, type NotificationSettings } from './notification-settings.ts';

/** The calendar must be the actor's workspace's: 404 otherwise, as for any other resource. */
export async function requireCalendar(ctx: ServiceContext, actor: Actor, calendarId: string): Promise<void> {
  const calendar = await ctx.db
    .selectFrom('booking_calendars')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', calendarId)
    .executeTakeFirst();
  if (!calendar) throw new AppError('not_found');
}

/**
 * Changes them (owners and admins). Reminders already queued keep their time; the new offsets apply
 * to appointments booked or moved from now on.
 */
export async function updateNotificationSettings(
  ctx: ServiceContext,
  options: { actor: Actor; calendarId: string; settings: Partial<NotificationSettings> },
): Promise<NotificationSettings> {
  requireAdmin(options.actor);
  await requireCalendar(ctx, options.actor, options.calendarId);
  const next = { ...(await loadNotificationSettings(ctx.db, options.actor.workspaceId, options.calendarId)), ...options.settings };
  const offsets = [...new Set(next.reminderOffsetsMin)].sort((a, b) => b - a);
  const row = {
    client_confirmation: next.clientConfirmation,
    client_rescheduled: next.clientRescheduled,
    client_cancelled: next.clientCancelled,
    client_reminder: next.clientReminder,
    staff_new_booking: next.staffNewBooking,
    staff_client_cancelled: next.staffClientCancelled,
    reminder_offsets_min: offsets,
    client_change_deadline_min: next.clientChangeDeadlineMin,
    updated_at: ctx.now(),
  };
  await ctx.db
    .insertInto('calendar_notification_settings')
    .values({ calendar_id: options.calendarId, workspace_id: options.actor.workspaceId, ...row })
    .onConflict((oc) => oc.column('calendar_id').doUpdateSet(row))
    .execute();
  return loadNotificationSettings(ctx.db, options.actor.workspaceId, options.calendarId);
}
