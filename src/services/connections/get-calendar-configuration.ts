import { AppError } from '../app-error.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from '../users/user-view.ts';
import { loadCalendarConfiguration, type CalendarConfigurationView } from './calendar-configuration-view.ts';
import { isUuid } from './connection-access.ts';

export interface GetCalendarConfigurationOptions {
  actor: Actor;
  userId: string;
}

/** A user's primary and conflict calendars; the user themself, or an owner/admin (read-only). */
export async function getCalendarConfiguration(
  ctx: ServiceContext,
  options: GetCalendarConfigurationOptions,
): Promise<CalendarConfigurationView> {
  if (!isUuid(options.userId)) throw new AppError('not_found');
  await loadUserView(ctx.db, options.actor.workspaceId, options.userId);
  requireSelfOrAdmin(options.actor, options.userId);
  return loadCalendarConfiguration(ctx.db, options.actor.workspaceId, options.userId, ctx.now());
}
