import { AppError } from '../app-error.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from '../users/user-view.ts';
import type { BlockedSlotView } from './blocked-slot-view.ts';

export interface CreateBlockedSlotOptions {
  actor: Actor;
  userId: string;
  start: Date;
  end: Date;
  title: string;
}

/** Time off made by hand. It blocks availability and is never written to iCloud (SPEC §5). */
export async function createBlockedSlot(ctx: ServiceContext, options: CreateBlockedSlotOptions): Promise<BlockedSlotView> {
  await loadUserView(ctx.db, options.actor.workspaceId, options.userId);
  requireSelfOrAdmin(options.actor, options.userId);
  if (options.end.getTime() <= options.start.getTime()) throw new AppError('invalid_range');
  const row = await ctx.db
    .insertInto('blocked_slots')
    .values({
      workspace_id: options.actor.workspaceId,
      user_id: options.userId,
      start_at: options.start,
      end_at: options.end,
      title: options.title,
    })
    .returning(['id', 'user_id', 'start_at', 'end_at', 'title'])
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    userId: row.user_id,
    start: row.start_at.toISOString(),
    end: row.end_at.toISOString(),
    title: row.title,
    source: 'manual',
    remoteCalendarId: null,
    allDay: false,
    blocks: true,
  };
}
