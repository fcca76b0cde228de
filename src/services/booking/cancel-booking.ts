import type { ServiceContext } from '../context.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import { cancelWholeAppointment, lockAppointment, releaseSeats } from './appointment-changes.ts';
import { loadAppointmentView, type ClientBooking } from './appointment-view.ts';
import { resolveManageToken } from './resolve-manage-token.ts';
import { checkClientDeadline } from '../notifications/check-client-deadline.ts';
import { recordAppointmentNotice } from '../notifications/record-appointment-notice.ts';

/**
 * A client cancels through their link: their seats in a class/event, or the whole appointment
 * otherwise. Cancelling twice is harmless. Refused within the calendar's client deadline; the
 * optional reason reaches staff and webhooks.
 */
export async function cancelBooking(ctx: ServiceContext, options: { manageToken: string; reason?: string | null }): Promise<ClientBooking> {
  const booking = await resolveManageToken(ctx.db, options.manageToken);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockAppointment(trx, booking.workspaceId, booking.appointmentId);
    if (row.status === 'cancelled') return;
    const attendee = await trx.selectFrom('attendees').select('status').where('id', '=', booking.attendeeId).executeTakeFirstOrThrow();
    if (attendee.status === 'cancelled') return;
    const now = ctx.now();
    await checkClientDeadline(trx, { workspaceId: booking.workspaceId, calendarId: row.calendar_id, start: row.start_at }, now);
    const calendar = await loadCalendarView(trx, booking.workspaceId, row.calendar_id);
    const reason = options.reason?.trim() || null;
    if (reason) await trx.updateTable('attendees').set({ cancel_reason: reason }).where('id', '=', booking.attendeeId).execute();
    if (calendar.type === 'class' || calendar.type === 'event')
      await releaseSeats(trx, calendar, booking.workspaceId, booking.attendeeId, now);
    else await cancelWholeAppointment(trx, calendar, booking.workspaceId, row.id, now);
    await recordAppointmentNotice(trx, {
      workspaceId: booking.workspaceId,
      appointmentId: row.id,
      change: 'cancelled',
      cause: 'client',
      now,
      attendeeIds: [booking.attendeeId],
      reason,
    });
  });
  return { appointment: await loadAppointmentView(ctx.db, booking.workspaceId, booking.appointmentId), attendeeId: booking.attendeeId };
}
