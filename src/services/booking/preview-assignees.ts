import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadSlotQuery } from '../availability/load-slot-query.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import type { ServiceContext } from '../context.ts';
import { checkBookable } from './check-bookable.ts';
import { chooseAssignees } from './choose-assignees.ts';

export interface PreviewAssigneesOptions {
  workspaceId: string;
  calendarId: string;
  start: Date;
  serviceId: string | null;
  importedBusy: ImportedBusySource;
}

export interface AssigneePreview {
  start: string;
  end: string;
  assignees: Array<{ userId: string; name: string }>;
}

/**
 * Who a booking at `start` would go to right now, by the same choice booking makes (Round Robin
 * may pick another member than the one whose week staff is looking at). A preview: a booking
 * made a moment later may see another state; the booking's answer is the truth.
 */
export async function previewAssignees(ctx: ServiceContext, options: PreviewAssigneesOptions): Promise<AssigneePreview> {
  const calendar = await loadCalendarView(ctx.db, options.workspaceId, options.calendarId);
  const start = options.start.getTime();
  const now = ctx.now();
  const query = await loadSlotQuery(ctx.db, {
    calendar,
    serviceId: options.serviceId,
    range: { start, end: start + 1 },
    now,
    importedBusy: options.importedBusy,
  });
  const slot = checkBookable(query, start);
  const sessionBased = calendar.type === 'class' || calendar.type === 'event';
  const userIds = sessionBased ? [slot.userIds[0]!] : await chooseAssignees(ctx.db, calendar, query, slot, now);
  const users = await ctx.db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('workspace_id', '=', options.workspaceId)
    .where('id', 'in', userIds)
    .execute();
  return {
    start: new Date(start).toISOString(),
    end: new Date(slot.end).toISOString(),
    assignees: userIds.map((userId) => ({ userId, name: users.find((u) => u.id === userId)?.name ?? userId })),
  };
}
