import type { Actor, ServiceContext } from '../context.ts';
import { loadNotificationSettings, type NotificationSettings } from './notification-settings.ts';
import { requireCalendar } from './update-notification-settings.ts';

/** A calendar's message switches, reminder offsets and client deadline (defaults when never set). */
export async function getNotificationSettings(
  ctx: ServiceContext,
  options: { actor: Actor; calendarId: string },
): Promise<NotificationSettings> {
  await requireCalendar(ctx, options.actor, options.calendarId);
  return loadNotificationSettings(ctx.db, options.actor.workspaceId, options.calendarId);
}
