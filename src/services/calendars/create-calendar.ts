import { isUniqueViolation } from '../../store/pg-errors.ts';
import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { calendarColumns, checkCalendarInput, checkMembersBelong, writeMembersAndServices, type CalendarInput } from './calendar-input.ts';
import { loadCalendarView, type CalendarView } from './calendar-view.ts';

export interface CreateCalendarOptions {
  actor: Actor;
  input: CalendarInput;
}

export async function createCalendar(ctx: ServiceContext, options: CreateCalendarOptions): Promise<CalendarView> {
  requireAdmin(options.actor);
  checkCalendarInput(options.input);
  const workspaceId = options.actor.workspaceId;
  try {
    const id = await ctx.db.transaction().execute(async (trx) => {
      await checkMembersBelong(
        trx,
        workspaceId,
        options.input.members.map((m) => m.userId),
      );
      const row = await trx
        .insertInto('booking_calendars')
        .values({ workspace_id: workspaceId, ...calendarColumns(options.input) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeMembersAndServices(trx, workspaceId, row.id, options.input);
      return row.id;
    });
    return loadCalendarView(ctx.db, workspaceId, id);
  } catch (error) {
    if (isUniqueViolation(error, 'booking_calendars_workspace_id_slug_key')) throw new AppError('slug_taken');
    throw error;
  }
}
