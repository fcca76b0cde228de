import { sql } from 'kysely';
import { calendarBlocksAvailability, invitationAllowsBlocking } from '../../store/calendar-blocks.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { checkRange } from '../check-range.ts';
import type { BlockedSlotView } from './blocked-slot-view.ts';

export interface ListBlockedSlotsOptions {
  actor: Actor;
  from: Date;
  to: Date;
  userId: string | null;
}

/** Manual and imported blocked slots of the workspace's users overlapping a window (max 100 days). */
export async function listBlockedSlots(ctx: ServiceContext, options: ListBlockedSlotsOptions): Promise<BlockedSlotView[]> {
  checkRange(options.from, options.to, 100);
  let manual = ctx.db
    .selectFrom('blocked_slots')
    .select(['id', 'user_id', 'start_at', 'end_at', 'title'])
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('end_at', '>', options.from)
    .where('start_at', '<', options.to);
  // An event of a calendar that does not affect availability (issue 12.1), or an open invitation
  // under a "don't block" policy (12.2), is shown, not blocking.
  let imported = ctx.db
    .selectFrom('imported_occurrences as o')
    .innerJoin('remote_items as r', 'r.id', 'o.remote_item_id')
    .innerJoin('remote_calendars as c', 'c.id', 'r.remote_calendar_id')
    .select([
      'o.id',
      'o.user_id',
      'o.start_at',
      'o.end_at',
      'o.summary',
      'o.all_day',
      sql<boolean>`o.blocks and ${calendarBlocksAvailability('c')} and ${invitationAllowsBlocking('o')}`.as('blocks'),
      'r.remote_calendar_id',
    ])
    .where('o.workspace_id', '=', options.actor.workspaceId)
    .where('o.end_at', '>', options.from)
    .where('o.start_at', '<', options.to);
  if (options.userId) {
    manual = manual.where('user_id', '=', options.userId);
    imported = imported.where('o.user_id', '=', options.userId);
  }
  const [manualRows, importedRows] = await Promise.all([manual.execute(), imported.execute()]);
  const views: BlockedSlotView[] = [
    ...manualRows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      start: r.start_at.toISOString(),
      end: r.end_at.toISOString(),
      title: r.title,
      source: 'manual' as const,
      remoteCalendarId: null,
      allDay: false,
      blocks: true,
    })),
    ...importedRows.map((r) => ({
      id: `imported-${r.id}`,
      userId: r.user_id,
      start: r.start_at.toISOString(),
      end: r.end_at.toISOString(),
      title: r.summary,
      source: 'imported' as const,
      remoteCalendarId: r.remote_calendar_id,
      allDay: r.all_day,
      blocks: r.blocks,
    })),
  ];
  return views.sort((a, b) => a.start.localeCompare(b.start));
}
