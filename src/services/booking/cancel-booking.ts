import type { ServiceContext } from '../context.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import { cancelWholeAppointment, lockAppointment, releaseSeats } from './appointment-changes.ts';
import { loadAppointmentView, type ClientBooking } from './appointment-view.ts';
import { resolveManageToken } from './resolve-manage-token.ts';

/**
 * A client cancels through their link: their seats in a class/event, or the whole appointment
 * otherwise. Cancelling twice is harmless.
 */
export async function cancelBooking(ctx: ServiceContext, options: { manageToken: string }): Promise<ClientBooking> {
  const booking = await resolveManageToken(ctx.db, options.manageToken);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockAppointment(trx, booking.workspaceId, booking.appointmentId);
    if (row.status === 'cancelled') return;
    const calendar = await loadCalendarView(trx, booking.workspaceId, row.calendar_id);
    if (calendar.type === 'class' || calendar.type === 'event') await releaseSeats(trx, calendar, booking.workspaceId, booking.attendeeId, ctx.now());
    else await cancelWholeAppointment(trx, calendar, booking.workspaceId, row.id, ctx.now());
  });
  return { appointment: await loadAppointmentView(ctx.db, booking.workspaceId, booking.appointmentId), attendeeId: booking.attendeeId };
}
