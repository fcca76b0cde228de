import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from '../users/user-view.ts';
import { isUuid } from './connection-access.ts';
import { loadCalendarViews, type RemoteCalendarView } from './connection-view.ts';

export interface SetCalendarBlockingOptions {
  actor: Actor;
  userId: string;
  calendarId: string;
  /** true/false: "events on this calendar block my availability"; null: follow the server's transparency. */
  blocks: boolean | null;
}

/**
 * The per-calendar availability switch (issue 12.1), part of the user's calendar configuration: like
 * the rest of it, only the user themself sets it. Availability reads it at query time, so it takes
 * effect at once, with no resync.
 */
export async function setCalendarBlocking(ctx: ServiceContext, options: SetCalendarBlockingOptions): Promise<RemoteCalendarView> {
  const { actor } = options;
  if (!isUuid(options.userId) || !isUuid(options.calendarId)) throw new AppError('not_found');
  // Someone of another workspace is not found, exactly like someone who does not exist.
  await loadUserView(ctx.db, actor.workspaceId, options.userId);
  if (actor.userId !== options.userId) throw new AppError('forbidden', { message: 'Only the team member can choose their own calendars.' });
  const updated = await ctx.db
    .updateTable('remote_calendars')
    .set({ blocks_availability: options.blocks })
    .where('workspace_id', '=', actor.workspaceId)
    .where('user_id', '=', options.userId)
    .where('id', '=', options.calendarId)
    .returning('id')
    .executeTakeFirst();
  if (!updated) throw new AppError('not_found', { message: 'No calendar of your connected accounts has that id.' });
  const view = (await loadCalendarViews(ctx.db, actor.workspaceId, { userId: options.userId })).find((c) => c.id === options.calendarId);
  if (!view) throw new AppError('not_found');
  return view;
}
