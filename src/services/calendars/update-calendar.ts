import { isUniqueViolation } from '../../store/pg-errors.ts';
import { AppError } from '../app-error.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { calendarColumns, checkCalendarInput, checkMembersBelong, writeMembersAndServices, type CalendarInput } from './calendar-input.ts';
import { loadCalendarView, type CalendarView } from './calendar-view.ts';

export interface UpdateCalendarOptions {
  actor: Actor;
  calendarId: string;
  input: CalendarInput;
}

/** Replaces a calendar's settings, members and services. Existing appointments are kept as booked. */
export async function updateCalendar(ctx: ServiceContext, options: UpdateCalendarOptions): Promise<CalendarView> {
  const workspaceId = options.actor.workspaceId;
  const current = await loadCalendarView(ctx.db, workspaceId, options.calendarId);
  requireAdmin(options.actor);
  if (current.type !== options.input.type)
    throw new AppError('validation_failed', { message: 'The type of a calendar cannot change; create a new calendar instead.' });
  checkCalendarInput(options.input);
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await checkMembersBelong(
        trx,
        workspaceId,
        options.input.members.map((m) => m.userId),
      );
      await trx
        .updateTable('booking_calendars')
        .set(calendarColumns(options.input))
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', options.calendarId)
        .execute();
      await writeMembersAndServices(trx, workspaceId, options.calendarId, options.input);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'booking_calendars_workspace_id_slug_key')) throw new AppError('slug_taken');
    throw error;
  }
  return loadCalendarView(ctx.db, workspaceId, options.calendarId);
}
